"""Config flow: the server URL (checked by calling `GET /api`), Supervisor discovery of the add-on, options."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.config_entries import (
    SOURCE_HASSIO,
    ConfigEntry,
    ConfigFlow,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from .client import Ts2rtcClient
from .const import (
    CONF_CAMERA_PROVIDER,
    CONF_URL,
    DEFAULT_CAMERA_PROVIDER,
    DEFAULT_URL,
    DOMAIN,
)
from .errors import Ts2rtcError

try:  # Home Assistant ≥ 2024.4
    from homeassistant.config_entries import ConfigFlowResult
except ImportError:  # 2024.3
    from homeassistant.data_entry_flow import FlowResult as ConfigFlowResult  # type: ignore[assignment]

try:  # Home Assistant ≥ 2025.1 (the hassio location is deprecated there)
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo
except ImportError:  # older releases
    from homeassistant.components.hassio import HassioServiceInfo  # type: ignore[attr-defined,no-redef]

_LOGGER = logging.getLogger(__name__)

TITLE = "ts2rtc"


async def async_check_server(flow: ConfigFlow | OptionsFlow, url: str) -> tuple[str, dict[str, Any]]:
    """Normalise `url` and call `GET /api`; raise Ts2rtcError (code = the form's error key)."""
    client = Ts2rtcClient(async_get_clientsession(flow.hass), url)
    return client.url, await client.info()


def _title(info: dict[str, Any]) -> str:
    version = info.get("ts2rtc")
    return f"{TITLE} {version}" if isinstance(version, str) else TITLE


class Ts2rtcConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry: the server every camera and card of this Home Assistant uses."""

    VERSION = 1

    def __init__(self) -> None:
        """Nothing discovered yet."""
        self._discovered_url: str | None = None
        self._addon_name: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options: camera provider on/off, another server URL."""
        return Ts2rtcOptionsFlow(config_entry)

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The user types the server URL."""
        if self._async_current_entries():
            return self.async_abort(reason="single_instance_allowed")
        errors: dict[str, str] = {}
        url = DEFAULT_URL
        if user_input is not None:
            url = user_input[CONF_URL]
            try:
                url, info = await async_check_server(self, url)
            except Ts2rtcError as err:
                _LOGGER.debug("Server check failed: %s", err)
                errors["base"] = err.code
            else:
                return self.async_create_entry(title=_title(info), data={CONF_URL: url})
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema({vol.Required(CONF_URL, default=url): str}),
            errors=errors,
        )

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """The add-on announced itself through Supervisor discovery: {"host": ..., "port": ...}."""
        config = discovery_info.config
        url = f"http://{config['host']}:{config['port']}/"
        for entry in self._async_current_entries():
            if entry.source == SOURCE_HASSIO and entry.data.get(CONF_URL) != url:
                # The add-on moved (new host or port): follow it. A loaded entry reloads through its update
                # listener; one waiting to retry reads the new URL at its next try.
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_URL: url})
            return self.async_abort(reason="already_configured")
        # Keyed by the add-on's slug, not the discovery uuid: the add-on withdraws its announcement when it stops,
        # and Home Assistant deletes hassio entries whose unique id is a withdrawn uuid (every restart would
        # remove the entry). A new announcement (new uuid) finds the entry above and only updates its URL.
        await self.async_set_unique_id(discovery_info.slug)
        self._abort_if_unique_id_configured()
        self._discovered_url = url
        self._addon_name = config.get("addon") or discovery_info.name or "ts2rtc"
        self.context["title_placeholders"] = {"addon": self._addon_name}
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask before adding the discovered add-on; check it answers."""
        assert self._discovered_url is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                url, info = await async_check_server(self, self._discovered_url)
            except Ts2rtcError as err:
                errors["base"] = err.code
            else:
                return self.async_create_entry(title=_title(info), data={CONF_URL: url})
        return self.async_show_form(
            step_id="hassio_confirm",
            description_placeholders={"addon": self._addon_name or "ts2rtc"},
            errors=errors,
        )


class Ts2rtcOptionsFlow(OptionsFlow):
    """Camera provider on/off and the server URL.

    The entry is kept under our own attribute: Home Assistant 2024.11+ sets `config_entry` itself and reports
    flows that assign it, while 2024.3 does not set it at all.
    """

    def __init__(self, config_entry: ConfigEntry) -> None:
        """Remember the entry."""
        self._entry = config_entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form."""
        entry = self._entry
        errors: dict[str, str] = {}
        url = entry.options.get(CONF_URL) or entry.data[CONF_URL]
        provider = entry.options.get(CONF_CAMERA_PROVIDER, DEFAULT_CAMERA_PROVIDER)
        if user_input is not None:
            url = user_input[CONF_URL]
            provider = user_input[CONF_CAMERA_PROVIDER]
            try:
                url, _ = await async_check_server(self, url)
            except Ts2rtcError as err:
                errors["base"] = err.code
            else:
                return self.async_create_entry(title="", data={CONF_URL: url, CONF_CAMERA_PROVIDER: provider})
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_URL, default=url): str,
                    vol.Required(CONF_CAMERA_PROVIDER, default=provider): bool,
                }
            ),
            errors=errors,
        )
