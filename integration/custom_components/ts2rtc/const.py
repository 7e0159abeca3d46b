"""Constants of the ts2rtc integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "ts2rtc"

# Config entry data and options.
CONF_URL: Final = "url"
CONF_CAMERA_PROVIDER: Final = "camera_provider"
DEFAULT_CAMERA_PROVIDER: Final = True

# The address the add-on answers on when Home Assistant runs beside it (host network, default port).
DEFAULT_URL: Final = "http://localhost:1984/"

# Supervisor discovery: the add-on announces this service with {"host": ..., "port": ...}.
HASSIO_SERVICE: Final = DOMAIN

# The card's WebSocket proxy, signed with `auth/sign_path` by the card (AlexxIT/WebRTC's `/api/webrtc/ws`).
WS_PROXY_PATH: Final = "/api/ts2rtc/ws"

# The card, served by the integration so HACS users need no build.
CARD_URL: Final = "/ts2rtc/webrtc-camera.js"
CARD_FILE: Final = "webrtc-camera.js"

# Home Assistant's own go2rtc integration: its camera WebRTC provider wins over ours (see provider.py).
GO2RTC_DOMAIN: Final = "go2rtc"
RTSP_TO_WEBRTC_DOMAIN: Final = "rtsp_to_webrtc"

# Seconds for one REST call to ts2rtc (go2rtc-client uses 10 s).
REQUEST_TIMEOUT: Final = 10
