"""Typed errors of the ts2rtc integration: each carries a stable `code` (also the config flow's error key)."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError


class Ts2rtcError(HomeAssistantError):
    """Base error; `code` is stable and is what tests and the config flow match on."""

    code = "unknown"

    def __init__(self, message: str) -> None:
        """Keep the message; the class gives the code."""
        super().__init__(message)
        self.message = message


class InvalidUrlError(Ts2rtcError):
    """The server URL is not an absolute http(s) URL with a host."""

    code = "invalid_url"


class CannotConnectError(Ts2rtcError):
    """The server did not answer (refused, timed out, DNS)."""

    code = "cannot_connect"


class InvalidAuthError(Ts2rtcError):
    """The server wants HTTP Basic credentials (`api: username/password`) and the URL has none or wrong ones."""

    code = "invalid_auth"


class InvalidResponseError(Ts2rtcError):
    """The server answered, but not as a go2rtc-compatible server does (status, body)."""

    code = "invalid_response"


class NotConfiguredError(Ts2rtcError):
    """No server URL: the integration has no loaded entry and the card gave no `server`."""

    code = "not_configured"


class StreamSourceError(Ts2rtcError):
    """The card asked for a camera whose source cannot be found."""

    code = "no_stream_source"
