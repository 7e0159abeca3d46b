"""The card's JS is served by the integration and reaches the dashboards (real frontend and Lovelace).

Needs the real frontend package (home-assistant-frontend, pinned per Home Assistant version) because the
`frontend` integration serves its index page from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ts2rtc.const import CARD_URL, CONF_URL, DOMAIN

from .helpers.ts2rtc_server import Ts2rtcServer

CARD_FILE = Path(__file__).parents[1] / "custom_components" / "ts2rtc" / "www" / "webrtc-camera.js"

pytest.importorskip("hass_frontend", reason="home-assistant-frontend is not installed in this venv")


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, allow_sockets: None, hass_storage: dict[str, Any]) -> None:
    """Load custom_components/ts2rtc; allow loopback sockets; an onboarded instance (else pages redirect)."""
    hass_storage["onboarding"] = {
        "version": 4,
        "key": "onboarding",
        "data": {"done": ["user", "core_config", "analytics", "integration"]},
    }


async def _setup(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> str:
    """frontend (storage-mode Lovelace by default) and ts2rtc; returns the card URL with its version."""
    assert await async_setup_component(hass, "frontend", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: ts2rtc.url})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    version = (await async_get_integration(hass, DOMAIN)).version
    return f"{CARD_URL}?v={version}"


async def test_card_js_is_served(hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_client_no_auth: Any) -> None:
    url = await _setup(hass, ts2rtc)
    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    assert await response.read() == CARD_FILE.read_bytes()
    assert b"webrtc-camera" in CARD_FILE.read_bytes()


async def test_card_is_in_the_frontend_page_and_a_lovelace_resource(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_client: Any, hass_ws_client: Any
) -> None:
    url = await _setup(hass, ts2rtc)
    # Every dashboard page loads it as an extra module.
    client = await hass_client()
    page = await (await client.get("/lovelace/0")).text()
    assert f'"{url}"' in page  # rendered as import("<url>") for modern browsers
    # And storage-mode dashboards (what cast devices load) have it as a resource.
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "lovelace/resources"})
    reply = await ws.receive_json()
    assert reply["success"], reply
    assert [r for r in reply["result"] if r["url"] == url] == [
        {"id": reply["result"][0]["id"], "type": "module", "url": url}
    ]


async def test_an_old_resource_is_updated_not_duplicated(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_storage: dict[str, Any], hass_ws_client: Any
) -> None:
    hass_storage["lovelace_resources"] = {
        "version": 1,
        "key": "lovelace_resources",
        "data": {"items": [{"id": "old", "type": "module", "url": f"{CARD_URL}?v=0.0.1"}]},
    }
    url = await _setup(hass, ts2rtc)
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "lovelace/resources"})
    reply = await ws.receive_json()
    assert reply["result"] == [{"id": "old", "type": "module", "url": url}]


async def test_removing_the_entry_removes_the_resource(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    await _setup(hass, ts2rtc)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "lovelace/resources"})
    reply = await ws.receive_json()
    assert [r for r in reply["result"] if r["url"].startswith(CARD_URL)] == []
