"""Diagnostics: the entry, the server's info and streams, the provider; passwords redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .errors import Ts2rtcError
from .provider import builtin_provider_active, provider_api
from .redact import redact_text

# Keys whose values are secrets wherever they appear (ts2rtc config keys and HA's).
TO_REDACT = {"password", "username", "token", "access_token", "credential", "secret", "client_private"}


def redact(value: Any) -> Any:
    """Redact secret keys (HA's helper) and passwords inside every string."""
    value = async_redact_data(value, TO_REDACT) if isinstance(value, (dict, list)) else value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact_text(str(k)): redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    """What a bug report needs, without credentials."""
    data = hass.data.get(DOMAIN)
    result: dict[str, Any] = {
        "entry": {"data": dict(entry.data), "options": dict(entry.options), "source": entry.source},
        "provider": {
            "api": provider_api(),
            "registered": data.provider.api if data is not None and data.provider else None,
            "go2rtc_provider_active": builtin_provider_active(hass),
        },
        "frontend": data.frontend if data is not None else [],
    }
    if data is not None:
        try:
            result["server"] = await data.client.info()
            result["streams"] = await data.client.streams()
        except Ts2rtcError as err:
            result["server_error"] = {"code": err.code, "message": err.message}
    return redact(result)
