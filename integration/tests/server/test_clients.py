"""Home Assistant's client libraries straight against a real ts2rtc: `go2rtc-client` and `rtsp-to-webrtc`.

Runs in every venv, with the library versions that venv has:
- .venv-ha2025: go2rtc-client 0.1.2 (what Home Assistant 2025.4.4 pins) and rtsp-to-webrtc 0.5.1;
- .venv-go2rtc-client: the newest go2rtc-client (0.4.0: adds schemes, preload, snapshot), no rtsp-to-webrtc;
- .venv-ha2024 (Python 3.11): rtsp-to-webrtc only (go2rtc-client needs Python >= 3.12).
Each answer is played by a real aiortc peer (frames decoded), never only parsed.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import io
from typing import Any

import aiohttp
import av
import pytest

from tests.helpers.ts2rtc_server import Ts2rtcServer
from tests.helpers.webrtc_peer import WebRtcPeer

pytestmark = pytest.mark.usefixtures("allow_sockets")

# A hard bound, well above the goal (< 0.5 s first frame) and well below the fault the issue measured (7 s
# behind an unreachable STUN server): the goal itself is recorded with `measure` and reported, not asserted
# on a busy 2-core machine. The first offer a server gets also loads werift (0.34 s on a quiet machine; up to
# 2.05 s while the node tests loaded both cores of a CI run). (Consumer lifetime: test_consumer_lifetime.py.)
FIRST_FRAME_BOUND_S = 4.0


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


GO2RTC_CLIENT = _version("go2rtc-client")
RTSP_TO_WEBRTC = _version("rtsp-to-webrtc")
needs_go2rtc_client = pytest.mark.skipif(GO2RTC_CLIENT is None, reason="go2rtc-client is not in this venv (needs Python >= 3.12)")
needs_rtsp_to_webrtc = pytest.mark.skipif(RTSP_TO_WEBRTC is None, reason="rtsp-to-webrtc is not in this venv")


async def _play(peer: WebRtcPeer, answer: str, seconds: float = 4.0) -> Any:
    await peer.set_answer(answer)
    return await peer.play(seconds=seconds, min_video_frames=10)


def _assert_played(result: Any) -> None:
    assert result.video_frames > 0, f"no video frame decoded: {result.summary()}"


@needs_go2rtc_client
async def test_go2rtc_client_version_check(ts2rtc: Ts2rtcServer) -> None:
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        version = await Go2RtcRestClient(session, ts2rtc.url).validate_server_version()
    assert str(version).startswith("1.9."), version


@needs_go2rtc_client
async def test_go2rtc_client_schemes(ts2rtc: Ts2rtcServer) -> None:
    """Home Assistant's go2rtc provider hands over a camera only when its URL scheme is in /api/schemes."""
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        client = Go2RtcRestClient(session, ts2rtc.url)
        if hasattr(client, "schemes"):
            schemes = await client.schemes.list()
        else:  # 0.1.2 has no schemes call: the endpoint itself
            async with session.get(ts2rtc.url + "/api/schemes") as response:
                assert response.status == 200
                schemes = set(await response.json())
    assert {"rtsp", "rtsps"} <= set(schemes), schemes
    # Stream sources Home Assistant hands over as they are (issue 9: the http(s) source).
    assert {"http", "https"} <= set(schemes), f"http/https missing from /api/schemes: {sorted(schemes)}"


@needs_go2rtc_client
async def test_go2rtc_client_streams_add_and_list(ts2rtc: Ts2rtcServer) -> None:
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415

    source = ts2rtc.rtsp_url("demo")
    async with aiohttp.ClientSession() as session:
        client = Go2RtcRestClient(session, ts2rtc.url)
        await client.streams.add("camera.client_add", source)
        streams = await client.streams.list()
    assert "camera.client_add" in streams, sorted(streams)
    assert [p.url for p in streams["camera.client_add"].producers] == [source]


@needs_go2rtc_client
async def test_go2rtc_client_websocket_offer_with_unreachable_ice_servers(
    ts2rtc: Ts2rtcServer, unreachable_ice_servers: list[dict[str, Any]], measure: Any
) -> None:
    """As Home Assistant's go2rtc provider: WS `webrtc` offer with its ICE servers, answer, trickled candidates."""
    from go2rtc_client.ws import Go2RtcWsClient, WebRTCAnswer, WebRTCCandidate, WebRTCOffer, WsError  # noqa: PLC0415
    from webrtc_models import RTCIceServer  # noqa: PLC0415

    ice_servers = [RTCIceServer(urls=server["urls"]) for server in unreachable_ice_servers]
    async with aiohttp.ClientSession() as session, WebRtcPeer() as peer:
        client = Go2RtcWsClient(session, ts2rtc.url, source="demo")
        answers: asyncio.Queue[Any] = asyncio.Queue()
        client.subscribe(answers.put_nowait)
        try:
            await client.send(WebRTCOffer(await peer.create_offer(), ice_servers))
            answer = None
            while answer is None:
                message = await asyncio.wait_for(answers.get(), timeout=10)
                if isinstance(message, WsError):
                    pytest.fail(f"ts2rtc answered an error: {message.error}")
                if isinstance(message, WebRTCAnswer):
                    answer = message.sdp
            await peer.set_answer(answer)

            async def take_candidates() -> None:
                while True:
                    message = await answers.get()
                    if isinstance(message, WebRTCCandidate):
                        await peer.add_candidate(message.candidate)

            trickle = asyncio.create_task(take_candidates())
            try:
                # Up to 10 s: long enough to measure the 7 s wait the issue describes, not only to see it fail.
                result = await peer.play(seconds=10, min_video_frames=10)
            finally:
                trickle.cancel()
        finally:
            await client.close()
    measure("answer", result.answer_s, "")
    measure("first video RTP packet (unreachable STUN in the offer)", result.first_video_rtp_s, "")
    measure("first video frame (unreachable STUN in the offer)", result.first_video_s, "< 0.5 s")
    _assert_played(result)
    assert result.first_video_s is not None and result.first_video_s < FIRST_FRAME_BOUND_S, result.summary()


@needs_go2rtc_client
async def test_go2rtc_client_whep_offer(ts2rtc: Ts2rtcServer, measure: Any) -> None:
    """The client's `forward_whep_sdp_offer` (JSON POST /api/webrtc) and a true WHEP POST (application/sdp, 201)."""
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415
    from go2rtc_client.models import WebRTCSdpOffer  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        client = Go2RtcRestClient(session, ts2rtc.url)
        async with WebRtcPeer() as peer:
            answer = await client.webrtc.forward_whep_sdp_offer("demo", WebRTCSdpOffer(await peer.create_offer()))
            result = await _play(peer, answer.sdp)
        measure("first video frame (JSON offer)", result.first_video_s, "< 0.5 s")
        _assert_played(result)

        async with WebRtcPeer() as peer:
            offer = await peer.create_offer()
            async with session.post(
                ts2rtc.url + "/api/webrtc", params={"src": "demo"}, data=offer, headers={"Content-Type": "application/sdp"}
            ) as response:
                assert response.status == 201, await response.text()
                assert response.headers["Content-Type"].startswith("application/sdp")
                assert "Location" in response.headers
                sdp = await response.text()
            result = await _play(peer, sdp)
        measure("first video frame (WHEP)", result.first_video_s, "< 0.5 s")
        _assert_played(result)


def _decode_jpeg(data: bytes) -> tuple[int, int]:
    assert data[:2] == b"\xff\xd8", data[:16]
    with av.open(io.BytesIO(data), format="image2pipe") as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


@needs_go2rtc_client
async def test_go2rtc_client_snapshot(ts2rtc: Ts2rtcServer) -> None:
    """`frame.jpeg` decodes as a JPEG of the stream's size (0.4.0's get_jpeg_snapshot, the endpoint otherwise)."""
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        client = Go2RtcRestClient(session, ts2rtc.url)
        if hasattr(client, "get_jpeg_snapshot"):
            data = await client.get_jpeg_snapshot("demo")
            small = await client.get_jpeg_snapshot("demo", width=320)
            assert _decode_jpeg(small)[0] == 320
        else:
            async with session.get(ts2rtc.url + "/api/frame.jpeg", params={"src": "demo"}) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "image/jpeg"
                data = await response.read()
    assert _decode_jpeg(data) == (640, 360)


@needs_go2rtc_client
async def test_go2rtc_client_preload(ts2rtc: Ts2rtcServer) -> None:
    """0.4.0's preload calls: enable → listed and a consumer keeps the source running; disable → gone."""
    from go2rtc_client import Go2RtcRestClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session:
        client = Go2RtcRestClient(session, ts2rtc.url)
        if not hasattr(client, "preload"):
            pytest.skip(f"go2rtc-client {GO2RTC_CLIENT} has no preload calls (added after 0.1.2)")
        await client.preload.enable("demo", video_codec_filter=["h264"], audio_codec_filter=["opus"])
        try:
            preloads = await client.preload.list()
            assert "demo" in preloads, preloads
            await ts2rtc.await_for("the preload consumer", lambda: ts2rtc.aconsumers("demo"), timeout=5)
        finally:
            await client.preload.disable("demo")
        assert "demo" not in await client.preload.list()


@needs_rtsp_to_webrtc
async def test_rtsp_to_webrtc_adaptive_client_offer(ts2rtc: Ts2rtcServer, measure: Any) -> None:
    """What Home Assistant's rtsp_to_webrtc integration does: adaptive client (RTSPtoWeb flavour), offer, play."""
    from rtsp_to_webrtc.client import get_adaptive_client  # noqa: PLC0415
    from rtsp_to_webrtc.web_client import WebClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session, WebRtcPeer() as peer:
        client = await get_adaptive_client(session, ts2rtc.url)
        assert isinstance(client, WebClient), type(client)
        await client.heartbeat()
        answer = await client.offer_stream_id("camera.adaptive", await peer.create_offer(), ts2rtc.rtsp_url("demo"))
        result = await _play(peer, answer)
    measure("first video frame (RTSPtoWeb)", result.first_video_s, "< 0.5 s")
    _assert_played(result)


@needs_rtsp_to_webrtc
async def test_rtsp_to_webrtc_original_flavour_post_stream(ts2rtc: Ts2rtcServer, measure: Any) -> None:
    """The original RTSPtoWebRTC API (`POST /stream`, form url + sdp64 → JSON sdp64), go2rtc never had it."""
    from rtsp_to_webrtc.webrtc_client import WebRTCClient  # noqa: PLC0415

    async with aiohttp.ClientSession() as session, WebRtcPeer() as peer:
        client = WebRTCClient(session, ts2rtc.url)
        await client.heartbeat()
        answer = await client.offer(await peer.create_offer(), ts2rtc.rtsp_url("demo"))
        result = await _play(peer, answer)
    measure("first video frame (RTSPtoWebRTC POST /stream)", result.first_video_s, "< 0.5 s")
    _assert_played(result)


async def test_offer_with_per_media_ice_credentials_plays(ts2rtc: Ts2rtcServer) -> None:
    """A BUNDLE offer whose second m-line has its own ice-ufrag/pwd (aiortc < 1.10 sends that): the answerer must
    use the BUNDLE-tagged (first) m-line's credentials (RFC 8843), or its connectivity checks are refused."""
    async with aiohttp.ClientSession() as session, WebRtcPeer() as peer:
        offer = await peer.create_offer(per_media_ice_credentials=True)
        async with session.post(
            ts2rtc.url + "/api/webrtc", params={"src": "demo"}, json={"type": "offer", "sdp": offer}
        ) as response:
            assert response.status == 200, await response.text()
            answer = (await response.json())["sdp"]
        result = await _play(peer, answer, seconds=4)
    _assert_played(result)
