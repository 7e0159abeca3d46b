"""Config flow against a real ts2rtc: happy path, Supervisor discovery, unreachable server, bad URL, one entry.

Supervisor itself cannot run here, so the discovery test starts the `hassio` step the way Home Assistant's
hassio integration does (`discovery_flow` with a HassioServiceInfo); the server it names is real.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import tempfile

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ts2rtc.const import CONF_CAMERA_PROVIDER, CONF_URL, DOMAIN

from .helpers import ts2rtc_server as helper
from .helpers.ts2rtc_server import Ts2rtcServer, start_ts2rtc

try:  # Home Assistant ≥ 2025.1
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo
except ImportError:  # 2024.3
    from homeassistant.components.hassio import HassioServiceInfo  # type: ignore[attr-defined,no-redef]


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, allow_sockets: None) -> None:
    """Load custom_components/ts2rtc; allow loopback sockets."""


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _user_flow(hass: HomeAssistant, url: str) -> dict:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] == FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: url})


async def test_user_step_creates_entry_for_a_real_server(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> None:
    result = await _user_flow(hass, ts2rtc.url)
    assert result["type"] == FlowResultType.CREATE_ENTRY, result
    assert result["data"] == {CONF_URL: ts2rtc.url + "/"}
    assert result["title"].startswith("ts2rtc")
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.state is config_entries.ConfigEntryState.LOADED


async def test_unreachable_server_is_cannot_connect(hass: HomeAssistant) -> None:
    result = await _user_flow(hass, f"http://127.0.0.1:{_closed_port()}")
    assert result["type"] == FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:1984", "http://", "127.0.0.1:1984", "http://h:99999"])
async def test_bad_url_is_invalid_url(hass: HomeAssistant, url: str) -> None:
    result = await _user_flow(hass, url)
    assert result["type"] == FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_url"}


async def test_a_server_that_is_not_go2rtc_compatible_is_invalid_response(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer
) -> None:
    # ts2rtc's web UI answers, but its HTML is not the API's JSON.
    result = await _user_flow(hass, ts2rtc.url + "/nothing-here/")
    assert result["type"] == FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_response"}


async def test_single_instance(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> None:
    MockConfigEntry(domain=DOMAIN, data={CONF_URL: ts2rtc.url}).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["type"] == FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


def _discovery(server: Ts2rtcServer, uuid: str = "0123456789abcdef0123456789abcdef") -> HassioServiceInfo:
    return HassioServiceInfo(
        config={"host": "127.0.0.1", "port": server.api_port, "addon": "ts2rtc"},
        name="ts2rtc",
        slug="local_ts2rtc",
        uuid=uuid,
    )


async def test_hassio_discovery_confirms_and_creates_entry(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=_discovery(ts2rtc)
    )
    assert result["type"] == FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {"addon": "ts2rtc"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] == FlowResultType.CREATE_ENTRY, result
    assert result["data"] == {CONF_URL: f"http://127.0.0.1:{ts2rtc.api_port}/"}
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.source == config_entries.SOURCE_HASSIO
    assert entry.unique_id == "local_ts2rtc"  # the add-on's slug: stable across restarts, unlike the uuid
    # The add-on restarts and announces itself again (new uuid): the entry stays as it is.
    again = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=_discovery(ts2rtc, "another-uuid")
    )
    assert again["type"] == FlowResultType.ABORT
    assert again["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]


async def test_hassio_discovery_of_a_moved_addon_updates_the_entry(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, source=config_entries.SOURCE_HASSIO, unique_id="old", data={CONF_URL: "http://127.0.0.1:1/"}
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=_discovery(ts2rtc, "new")
    )
    assert result["type"] == FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_URL] == f"http://127.0.0.1:{ts2rtc.api_port}/"
    await hass.async_block_till_done()


@pytest.fixture
def second_server() -> Iterator[Ts2rtcServer]:
    """Where the add-on "moved" to."""
    with start_ts2rtc() as started:
        yield started


async def test_a_loaded_entry_follows_the_moved_addon(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, second_server: Ts2rtcServer
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, source=config_entries.SOURCE_HASSIO, unique_id="local_ts2rtc", data={CONF_URL: ts2rtc.url}
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert hass.data[DOMAIN].client.url == ts2rtc.url + "/"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=_discovery(second_server, "u2")
    )
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert hass.data[DOMAIN].client.url == second_server.url + "/"


async def test_hassio_discovery_with_the_server_gone_shows_cannot_connect(hass: HomeAssistant) -> None:
    info = HassioServiceInfo(
        config={"host": "127.0.0.1", "port": _closed_port()}, name="ts2rtc", slug="local_ts2rtc", uuid="u1"
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=info
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] == FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_options_flow_turns_the_camera_provider_off(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: ts2rtc.url})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.data[DOMAIN].provider is not None

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] == FlowResultType.FORM
    assert result["step_id"] == "init"
    bad = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_URL: "nope", CONF_CAMERA_PROVIDER: False}
    )
    assert bad["errors"] == {"base": "invalid_url"}
    result = await hass.config_entries.options.async_configure(
        bad["flow_id"], {CONF_URL: ts2rtc.url, CONF_CAMERA_PROVIDER: False}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_URL: ts2rtc.url + "/", CONF_CAMERA_PROVIDER: False}
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert hass.data[DOMAIN].provider is None


async def test_entry_retries_while_the_server_is_down(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: f"http://127.0.0.1:{_closed_port()}/"})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is config_entries.ConfigEntryState.SETUP_RETRY


@contextlib.contextmanager
def _start_ts2rtc_with_api_password(username: str, password: str) -> Iterator[Ts2rtcServer]:
    """Local helper: ts2rtc whose API wants Basic auth even from loopback (`local_auth`).

    start_ts2rtc's `config` replaces top-level keys, and `api` must keep the port it picked, so this builds the
    config from the helper's own pieces.
    """
    if not helper.MAIN_JS.exists() or shutil.which("node") is None:
        pytest.skip("addon/dist/main.js or node is missing")
    workdir = Path(tempfile.mkdtemp(prefix="ts2rtc-pytest-auth-"))
    api_port, rtsp_port, webrtc_port = helper.free_port(), helper.free_port(), helper.free_port()
    config = helper._config(api_port, rtsp_port, webrtc_port, {}, {})  # noqa: SLF001
    config["api"].update({"username": username, "password": password, "local_auth": True})
    config_path = workdir / "ts2rtc.yaml"
    config_path.write_text(json.dumps(config))
    log_path = workdir / "ts2rtc.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [str(shutil.which("node")), str(helper.MAIN_JS), "-c", str(config_path)],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,
        )
    server = Ts2rtcServer(
        f"http://127.0.0.1:{api_port}", api_port, rtsp_port, webrtc_port, config_path, log_path, process
    )

    def answers_401() -> bool:
        try:
            return server.request("GET", "/api")[0] == 401
        except OSError:
            return False

    try:
        # Started = the API answers, here with 401 (no credentials sent).
        server.wait_for("ts2rtc to answer", answers_401, timeout=20)
        yield server
    finally:
        helper._stop(process)  # noqa: SLF001
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def server_with_password() -> Iterator[Ts2rtcServer]:
    with _start_ts2rtc_with_api_password("admin", "pw 1") as started:
        yield started


async def test_server_asking_for_a_password_is_invalid_auth_until_the_url_has_it(
    hass: HomeAssistant, server_with_password: Ts2rtcServer
) -> None:
    port = server_with_password.api_port
    result = await _user_flow(hass, f"http://127.0.0.1:{port}/")
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"http://admin:wrong@127.0.0.1:{port}/"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"http://admin:pw%201@127.0.0.1:{port}/"}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert hass.config_entries.async_entries(DOMAIN)[0].state is config_entries.ConfigEntryState.LOADED
