"""Serving the `webrtc-camera` card and adding it to the frontend (as AlexxIT/WebRTC's `utils.init_resource`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant

from .const import CARD_FILE, CARD_URL

_LOGGER = logging.getLogger(__name__)

CARD_PATH = Path(__file__).parent / "www" / CARD_FILE


def card_url(version: str) -> str:
    """The URL the frontend loads; `?v=` changes with each release so browsers do not keep an old card."""
    return f"{CARD_URL}?v={version}"


async def async_serve_card(hass: HomeAssistant) -> None:
    """Serve www/webrtc-camera.js at CARD_URL (no auth: it is code, not data, as /local/ files are)."""
    try:
        from homeassistant.components.http import StaticPathConfig  # noqa: PLC0415
    except ImportError:  # Home Assistant < 2024.7: only the blocking call exists
        hass.http.register_static_path(CARD_URL, str(CARD_PATH), True)
        return
    await hass.http.async_register_static_paths([StaticPathConfig(CARD_URL, str(CARD_PATH), True)])


def _lovelace_resources(hass: HomeAssistant) -> Any:
    """The Lovelace resource collection, or None if Lovelace is not set up.

    Home Assistant 2025.2 turned hass.data["lovelace"] from a dict into a dataclass (the dict access still works
    but reports a deprecation), hence the attribute first.
    """
    lovelace = hass.data.get("lovelace")
    if lovelace is None:
        return None
    if hasattr(lovelace, "resources"):
        return lovelace.resources
    if isinstance(lovelace, dict):
        return lovelace.get("resources")
    return None


def _is_storage_collection(resources: Any) -> bool:
    try:
        from homeassistant.components.lovelace.resources import (  # noqa: PLC0415
            ResourceStorageCollection,
        )
    except ImportError:
        return False
    return isinstance(resources, ResourceStorageCollection)


async def async_add_card_to_frontend(hass: HomeAssistant, version: str) -> list[str]:
    """Make dashboards load the card; return what was done (for logs, diagnostics and tests).

    - `frontend.add_extra_js_url`: every dashboard, YAML mode included, loads it;
    - in storage mode a Lovelace resource too (Chromecast's cast dashboards load resources but not extra JS
      URLs). The same URL both ways is one module in the browser, so the element is defined once.
    """
    url = card_url(version)
    done: list[str] = []
    if "frontend" in hass.config.components:
        from homeassistant.components.frontend import add_extra_js_url  # noqa: PLC0415

        add_extra_js_url(hass, url)
        done.append("extra_js_url")
    resources = _lovelace_resources(hass)
    if resources is not None and _is_storage_collection(resources):
        await resources.async_get_info()  # loads the stored collection on first use
        existing = [item for item in resources.async_items() if str(item.get("url", "")).startswith(CARD_URL)]
        if not existing:
            await resources.async_create_item({"res_type": "module", "url": url})
            done.append("resource_created")
        elif existing[0].get("url") != url:
            await resources.async_update_item(existing[0]["id"], {"res_type": "module", "url": url})
            done.append("resource_updated")
        else:
            done.append("resource_present")
    return done


async def async_remove_card_resource(hass: HomeAssistant) -> None:
    """Remove our Lovelace resource (the integration was deleted)."""
    resources = _lovelace_resources(hass)
    if resources is None or not _is_storage_collection(resources):
        return
    await resources.async_get_info()
    for item in list(resources.async_items()):
        if str(item.get("url", "")).startswith(CARD_URL):
            await resources.async_delete_item(item["id"])
