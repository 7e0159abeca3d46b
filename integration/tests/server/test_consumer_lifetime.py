"""How long ts2rtc keeps a WebRTC viewer that has left (issue 9: a clean close was kept ~16 s).

- clean close (`pc.close()`: DTLS close_notify, sockets closed): the consumer is gone in < 1 s (goal);
- a killed peer (its process gets SIGKILL: no close, no BYE, nothing more on the wire): dropped by ICE consent
  freshness in < 10 s (goal).
Both measured and reported; the hard bounds are 3 s and 12 s (see README.md, Bounds).
Runs in the Home Assistant venvs (the killed peer only on Python >= 3.12, once is enough).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers.ts2rtc_server import Ts2rtcServer
from tests.helpers.webrtc_peer import WebRtcPeer

pytestmark = pytest.mark.usefixtures("allow_sockets")

CLEAN_CLOSE_BOUND_S = 3.0
KILLED_PEER_BOUND_S = 12.0  # the acceptance goal (10 s) plus polling and load margin
INTEGRATION_DIR = Path(__file__).resolve().parents[2]

# The killed viewer: its own process, so that it can vanish without closing anything.
_VIEWER = """
import asyncio, json, sys, urllib.request
from tests.helpers.webrtc_peer import WebRtcPeer

async def main(url):
    peer = WebRtcPeer()
    offer = await peer.create_offer()
    request = urllib.request.Request(url + "/api/webrtc?src=demo", data=json.dumps({"type": "offer", "sdp": offer}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    answer = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read()))["sdp"]
    await peer.set_answer(answer)
    result = await peer.play(seconds=10, min_video_frames=5)
    print(json.dumps({"video_frames": result.video_frames}), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1]))
"""


async def _consumer_ids(
    ts2rtc: Ts2rtcServer, format_name: str | None = None, session: aiohttp.ClientSession | None = None
) -> set[int]:
    consumers = await ts2rtc.aconsumers("demo", session)
    return {c["id"] for c in consumers if format_name is None or c.get("format_name") == format_name}


async def _seconds_until_gone(ts2rtc: Ts2rtcServer, ids: set[int], limit: float) -> float | None:
    async with aiohttp.ClientSession() as session:  # one connection for every poll
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if not ids & await _consumer_ids(ts2rtc, session=session):
                return time.monotonic() - start
            await asyncio.sleep(0.02)
    return None


async def test_clean_close_ends_consumer(ts2rtc: Ts2rtcServer, measure: Any) -> None:
    before = await _consumer_ids(ts2rtc)
    peer = WebRtcPeer()
    try:
        offer = await peer.create_offer()
        async with aiohttp.ClientSession() as session, session.post(
            ts2rtc.url + "/api/webrtc", params={"src": "demo"}, json={"type": "offer", "sdp": offer}
        ) as response:
            assert response.status == 200, await response.text()
            answer = (await response.json())["sdp"]
        await peer.set_answer(answer)
        result = await peer.play(seconds=5, min_video_frames=5)
        assert result.video_frames > 0, result.summary()
        ids = await _consumer_ids(ts2rtc, "webrtc/json") - before
        assert ids, await ts2rtc.aconsumers("demo")
    finally:
        await peer.close()
    gone_after = await _seconds_until_gone(ts2rtc, ids, 20)
    measure("consumer gone after pc.close()", gone_after, "< 1 s")
    assert gone_after is not None, "the consumer is still listed 20 s after pc.close()"
    assert gone_after < CLEAN_CLOSE_BOUND_S, f"the consumer was dropped only after {gone_after:.1f} s"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="measured once, in the Python 3.13 venv")
async def test_killed_peer_is_dropped(ts2rtc: Ts2rtcServer, measure: Any) -> None:
    before = await _consumer_ids(ts2rtc)
    viewer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _VIEWER, ts2rtc.url,
        cwd=INTEGRATION_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        assert viewer.stdout is not None
        line = await asyncio.wait_for(viewer.stdout.readline(), timeout=20)
        assert json.loads(line or b"{}").get("video_frames", 0) > 0, f"the viewer did not play: {line!r}"
        ids = await _consumer_ids(ts2rtc, "webrtc/json") - before
        assert ids, await ts2rtc.aconsumers("demo")
    finally:
        os.killpg(viewer.pid, signal.SIGKILL)
        await viewer.wait()
    gone_after = await _seconds_until_gone(ts2rtc, ids, KILLED_PEER_BOUND_S + 5)
    measure("consumer gone after its peer was killed", gone_after, "< 10 s")
    assert gone_after is not None, f"the consumer is still listed {KILLED_PEER_BOUND_S + 5:.0f} s after its peer was killed"
    assert gone_after < KILLED_PEER_BOUND_S, f"the consumer was dropped only after {gone_after:.1f} s"
