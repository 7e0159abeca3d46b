"""An HTTP camera on 127.0.0.1 for the stream sources Home Assistant hands over (MJPEG, JPEG snapshot, HLS).

Runs as its own process (no thread in the test process: Home Assistant's cleanup check allows none):

    with start_http_camera() as camera:     # camera.url("/video.mjpg") ...
        ...

Paths, all made by real ffmpeg from `testsrc2` (640x360):
- `/video.mjpg`: MJPEG over HTTP (`multipart/x-mixed-replace`, ffmpeg's `-f mpjpeg`), 10 fps, one ffmpeg per
  client, ended when the client goes;
- `/snapshot.jpg`: one JPEG;
- `/hls/index.m3u8` (MPEG-TS segments) and `/hls-fmp4/index.m3u8` (fMP4 segments): live HLS, H264 + AAC,
  1 s segments, written by ffmpeg into a temp folder from the start.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FFMPEG_SOURCE = ["-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
H264_AAC = ["-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k"]


@dataclass
class HttpCamera:
    port: int
    process: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def start_http_camera(timeout: float = 15.0) -> Iterator[HttpCamera]:
    """Starts the camera process; waits until the HLS playlists have segments."""
    from tests.helpers.ts2rtc_server import free_port, real_sockets  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    camera = HttpCamera(port, process)
    try:
        deadline = time.monotonic() + timeout
        import urllib.request  # noqa: PLC0415

        while True:
            if process.poll() is not None:
                pytest.fail(f"http camera exited with {process.returncode}")
            try:
                with real_sockets():
                    ts = urllib.request.urlopen(camera.url("/hls/index.m3u8"), timeout=2).read()  # noqa: S310
                    fmp4 = urllib.request.urlopen(camera.url("/hls-fmp4/index.m3u8"), timeout=2).read()  # noqa: S310
                # Two segments each: a player starting at the live edge has something to read.
                if ts.count(b".ts") >= 2 and fmp4.count(b".m4s") >= 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"http camera not ready within {timeout}s")
            time.sleep(0.1)
        yield camera
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


# --- the camera process ---------------------------------------------------------------------------------


def _handler(root: Path, snapshot: bytes) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
            pass

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            path = self.path.split("?", 1)[0]
            if path == "/video.mjpg":
                self._mjpeg()
            elif path == "/snapshot.jpg":
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(snapshot)))
                self.end_headers()
                self.wfile.write(snapshot)
            else:
                super().do_GET()

        def guess_type(self, path: str) -> str:  # type: ignore[override]
            if str(path).endswith(".m3u8"):
                return "application/vnd.apple.mpegurl"
            if str(path).endswith(".m4s"):
                return "video/iso.segment"
            if str(path).endswith(".mp4"):
                return "video/mp4"
            if str(path).endswith(".ts"):
                return "video/mp2t"
            return super().guess_type(path)

        def _mjpeg(self) -> None:
            ffmpeg = subprocess.Popen(  # noqa: S603
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=10",
                 "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg", "-"],
                stdout=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )
            try:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace;boundary=ffmpeg")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                assert ffmpeg.stdout is not None
                while chunk := ffmpeg.stdout.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                ffmpeg.kill()
                ffmpeg.wait()

    return Handler


def _serve(port: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="ts2rtc-http-camera-"))
    (root / "hls").mkdir()
    (root / "hls-fmp4").mkdir()
    snapshot = subprocess.run(  # noqa: S603
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=1",
         "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-"],
        check=True, capture_output=True,
    ).stdout
    hls = ["-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags", "delete_segments+independent_segments"]
    writers = [
        subprocess.Popen(  # noqa: S603
            ["ffmpeg", "-hide_banner", "-loglevel", "error", *FFMPEG_SOURCE, *H264_AAC, *hls, str(root / "hls" / "index.m3u8")],
            stdin=subprocess.DEVNULL,
        ),
        subprocess.Popen(  # noqa: S603
            ["ffmpeg", "-hide_banner", "-loglevel", "error", *FFMPEG_SOURCE, *H264_AAC, *hls, "-hls_segment_type", "fmp4",
             "-hls_fmp4_init_filename", "init.mp4", str(root / "hls-fmp4" / "index.m3u8")],
            stdin=subprocess.DEVNULL,
        ),
    ]

    def stop(*_: object) -> None:
        for writer in writers:
            writer.kill()
            writer.wait()
        shutil.rmtree(root, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(root, snapshot))
    server.daemon_threads = True
    server.address_family = socket.AF_INET
    try:
        server.serve_forever()
    finally:
        stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    _serve(parser.parse_args().port)
