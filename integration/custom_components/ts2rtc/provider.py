"""Camera WebRTC provider: Home Assistant's own Picture Entity and more-info views play through ts2rtc.

Which API is used is decided by feature detection, never by version number:
- `CameraWebRTCProvider` + `async_register_webrtc_provider` (Home Assistant ≥ 2024.11): the offer goes over
  ts2rtc's `/api/ws` (v2 `webrtc` message) and candidates trickle both ways;
- otherwise the legacy `async_register_rtsp_to_web_rtc_provider` (removed in 2025.6): the offer is POSTed to
  `/api/webrtc?src=` and the complete answer comes back.

Who wins when Home Assistant's own `go2rtc` integration (or, on old releases, `rtsp_to_webrtc`) also provides
WebRTC: the built-in one. Home Assistant keeps providers in a set, so with two willing providers the one a camera
gets is arbitrary; ours stands aside (`async_is_supported` is False, the legacy callable answers None) while the
built-in provider is registered, and takes over again when it goes. Home Assistant re-asks every camera whenever a
provider is added or removed, so the order the integrations load in does not matter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.components import camera as ha_camera
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .client import Ts2rtcClient, ws_url
from .const import DOMAIN, GO2RTC_DOMAIN, RTSP_TO_WEBRTC_DOMAIN
from .errors import Ts2rtcError

if TYPE_CHECKING:
    from homeassistant.components.camera import Camera, WebRTCSendMessage

_LOGGER = logging.getLogger(__name__)

# Used when the server's `GET /api/schemes` fails: what every ts2rtc build opens.
DEFAULT_SCHEMES = frozenset({"rtsp", "rtsps", "rtspx", "ffmpeg"})

# Schemes ts2rtc opens only from its own config file (they run commands), never from an API call.
CONFIG_FILE_ONLY_SCHEMES = frozenset({"exec", "echo"})

ERROR_CODE = "ts2rtc_webrtc_offer_failed"

try:  # Home Assistant ≥ 2024.11
    from homeassistant.components.camera import (
        CameraWebRTCProvider,
        WebRTCAnswer,
        WebRTCCandidate,
        WebRTCError,
    )

    try:
        from webrtc_models import RTCIceCandidateInit as _Candidate
    except ImportError:  # webrtc-models < 0.2 (Home Assistant 2024.11)
        from webrtc_models import RTCIceCandidate as _Candidate  # type: ignore[assignment]

    HAS_ASYNC_PROVIDER_API = hasattr(ha_camera, "async_register_webrtc_provider")
except ImportError:
    HAS_ASYNC_PROVIDER_API = False
HAS_LEGACY_PROVIDER_API = hasattr(ha_camera, "async_register_rtsp_to_web_rtc_provider")


def provider_api() -> str | None:
    """The provider API this Home Assistant offers: `webrtc_provider`, `rtsp_to_web_rtc` or None."""
    if HAS_ASYNC_PROVIDER_API:
        return "webrtc_provider"
    if HAS_LEGACY_PROVIDER_API:
        return "rtsp_to_web_rtc"
    return None


def builtin_provider_active(hass: HomeAssistant) -> bool:
    """True while Home Assistant's own go2rtc WebRTC provider is registered (then ours stands aside)."""
    try:
        from homeassistant.components.camera.webrtc import (  # noqa: PLC0415
            DATA_WEBRTC_PROVIDERS as providers_key,
        )
    except ImportError:
        providers_key = None
    if providers_key is not None:
        providers = hass.data.get(providers_key) or ()
        return any(getattr(p, "domain", None) == GO2RTC_DOMAIN for p in providers)
    # No provider registry to look at: a loaded go2rtc entry is the same fact (it registers in setup_entry).
    return any(entry.state is ConfigEntryState.LOADED for entry in hass.config_entries.async_entries(GO2RTC_DOMAIN))


def mask_userinfo(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`, as ts2rtc and go2rtc list sources."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" not in authority:
        return url
    return f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{path}"


def stream_needs_update(stream: Any, source: str, added_this_run: str | None) -> bool:
    """Should `source` be PUT as the stream, given its `/api/streams` entry (or None)?

    - missing stream, or none of its producers is `source`: yes;
    - the listing matches only once credentials are masked: the password may have changed, which the listing
      cannot show, so yes unless this run already added exactly this source.
    """
    if not isinstance(stream, dict):
        return True
    urls = [p.get("url") for p in stream.get("producers") or () if isinstance(p, dict)]
    if source in urls:
        return False
    if mask_userinfo(source) in {mask_userinfo(u) for u in urls if isinstance(u, str)}:
        return added_this_run != source
    return True


class StreamRegistrar:
    """Adds a camera's stream to ts2rtc, named after the entity, only when missing or changed."""

    def __init__(self, client: Ts2rtcClient) -> None:
        """Use `client` for the calls."""
        self._client = client
        self._lock = asyncio.Lock()
        self._added: dict[str, str] = {}

    async def ensure(self, name: str, source: str) -> None:
        """`PUT /api/streams?name=<name>&src=<source>` unless the stream already has that source."""
        async with self._lock:
            streams = await self._client.streams()
            if not stream_needs_update(streams.get(name), source, self._added.get(name)):
                return
            _LOGGER.debug("Adding stream %s to ts2rtc", name)
            await self._client.add_stream(name, [source])
            self._added[name] = source


class ProviderSettings:
    """What both provider flavours share: the client, the supported schemes, the stand-aside rule."""

    def __init__(self, hass: HomeAssistant, client: Ts2rtcClient, schemes: frozenset[str]) -> None:
        """Keep what the provider needs."""
        self.hass = hass
        self.client = client
        self.schemes = schemes
        self.registrar = StreamRegistrar(client)

    @callback
    def supports(self, stream_source: str) -> bool:
        """Our provider takes a camera if its source scheme is one ts2rtc opens and go2rtc is not providing."""
        if stream_source.partition(":")[0] not in self.schemes:
            return False
        return not builtin_provider_active(self.hass)


async def async_fetch_schemes(client: Ts2rtcClient) -> frozenset[str]:
    """The server's schemes, or the default set if it cannot say."""
    try:
        return frozenset(await client.schemes()) - CONFIG_FILE_ONLY_SCHEMES
    except Ts2rtcError as err:
        _LOGGER.debug("GET /api/schemes failed (%s), using the default schemes", err)
        return DEFAULT_SCHEMES


if HAS_ASYNC_PROVIDER_API:

    class Ts2rtcWebRTCProvider(CameraWebRTCProvider):
        """`CameraWebRTCProvider` talking ts2rtc's `/api/ws` (v2 offer, trickled candidates)."""

        def __init__(self, settings: ProviderSettings) -> None:
            """One WebSocket per WebRTC session, keyed by Home Assistant's session id."""
            self._settings = settings
            self._sessions: dict[str, tuple[aiohttp.ClientWebSocketResponse, asyncio.Task[None]]] = {}

        @property
        def domain(self) -> str:
            """The integration domain of the provider."""
            return DOMAIN

        @callback
        def async_is_supported(self, stream_source: str) -> bool:
            """See ProviderSettings.supports."""
            return self._settings.supports(stream_source)

        async def async_handle_async_webrtc_offer(
            self,
            camera: Camera,
            offer_sdp: str,
            session_id: str,
            send_message: WebRTCSendMessage,
        ) -> None:
            """Add the camera's stream if needed, send the offer, relay answer/candidates/errors."""
            settings = self._settings
            if not (stream_source := await camera.stream_source()):
                send_message(WebRTCError(ERROR_CODE, "Camera has no stream source"))
                return
            try:
                await settings.registrar.ensure(camera.entity_id, stream_source)
                session = async_get_clientsession(settings.hass)
                ws = await session.ws_connect(ws_url(settings.client.url, {"src": camera.entity_id}))
            except (Ts2rtcError, aiohttp.ClientError, OSError) as err:
                send_message(WebRTCError(ERROR_CODE, str(err)))
                return
            # Our own ICE servers are not forwarded: ts2rtc uses the ones in its own config (the add-on's).
            offer = {"type": "webrtc", "value": {"type": "offer", "sdp": offer_sdp}}
            task = settings.hass.async_create_background_task(
                self._relay(ws, send_message), f"{DOMAIN} webrtc session {session_id}"
            )
            self._sessions[session_id] = (ws, task)
            try:
                await ws.send_str(json.dumps(offer))
            except (aiohttp.ClientError, ConnectionError) as err:
                send_message(WebRTCError(ERROR_CODE, str(err)))
                self.async_close_session(session_id)

        @staticmethod
        async def _relay(ws: aiohttp.ClientWebSocketResponse, send_message: WebRTCSendMessage) -> None:
            """Turn ts2rtc's messages into Home Assistant's WebRTC messages until the socket closes."""
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                kind, value = data.get("type"), data.get("value")
                if kind == "webrtc" and isinstance(value, dict) and value.get("type") == "answer":
                    send_message(WebRTCAnswer(value.get("sdp", "")))
                elif kind == "webrtc/answer" and isinstance(value, str):
                    send_message(WebRTCAnswer(value))
                elif kind == "webrtc/candidate" and isinstance(value, str) and value:
                    send_message(WebRTCCandidate(_Candidate(value)))
                elif kind == "error":
                    send_message(WebRTCError(ERROR_CODE, str(value)))

        async def async_on_webrtc_candidate(self, session_id: str, candidate: Any) -> None:
            """Forward the browser's candidate to ts2rtc."""
            if (entry := self._sessions.get(session_id)) is None:
                _LOGGER.debug("Unknown WebRTC session %s, candidate ignored", session_id)
                return
            message = {"type": "webrtc/candidate", "value": getattr(candidate, "candidate", "")}
            try:
                await entry[0].send_str(json.dumps(message))
            except (aiohttp.ClientError, ConnectionError) as err:
                _LOGGER.debug("Candidate for session %s not sent: %s", session_id, err)

        @callback
        def async_close_session(self, session_id: str) -> None:
            """Close the session's WebSocket (the peer connection in ts2rtc outlives it, as in go2rtc)."""
            if (entry := self._sessions.pop(session_id, None)) is None:
                return
            ws, task = entry
            task.cancel()
            self._settings.hass.async_create_background_task(ws.close(), f"{DOMAIN} close webrtc session {session_id}")

        @callback
        def async_close_all(self) -> None:
            """Close every session (the entry is unloading)."""
            for session_id in list(self._sessions):
                self.async_close_session(session_id)


def _legacy_provider_fn(
    settings: ProviderSettings,
) -> Callable[[str, str, str], Any]:
    """The callable for `async_register_rtsp_to_web_rtc_provider`: (source, offer, stream id) → answer."""

    async def handle_offer(stream_source: str, offer_sdp: str, stream_id: str) -> str | None:
        if not settings.supports(stream_source):
            return None
        if RTSP_TO_WEBRTC_DOMAIN in settings.hass.config.components:
            return None  # the built-in integration answers (same rule as with go2rtc)
        await settings.registrar.ensure(stream_id, stream_source)
        return await settings.client.webrtc_offer(stream_id, offer_sdp)

    return handle_offer


class RegisteredProvider:
    """The provider as registered, and how to take it back."""

    def __init__(self, api: str, unregister: Callable[[], None], provider: Any = None) -> None:
        """`api` is what provider_api() returned."""
        self.api = api
        self._unregister = unregister
        self._provider = provider

    @callback
    def async_unregister(self) -> None:
        """Remove the provider from Home Assistant and close its sessions."""
        self._unregister()
        if self._provider is not None:
            self._provider.async_close_all()


async def async_register_provider(hass: HomeAssistant, client: Ts2rtcClient) -> RegisteredProvider | None:
    """Register the provider with the API this Home Assistant has; None if it has none."""
    api = provider_api()
    if api is None:
        _LOGGER.warning("This Home Assistant has no camera WebRTC provider API")
        return None
    settings = ProviderSettings(hass, client, await async_fetch_schemes(client))
    if api == "webrtc_provider":
        provider = Ts2rtcWebRTCProvider(settings)
        return RegisteredProvider(api, ha_camera.async_register_webrtc_provider(hass, provider), provider)
    unregister = ha_camera.async_register_rtsp_to_web_rtc_provider(hass, DOMAIN, _legacy_provider_fn(settings))
    return RegisteredProvider(api, _keeping_other_legacy_providers(hass, unregister))


# Where Home Assistant < 2024.11 keeps legacy providers ({domain: callable}).
_LEGACY_PROVIDERS_KEY = "rtsp_to_web_rtc"


def _keeping_other_legacy_providers(hass: HomeAssistant, unregister: Callable[[], None]) -> Callable[[], None]:
    """Our unregister, without taking other integrations' legacy providers along.

    Home Assistant 2024.3's remove function deletes the whole provider dict, not just our key, which would
    silently unregister rtsp_to_webrtc when our entry reloads (options change). The others are registered again
    through the public function.
    """

    @callback
    def unregister_ours() -> None:
        providers = hass.data.get(_LEGACY_PROVIDERS_KEY)
        others = {d: fn for d, fn in providers.items() if d != DOMAIN} if isinstance(providers, dict) else {}
        unregister()
        remaining = hass.data.get(_LEGACY_PROVIDERS_KEY)
        for domain, fn in others.items():
            if not isinstance(remaining, dict) or domain not in remaining:
                ha_camera.async_register_rtsp_to_web_rtc_provider(hass, domain, fn)

    return unregister_ours
