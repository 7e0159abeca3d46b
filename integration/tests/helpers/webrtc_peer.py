"""A real WebRTC viewer (aiortc) that counts decoded frames, for answers from ts2rtc or Home Assistant.

    async with WebRtcPeer() as peer:
        offer = await peer.create_offer()          # recvonly video + audio, candidates inside
        answer = await send_somewhere(offer)       # SDP string
        await peer.set_answer(answer)
        result = await peer.play(seconds=3, min_video_frames=10)
        assert result.video_frames > 0, result

- Loopback only and offline: no ICE server (aiortc would default to Google's STUN), local candidates only on
  127.0.0.1 (aioice skips loopback by itself: its address lookup is replaced while gathering), and remote
  candidates outside 127.0.0.0/8 are dropped from the answer (ts2rtc also advertises the machine's other
  interfaces; the tests never talk to them).
- Times are seconds from the end of `create_offer()` (the moment a client sends its offer).
- The peer runs on an event loop of its own, in a thread of its own, as a browser is a process of its own; its
  methods are awaited from the test's loop. Home Assistant's tests run their loop in debug mode, which records
  the stack of every callback scheduled on it, and aiortc schedules several per RTP packet: on that loop the
  peer took twice the CPU (1.05 s instead of 0.45 s to play 5 s of the `demo` stream), while what the tests
  check there is Home Assistant's code, not aiortc's.
- `close()` stops the decoder threads, timers and the peer's thread (Home Assistant's test cleanup check
  requires that).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp

_P = ParamSpec("_P")
_T = TypeVar("_T")

_LOOPBACK_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ (127\.\d+\.\d+\.\d+) ", re.IGNORECASE)


def loopback_only_sdp(sdp: str) -> str:
    """The SDP without `a=candidate` lines for addresses outside 127.0.0.0/8."""
    lines = sdp.replace("\r\n", "\n").split("\n")
    kept = [line for line in lines if not line.startswith("a=candidate:") or _LOOPBACK_CANDIDATE.match(line)]
    return "\r\n".join(kept)


def bundle_ice_credentials(sdp: str, distinct: bool = False) -> str:
    """Every m-line with the first m-line's ice-ufrag/ice-pwd (as browsers offer), or, with `distinct`, every
    m-line after the first with credentials of its own.

    aiortc < 1.10 (the Home Assistant 2024.3 venv) gathers one ICE agent per m-line and offers a ufrag per m-line;
    once the answer bundles everything on the first m-line, only the first agent's credentials stay valid.
    """
    lines = sdp.split("\r\n")
    first: dict[str, str] = {}
    for index, line in enumerate(lines):
        for key in ("a=ice-ufrag:", "a=ice-pwd:"):
            if not line.startswith(key):
                continue
            value = line[len(key) :]
            if key not in first:
                first[key] = value
            elif not distinct:
                lines[index] = key + first[key]
            elif value == first[key]:
                lines[index] = key + secrets.token_hex(4 if key == "a=ice-ufrag:" else 12)
    return "\r\n".join(lines)


def answer_codecs(sdp: str) -> dict[str, str]:
    """{"video": "H264", "audio": "opus"}: per m-line kind, the first payload type's codec name in `sdp`."""
    out: dict[str, str] = {}
    for section in re.split(r"\r?\nm=", "\n" + sdp)[1:]:
        kind, _port, _proto, *pts = section.split("\n", 1)[0].split()
        if not pts or kind in out or re.search(r"^a=inactive", section, re.MULTILINE):
            continue
        match = re.search(rf"^a=rtpmap:{re.escape(pts[0])} ([^/\s]+)", section, re.MULTILINE)
        if match:
            out[kind] = match.group(1)
    return out


@dataclass
class PlayResult:
    """What the peer decoded. Times in seconds since the offer was made (None: never)."""

    video_frames: int = 0
    audio_frames: int = 0
    first_video_s: float | None = None
    first_audio_s: float | None = None
    # First RTP packet of the video m-line (before decoding): a gap to first_video_s is the wait for a key frame.
    first_video_rtp_s: float | None = None
    answer_s: float | None = None
    audio_sample_rate: int | None = None
    video_size: tuple[int, int] | None = None
    codecs: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        def ms(value: float | None) -> str:
            return "never" if value is None else f"{value * 1000:.0f} ms"

        return (
            f"video {self.video_frames} frames (first {ms(self.first_video_s)}, first RTP {ms(self.first_video_rtp_s)}, "
            f"{self.video_size}), "
            f"audio {self.audio_frames} frames (first {ms(self.first_audio_s)}, {self.audio_sample_rate} Hz), "
            f"answer {ms(self.answer_s)}, codecs {self.codecs}"
        )


def _on_peer_loop(
    method: Callable[Concatenate[WebRtcPeer, _P], Coroutine[Any, Any, _T]],
) -> Callable[Concatenate[WebRtcPeer, _P], Coroutine[Any, Any, _T]]:
    """Runs the method on the peer's own loop; the caller's loop awaits the result without blocking."""

    @functools.wraps(method)
    async def on_peer_loop(self: WebRtcPeer, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        if self._loop.is_closed():
            raise RuntimeError("the WebRTC peer is closed")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(method(self, *args, **kwargs), self._loop))

    return on_peer_loop


class WebRtcPeer:
    """A recvonly aiortc peer connection (video and/or audio) that decodes what it receives."""

    def __init__(self, video: bool = True, audio: bool = True) -> None:
        # Built here, used on the peer's loop only: aiortc's events and queues take their loop when first awaited.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.result = PlayResult()
        self._offered_at: float | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._frame = asyncio.Event()
        if video:
            self._watch_first_rtp(self.pc.addTransceiver("video", direction="recvonly").receiver)
        if audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.pc.on("track", self._on_track)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="webrtc-peer", daemon=True)
        self._thread.start()

    async def __aenter__(self) -> WebRtcPeer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _watch_first_rtp(self, receiver: Any) -> None:
        """Notes when the first video RTP packet arrives (aiortc's private per-packet hook; skipped if absent)."""
        handle = getattr(receiver, "_handle_rtp_packet", None)
        if handle is None:
            return

        async def first_packet_noted(packet: Any, *args: Any, **kwargs: Any) -> Any:
            if self.result.first_video_rtp_s is None:
                self.result.first_video_rtp_s = self._elapsed()
            return await handle(packet, *args, **kwargs)

        receiver._handle_rtp_packet = first_packet_noted  # noqa: SLF001

    def _elapsed(self) -> float:
        return time.monotonic() - (self._offered_at or time.monotonic())

    def _on_track(self, track: Any) -> None:
        self._readers.append(asyncio.get_running_loop().create_task(self._read(track)))

    async def _read(self, track: Any) -> None:
        result = self.result
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                frame = await track.recv()
                if track.kind == "video":
                    result.video_frames += 1
                    if result.first_video_s is None:
                        result.first_video_s = self._elapsed()
                        result.video_size = (frame.width, frame.height)
                else:
                    result.audio_frames += 1
                    if result.first_audio_s is None:
                        result.first_audio_s = self._elapsed()
                        result.audio_sample_rate = frame.sample_rate
                self._frame.set()

    @_on_peer_loop
    async def create_offer(self, per_media_ice_credentials: bool = False) -> str:
        """A complete offer (ICE gathered, loopback host candidates only), one ICE ufrag for all m-lines as a
        browser sends (`per_media_ice_credentials`: another ufrag on each m-line after the first, as aiortc
        < 1.10 sends)."""
        saved = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []
        try:
            await self.pc.setLocalDescription(await self.pc.createOffer())
        finally:
            aioice.ice.get_host_addresses = saved
        self._offered_at = time.monotonic()
        return bundle_ice_credentials(self.pc.localDescription.sdp, distinct=per_media_ice_credentials)

    @_on_peer_loop
    async def set_answer(self, sdp: str) -> None:
        self.result.answer_s = self._elapsed()
        self.result.codecs = answer_codecs(sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=loopback_only_sdp(sdp), type="answer"))

    @_on_peer_loop
    async def add_candidate(self, candidate: str) -> None:
        """A trickled remote candidate ("candidate:..." with or without "a="); non-loopback ones are ignored."""
        line = candidate.removeprefix("a=")
        if not line or not _LOOPBACK_CANDIDATE.match("a=" + line):
            return
        parsed = candidate_from_sdp(line.removeprefix("candidate:"))
        parsed.sdpMid = self.pc.getTransceivers()[0].mid
        parsed.sdpMLineIndex = 0
        await self.pc.addIceCandidate(parsed)

    @_on_peer_loop
    async def play(
        self, seconds: float = 3.0, min_video_frames: int | None = None, min_audio_frames: int | None = None
    ) -> PlayResult:
        """Decodes for up to `seconds`; returns early once both minimums (when given) are reached."""
        deadline = time.monotonic() + seconds
        wants_early_stop = min_video_frames is not None or min_audio_frames is not None
        while (remaining := deadline - time.monotonic()) > 0:
            result = self.result
            if (
                wants_early_stop
                and result.video_frames >= (min_video_frames or 0)
                and result.audio_frames >= (min_audio_frames or 0)
            ):
                break
            self._frame.clear()
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._frame.wait(), timeout=min(remaining, 0.2))
        return self.result

    async def close(self) -> None:
        """Closes the connection and ends the peer's loop and thread; closing twice is harmless."""
        if self._loop.is_closed():
            return
        await self._close_connection()
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)
        self._loop.close()

    @_on_peer_loop
    async def _close_connection(self) -> None:
        await self.pc.close()
        for task in self._readers:
            task.cancel()
        for task in self._readers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._readers.clear()
        await self._loop.shutdown_default_executor()
