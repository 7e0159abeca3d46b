"""The files Home Assistant, HACS and the translators read: manifest, hacs.json, strings (no server needed)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from awesomeversion import AwesomeVersion

from custom_components.ts2rtc import errors

PACKAGE = Path(__file__).parents[1] / "custom_components" / "ts2rtc"
REPO_ROOT = Path(__file__).parents[2]


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_has_what_home_assistant_and_hacs_require() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    assert manifest["domain"] == PACKAGE.name
    for key in ("name", "documentation", "issue_tracker", "codeowners", "version", "iot_class"):
        assert manifest.get(key), key
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] in {"local_push", "local_polling", "calculated", "assumed_state"}
    # hassfest's order: domain, name, then alphabetical.
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"] and keys[2:] == sorted(keys[2:])
    # Hard dependencies only on what every install has; frontend/lovelace are used when present.
    assert set(manifest["dependencies"]) <= {"camera", "http"}


def test_hacs_json_at_the_repository_root() -> None:
    hacs = _json(REPO_ROOT / "hacs.json")
    assert hacs["name"]
    # The integration is not at custom_components/ in the repository root, so HACS installs a release zip.
    assert hacs["zip_release"] is True
    assert hacs["filename"].endswith(".zip")
    assert AwesomeVersion(hacs["homeassistant"]).valid


def test_translations_match_strings_and_cover_every_error_code() -> None:
    strings = _json(PACKAGE / "strings.json")
    assert _json(PACKAGE / "translations" / "en.json") == strings
    codes = {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.Ts2rtcError) and cls is not errors.Ts2rtcError
    }
    flow_codes = codes - {"not_configured", "no_stream_source"}  # proxy errors, never shown in a form
    assert flow_codes <= set(strings["config"]["error"]), flow_codes - set(strings["config"]["error"])
    assert flow_codes <= set(strings["options"]["error"])


def test_package_imports_only_itself_and_home_assistant() -> None:
    """The zip HACS installs holds this folder alone: nothing outside it may be imported."""
    allowed_roots = {"homeassistant", "aiohttp", "jwt", "voluptuous", "webrtc_models"}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                root = node.module.split(".")[0]
            elif isinstance(node, ast.Import):
                root = node.names[0].name.split(".")[0]
            else:
                continue
            assert root in allowed_roots or root in _stdlib(), f"{path.name} imports {root}"


def _stdlib() -> frozenset[str]:
    import sys  # noqa: PLC0415

    return frozenset(sys.stdlib_module_names) | {"__future__"}
