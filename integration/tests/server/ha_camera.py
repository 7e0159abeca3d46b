"""Home Assistant side of the server tests: camera entities with a given stream source, and the frontend's offer.

- `setup_cameras(hass, {"hall": "rtsp://..."})` adds `camera.hall` (a plain camera entity that can stream,
  through a `test` camera platform, as Home Assistant's own camera tests do); its `stream_source` is the URL.
- `offer_and_play(hass, hass_ws_client, entity_id)`: a new aiortc peer's offer through it, the answer played.
- `frontend_offer(ws, entity_id, offer, on_candidate)` sends the offer as the frontend does: WS
  `camera/web_rtc_offer` (Home Assistant < 2024.11) or the `camera/webrtc/offer` subscription (2024.11+:
  events `session`, `answer`, `candidate`, `error`), and returns the answer SDP.
Imported only by the Home Assistant test modules (.venv-ha2024 / .venv-ha2025).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockPlatform, mock_platform

from tests.helpers.webrtc_peer import PlayResult, WebRtcPeer

HA_VERSION = (MAJOR_VERSION, MINOR_VERSION)
# The subscription API (`camera/webrtc/offer`, CameraWebRTCProvider) came with Home Assistant 2024.11.
HAS_WEBRTC_SUBSCRIPTION = HA_VERSION >= (2024, 11)


class StreamSourceCamera(Camera):
    """A camera whose stream source is a URL, like a Generic camera, without Generic's probing."""

    _attr_supported_features = CameraEntityFeature.STREAM
    _attr_should_poll = False

    def __init__(self, name: str, source: str) -> None:
        super().__init__()
        self._attr_name = name
        self._attr_unique_id = f"ts2rtc-test-{name}"
        self._source = source

    async def stream_source(self) -> str | None:
        return self._source

    async def async_camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        return None


async def setup_cameras(hass: HomeAssistant, cameras: dict[str, str]) -> None:
    """Sets up one camera entity per name (entity id `camera.<name>`) with that stream source."""
    entities = [StreamSourceCamera(name, source) for name, source in cameras.items()]

    async def async_setup_platform(hass: HomeAssistant, config: Any, async_add_entities: Any, discovery_info: Any = None) -> None:
        async_add_entities(entities)

    mock_platform(hass, "test.camera", MockPlatform(async_setup_platform=async_setup_platform))
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()
    for name in cameras:
        assert hass.states.get(f"camera.{name}") is not None, f"camera.{name} was not created"


class OfferRefused(AssertionError):
    """Home Assistant answered the frontend's offer with an error event (`event` is that event)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(f"Home Assistant answered an error: {event}")
        self.event = event


async def frontend_offer(
    ws: Any, entity_id: str, offer: str, on_candidate: Callable[[str], Awaitable[None]] | None = None, timeout: float = 15
) -> str:
    """The answer Home Assistant gives the frontend for `offer`; trickled candidates go to `on_candidate`
    (read in the background until the WebSocket closes)."""
    if not HAS_WEBRTC_SUBSCRIPTION:
        await ws.send_json({"id": 1, "type": "camera/web_rtc_offer", "entity_id": entity_id, "offer": offer})
        message = await asyncio.wait_for(ws.receive_json(), timeout)
        assert message["success"], f"camera/web_rtc_offer failed: {message}"
        return str(message["result"]["answer"])

    await ws.send_json({"id": 1, "type": "camera/webrtc/offer", "entity_id": entity_id, "offer": offer})
    message = await asyncio.wait_for(ws.receive_json(), timeout)
    assert message.get("success"), f"camera/webrtc/offer refused: {message}"
    while True:
        message = await asyncio.wait_for(ws.receive_json(), timeout)
        event = message.get("event") or {}
        if event.get("type") == "error":
            raise OfferRefused(event)
        if event.get("type") == "candidate" and on_candidate:
            await on_candidate(event["candidate"]["candidate"])
        if event.get("type") == "answer":
            return str(event["answer"])


async def _ws(hass: HomeAssistant, hass_ws_client: Any) -> Any:
    assert await async_setup_component(hass, "websocket_api", {})
    return await hass_ws_client(hass)


async def offer_and_play(
    hass: HomeAssistant, hass_ws_client: Any, entity_id: str, seconds: float = 5, min_audio_frames: int | None = None
) -> PlayResult:
    """Offer from a new aiortc peer through Home Assistant's WebSocket API (as the frontend), play the answer."""
    ws = await _ws(hass, hass_ws_client)
    async with WebRtcPeer() as peer:
        offer = await peer.create_offer()
        answer = await frontend_offer(ws, entity_id, offer, peer.add_candidate)

        async def trickle() -> None:  # candidates Home Assistant relays after the answer
            with contextlib.suppress(Exception):
                while True:
                    event = (await ws.receive_json()).get("event") or {}
                    if event.get("type") == "candidate":
                        await peer.add_candidate(event["candidate"]["candidate"])

        reader = asyncio.get_running_loop().create_task(trickle()) if HAS_WEBRTC_SUBSCRIPTION else None
        try:
            await peer.set_answer(answer)
            result = await peer.play(seconds=seconds, min_video_frames=10, min_audio_frames=min_audio_frames)
        finally:
            if reader:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
    await ws.close()
    await hass.async_block_till_done()
    return result
