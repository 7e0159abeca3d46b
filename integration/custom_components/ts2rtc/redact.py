"""Passwords out of text that leaves Home Assistant (diagnostics, errors shown in the browser)."""

from __future__ import annotations

import re

REDACTED = "**REDACTED**"
# user:password@ in any URL (rtsp://, http://, onvif://, ...), and go2rtc-style ?password=/&token= parameters.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]*)@", re.I)
# The same inside a percent-encoded query (`src=rtsp%3A%2F%2Fuser%3Apass%40host`).
_ENCODED_URL_PASSWORD = re.compile(
    r"(?P<sep>%3A%2F%2F)(?P<user>[^/@\s%]*(?:%(?!3A)[0-9A-F]{2}[^/@\s%]*)*)%3A.*?%40", re.I
)
_QUERY_SECRET = re.compile(r"(?P<key>[?&#](?:password|pass|pwd|token|key|secret)=)[^&#\s]*", re.I)


def redact_text(text: str) -> str:
    """`text` with URL passwords and secret query parameters replaced."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
    text = _ENCODED_URL_PASSWORD.sub(lambda m: f"{m['sep']}{m['user']}%3A{REDACTED}%40", text)
    return _QUERY_SECRET.sub(lambda m: f"{m['key']}{REDACTED}", text)
