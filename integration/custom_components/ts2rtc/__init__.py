"""ts2rtc: the camera streaming server as a part of Home Assistant.

- serves the `webrtc-camera` card and adds it to the frontend (frontend.py);
- proxies the card's WebSocket to the server behind Home Assistant's auth (proxy.py);
- registers a camera WebRTC provider so Home Assistant's own camera views play through ts2rtc (provider.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration

from .client import Ts2rtcClient
from .const import CONF_CAMERA_PROVIDER, CONF_URL, DEFAULT_CAMERA_PROVIDER, DOMAIN
from .errors import CannotConnectError, Ts2rtcError
from .frontend import (
    async_add_card_to_frontend,
    async_remove_card_resource,
    async_serve_card,
)
from .provider import RegisteredProvider, async_register_provider
from .proxy import WebSocketProxyView

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


@dataclass
class Ts2rtcData:
    """What a loaded entry keeps in hass.data[DOMAIN] (one entry at most)."""

    entry_id: str
    client: Ts2rtcClient
    info: dict[str, Any]
    provider: RegisteredProvider | None = None
    frontend: list[str] = field(default_factory=list)


def entry_url(entry: ConfigEntry) -> str:
    """The server URL: the options flow's, else the one the entry was created with."""
    return str(entry.options.get(CONF_URL) or entry.data[CONF_URL])


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Once per run: serve the card, add it to the frontend, register the proxy view."""
    integration = await async_get_integration(hass, DOMAIN)
    await async_serve_card(hass)
    hass.data[f"{DOMAIN}_frontend"] = await async_add_card_to_frontend(hass, str(integration.version or "0"))
    hass.http.register_view(WebSocketProxyView(hass))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Check the server and register the camera provider."""
    url = entry_url(entry)
    try:
        client = Ts2rtcClient(async_get_clientsession(hass), url)
        info = await client.info()
    except CannotConnectError as err:
        raise ConfigEntryNotReady(f"ts2rtc at {url} does not answer: {err}") from err
    except Ts2rtcError as err:
        _LOGGER.error("ts2rtc at %s: %s", url, err)
        return False

    data = Ts2rtcData(entry.entry_id, client, info, frontend=hass.data.get(f"{DOMAIN}_frontend", []))
    if entry.options.get(CONF_CAMERA_PROVIDER, DEFAULT_CAMERA_PROVIDER):
        data.provider = await async_register_provider(hass, client)
    hass.data[DOMAIN] = data
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Options changed (camera provider on/off, server URL): start over."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Unregister the provider; the proxy then answers `not configured` unless the card names a server."""
    data: Ts2rtcData | None = hass.data.pop(DOMAIN, None)
    if data is not None and data.provider is not None:
        data.provider.async_unregister()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The integration was deleted: take our Lovelace resource away too."""
    await async_remove_card_resource(hass)
