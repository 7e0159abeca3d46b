"""Stream sources Home Assistant hands over as they are, through its own `go2rtc` integration (2025.4.4).

Home Assistant gives go2rtc a camera's `stream_source` unchanged (`PUT /api/streams?name=<entity_id>&src=<url>`
plus `ffmpeg:<entity_id>#audio=opus`), whatever the scheme: an MJPEG-over-HTTP camera, a JPEG snapshot URL,
HLS with MPEG-TS or fMP4 segments (all from tests/helpers/http_camera.py, real ffmpeg on 127.0.0.1).
- H264 sources (HLS): the WebRTC answer plays (video frames decoded by aiortc).
- JPEG sources (MJPEG, snapshot): WebRTC carries no JPEG and Home Assistant asks for no H264 transcoding, so
  go2rtc refuses the offer at once with "codecs not matched"; ts2rtc must do the same, fast (it used to wait
  5 s for an ffmpeg source reading its own stream), and still read the camera: `frame.jpeg` of the entity's
  stream decodes.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("homeassistant")

import aiohttp  # noqa: E402
import av  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402

from tests.helpers.http_camera import HttpCamera, start_http_camera  # noqa: E402
from tests.helpers.ts2rtc_server import Ts2rtcServer  # noqa: E402

from .ha_camera import HA_VERSION, HAS_WEBRTC_SUBSCRIPTION, OfferRefused, offer_and_play, setup_cameras  # noqa: E402

pytestmark = [
    pytest.mark.usefixtures("allow_sockets"),
    pytest.mark.skipif(not HAS_WEBRTC_SUBSCRIPTION, reason="Home Assistant's go2rtc integration came with 2024.11"),
]


@pytest.fixture(scope="module")
def http_camera() -> Iterator[HttpCamera]:
    with start_http_camera() as camera:
        yield camera


async def _setup(hass: HomeAssistant, ts2rtc: Ts2rtcServer, name: str, source: str) -> None:
    await setup_cameras(hass, {name: source})
    assert await async_setup_component(hass, "go2rtc", {"go2rtc": {"url": ts2rtc.url}})
    await hass.async_block_till_done()


@pytest.mark.parametrize(("name", "path"), [("hls_ts", "/hls/index.m3u8"), ("hls_fmp4", "/hls-fmp4/index.m3u8")])
async def test_go2rtc_integration_plays_hls_camera(
    hass: HomeAssistant, hass_ws_client: Any, ts2rtc: Ts2rtcServer, http_camera: HttpCamera, measure: Any, name: str, path: str
) -> None:
    source = http_camera.url(path)
    await _setup(hass, ts2rtc, name, source)
    result = await offer_and_play(hass, hass_ws_client, f"camera.{name}", seconds=10)
    measure(f"HA {HA_VERSION} go2rtc, {name} camera: video frames", result.video_frames, "> 0")
    measure(f"HA {HA_VERSION} go2rtc, {name} camera: first video frame", result.first_video_s, "")
    stream = await ts2rtc.astream(f"camera.{name}")
    assert stream is not None, f"Home Assistant did not add camera.{name}"
    assert result.video_frames > 0, f"{result.summary()}; stream: {stream}"


def _decode_jpeg(data: bytes) -> tuple[int, int]:
    assert data[:2] == b"\xff\xd8", data[:32]
    with av.open(io.BytesIO(data), format="image2pipe") as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


@pytest.mark.parametrize(("name", "path"), [("mjpeg", "/video.mjpg"), ("snapshot", "/snapshot.jpg")])
async def test_go2rtc_integration_takes_jpeg_camera(
    hass: HomeAssistant, hass_ws_client: Any, ts2rtc: Ts2rtcServer, http_camera: HttpCamera, measure: Any, name: str, path: str
) -> None:
    source = http_camera.url(path)
    await _setup(hass, ts2rtc, name, source)
    started = time.monotonic()
    with pytest.raises(OfferRefused) as refused:
        await offer_and_play(hass, hass_ws_client, f"camera.{name}", seconds=3)
    refused_s = time.monotonic() - started
    measure(f"HA {HA_VERSION} go2rtc, {name} camera: offer refused after", refused_s, "< 2 s (go2rtc: at once)")
    assert "codecs not matched" in str(refused.value.event), refused.value.event
    assert refused_s < 2, f"the refusal took {refused_s:.2f} s"
    stream = await ts2rtc.astream(f"camera.{name}")
    assert stream is not None, f"Home Assistant did not add camera.{name}"
    assert source in [p.get("url") for p in stream.get("producers") or []], stream
    async with aiohttp.ClientSession() as session, session.get(
        ts2rtc.url + "/api/frame.jpeg", params={"src": f"camera.{name}"}
    ) as response:
        body = await response.read()
        assert response.status == 200, body[:300]
    assert _decode_jpeg(body) == (640, 360)
