"""Home Assistant's own camera views play through ts2rtc: the camera WebRTC provider, on both provider APIs.

The browser is an aiortc peer that sends its offer over Home Assistant's WebSocket API exactly as the frontend
does (`camera/webrtc/offer` on Home Assistant ≥ 2024.11, `camera/web_rtc_offer` before) and counts the frames it
decodes. The camera is a Camera entity whose stream source is ts2rtc's own RTSP output of its `demo` stream
(what a Generic/ONVIF camera entity gives: an rtsp:// URL).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from homeassistant.components import camera as ha_camera
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ts2rtc.const import CONF_CAMERA_PROVIDER, CONF_URL, DOMAIN
from custom_components.ts2rtc.provider import mask_userinfo, stream_needs_update

from .helpers.ts2rtc_server import Ts2rtcServer
from .helpers.webrtc_peer import WebRtcPeer

NEW_API = hasattr(ha_camera, "async_register_webrtc_provider")
ENTITY_ID = "camera.front_door"


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, allow_sockets: None) -> None:
    """Load custom_components/ts2rtc; allow loopback sockets."""


class _RtspCamera(Camera):
    """A camera whose stream source is an RTSP URL."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, source: str) -> None:
        super().__init__()
        self._attr_name = "Front door"
        self._attr_unique_id = "front_door"
        self._source = source

    async def stream_source(self) -> str | None:
        return self._source

    async def async_camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        return None


async def _setup(hass: HomeAssistant, ts2rtc: Ts2rtcServer, **options: Any) -> MockConfigEntry:
    assert await async_setup_component(hass, "camera", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: ts2rtc.url + "/"}, options=options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    cam = _RtspCamera(ts2rtc.rtsp_url("demo"))
    cam.entity_id = ENTITY_ID
    await hass.data["camera"].async_add_entities([cam])
    await hass.async_block_till_done()
    return entry


async def _stream_types(hass: HomeAssistant, hass_ws_client: Any) -> set[str]:
    """What the frontend is told it may use for the camera."""
    if NEW_API:
        ws = await hass_ws_client(hass)
        await ws.send_json({"id": 1, "type": "camera/capabilities", "entity_id": ENTITY_ID})
        reply = await ws.receive_json()
        assert reply["success"], reply
        return set(reply["result"]["frontend_stream_types"])
    state = hass.states.get(ENTITY_ID)
    assert state is not None
    return {state.attributes.get("frontend_stream_type")}


async def _offer_through_home_assistant(hass: HomeAssistant, hass_ws_client: Any, peer: WebRtcPeer) -> Any:
    """Send the offer as the frontend does, apply the answer and trickled candidates; returns the session id."""
    ws = await hass_ws_client(hass)
    offer = await peer.create_offer()
    if not NEW_API:
        await ws.send_json({"id": 1, "type": "camera/web_rtc_offer", "entity_id": ENTITY_ID, "offer": offer})
        reply = await ws.receive_json(timeout=20)
        assert reply["success"], reply
        await peer.set_answer(reply["result"]["answer"])
        return None
    await ws.send_json({"id": 1, "type": "camera/webrtc/offer", "entity_id": ENTITY_ID, "offer": offer})
    reply = await ws.receive_json(timeout=20)
    assert reply["success"], reply
    session_id = None
    while True:
        event = (await ws.receive_json(timeout=20))["event"]
        assert event["type"] != "error", event
        if event["type"] == "session":
            session_id = event["session_id"]
        if event["type"] == "answer":
            await peer.set_answer(event["answer"])
            break
    # Candidates that follow the answer (ts2rtc trickles its own after the answer, as go2rtc does).
    hass.async_create_background_task(_apply_candidates(ws, peer), "candidates")
    return session_id


async def _apply_candidates(ws: Any, peer: WebRtcPeer) -> None:
    while True:
        try:
            message = await ws.receive_json(timeout=5)
        except Exception:  # noqa: BLE001 - socket closed or quiet: no more candidates
            return
        event = message.get("event", {})
        if event.get("type") == "candidate":
            await peer.add_candidate(event["candidate"]["candidate"])


async def test_camera_offer_is_answered_by_ts2rtc_and_a_real_peer_plays(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    await _setup(hass, ts2rtc)
    assert "web_rtc" in await _stream_types(hass, hass_ws_client)
    async with WebRtcPeer() as peer:
        await _offer_through_home_assistant(hass, hass_ws_client, peer)
        result = await peer.play(seconds=15, min_video_frames=25, min_audio_frames=10)
        print(f"played: {result.summary()}")  # noqa: T201 (the numbers, shown with -rP)
        assert result.video_frames >= 25, result.summary()
        assert result.audio_frames >= 10, result.summary()
        assert result.codecs.get("video") == "H264", result.summary()
    # The stream was added to ts2rtc under the entity's name, with the camera's source.
    stream = await hass.async_add_executor_job(ts2rtc.stream, ENTITY_ID)
    assert stream is not None
    assert ts2rtc.rtsp_url("demo") in [p.get("url") for p in stream["producers"]]


async def test_a_second_offer_does_not_re_add_the_stream(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    await _setup(hass, ts2rtc)
    for _ in range(2):
        async with WebRtcPeer(audio=False) as peer:
            await _offer_through_home_assistant(hass, hass_ws_client, peer)
            result = await peer.play(seconds=15, min_video_frames=5)
            assert result.video_frames >= 5, result.summary()
    stream = await hass.async_add_executor_job(ts2rtc.stream, ENTITY_ID)
    assert stream is not None
    assert [p.get("url") for p in stream["producers"]].count(ts2rtc.rtsp_url("demo")) == 1


@pytest.mark.skipif(not NEW_API, reason="trickle ICE from the browser exists since Home Assistant 2024.11")
async def test_browser_candidates_are_forwarded(hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any) -> None:
    """`camera/webrtc/candidate` reaches ts2rtc over the session's socket and playback goes on."""
    await _setup(hass, ts2rtc)
    async with WebRtcPeer(audio=False) as peer:
        session_id = await _offer_through_home_assistant(hass, hass_ws_client, peer)
        assert session_id
        ws = await hass_ws_client(hass)
        candidate = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host", "sdpMLineIndex": 0}
        await ws.send_json(
            {
                "id": 5,
                "type": "camera/webrtc/candidate",
                "entity_id": ENTITY_ID,
                "session_id": session_id,
                "candidate": candidate,
            }
        )
        reply = await ws.receive_json(timeout=10)
        assert reply["success"], reply
        result = await peer.play(seconds=15, min_video_frames=10)
        assert result.video_frames >= 10, result.summary()


async def test_provider_off_in_options_leaves_the_camera_alone(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    await _setup(hass, ts2rtc, **{CONF_CAMERA_PROVIDER: False})
    assert "web_rtc" not in await _stream_types(hass, hass_ws_client)


@pytest.mark.skipif(
    not NEW_API or importlib.util.find_spec("go2rtc_client") is None,
    reason="Home Assistant's go2rtc integration (2024.11+) and go2rtc-client are needed",
)
async def test_stands_aside_while_home_assistants_go2rtc_provides(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    """HA's own go2rtc integration, pointed at the same real server, takes the camera; ours steps back."""
    from homeassistant.components.camera.webrtc import (  # noqa: PLC0415
        async_get_supported_provider,
    )

    await _setup(hass, ts2rtc)
    camera = hass.data["camera"].get_entity(ENTITY_ID)
    assert (await async_get_supported_provider(hass, camera)).domain == DOMAIN

    assert await async_setup_component(hass, "go2rtc", {"go2rtc": {"url": ts2rtc.url + "/"}})
    await hass.async_block_till_done()
    assert hass.config_entries.async_entries("go2rtc"), "go2rtc did not set up"
    provider = await async_get_supported_provider(hass, camera)
    assert provider is not None and provider.domain == "go2rtc"
    # The camera still offers WebRTC: through go2rtc's provider now.
    assert "web_rtc" in await _stream_types(hass, hass_ws_client)


@pytest.mark.skipif(NEW_API, reason="the legacy provider API (Home Assistant < 2024.11) only")
async def test_legacy_stands_aside_while_rtsp_to_webrtc_provides(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    """Home Assistant's rtsp_to_webrtc, pointed at the same ts2rtc (its RTSPtoWeb API), answers instead of us."""
    await _setup(hass, ts2rtc)
    rtsp_entry = MockConfigEntry(domain="rtsp_to_webrtc", data={"server_url": ts2rtc.url + "/"})
    rtsp_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(rtsp_entry.entry_id)
    await hass.async_block_till_done()
    before = {c.get("id") for c in await hass.async_add_executor_job(ts2rtc.consumers, ENTITY_ID)}
    async with WebRtcPeer(audio=False) as peer:
        await _offer_through_home_assistant(hass, hass_ws_client, peer)
        result = await peer.play(seconds=15, min_video_frames=5)
        assert result.video_frames >= 5, result.summary()
        # The new viewer in ts2rtc came through the RTSPtoWeb API, not ours (/api/webrtc, "webrtc/json").
        consumers = await hass.async_add_executor_job(ts2rtc.consumers, ENTITY_ID)
    formats = [c.get("format_name") for c in consumers if c.get("id") not in before]
    assert formats == ["hass/webrtc"], consumers


@pytest.mark.skipif(NEW_API, reason="the legacy provider API (Home Assistant < 2024.11) only")
async def test_legacy_reload_keeps_rtsp_to_webrtc_registered(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_ws_client: Any
) -> None:
    """Reloading our entry (an options change) must not unregister rtsp_to_webrtc's provider with ours."""
    entry = await _setup(hass, ts2rtc)
    rtsp_entry = MockConfigEntry(domain="rtsp_to_webrtc", data={"server_url": ts2rtc.url + "/"})
    rtsp_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(rtsp_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert "web_rtc" in await _stream_types(hass, hass_ws_client)
    async with WebRtcPeer(audio=False) as peer:
        await _offer_through_home_assistant(hass, hass_ws_client, peer)
        result = await peer.play(seconds=15, min_video_frames=5)
        assert result.video_frames >= 5, result.summary()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("rtsp://admin:pw@10.0.0.2:554/s?a=b", "rtsp://***@10.0.0.2:554/s?a=b"),
        ("rtsp://admin@cam/s", "rtsp://***@cam/s"),
        ("rtsp://cam/path@x", "rtsp://cam/path@x"),
        ("ffmpeg:camera.x#audio=opus", "ffmpeg:camera.x#audio=opus"),
    ],
)
def test_mask_userinfo(url: str, masked: str) -> None:
    assert mask_userinfo(url) == masked


SRC = "rtsp://admin:pw@10.0.0.2/s"


@pytest.mark.parametrize(
    ("stream", "source", "added", "expected"),
    [
        pytest.param(None, SRC, None, True, id="missing"),
        pytest.param({"producers": None}, SRC, None, True, id="no-producers"),
        pytest.param({"producers": [{"url": "rtsp://10.0.0.2/s"}]}, "rtsp://10.0.0.2/s", None, False, id="same"),
        pytest.param({"producers": [{"url": "rtsp://10.0.0.3/s"}]}, "rtsp://10.0.0.2/s", None, True, id="changed"),
        pytest.param({"producers": [{"url": "rtsp://***@10.0.0.2/s"}]}, SRC, SRC, False, id="masked-added-by-us"),
        pytest.param({"producers": [{"url": "rtsp://***@10.0.0.2/s"}]}, SRC, None, True, id="masked-unknown"),
        pytest.param(
            {"producers": [{"url": "rtsp://***@10.0.0.2/s"}]}, SRC, "rtsp://admin:old@10.0.0.2/s", True, id="new-pw"
        ),
    ],
)
def test_stream_needs_update(stream: Any, source: str, added: str | None, expected: bool) -> None:
    assert stream_needs_update(stream, source, added) is expected
