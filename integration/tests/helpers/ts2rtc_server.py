"""A real ts2rtc process for the tests: `node addon/dist/main.js -c <config>` on free loopback ports.

    from tests.helpers.ts2rtc_server import start_ts2rtc

    @pytest.fixture(scope="module")
    def ts2rtc():
        with start_ts2rtc(streams={"cam": "ffmpeg:..."}) as server:
            yield server            # server.url == "http://127.0.0.1:<port>"

- Every listener is on 127.0.0.1 (API, RTSP, WebRTC TCP); WebRTC advertises loopback candidates
  (`filters.loopback`), and no ICE server is configured: nothing leaves the machine.
- The config always has the `demo` stream (`demo:` source, H264 + Opus, no external process) plus `streams`;
  `config` is deep-merged over the generated one (maps merge key by key, other values replace), so
  `config={"api": {"username": "u", "password": "p", "local_auth": True}}` keeps the picked port.
- Started = `GET /api` answers 200 (or 401 when the config asks for a password).
- Synchronous on purpose (subprocess.Popen, urllib): a module- or session-scoped fixture outlives Home Assistant's
  per-test event loop, and Home Assistant's cleanup check allows no leftover thread or task.
- Skips the test (clear message) when addon/dist/main.js is missing: build first with `npm run build`.
- On exit the process gets SIGTERM, then SIGKILL after 5 s, and is always reaped; the server log is printed
  when the block raised (see `server.log_text()`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[3]
MAIN_JS = REPO_ROOT / "addon" / "dist" / "main.js"
START_TIMEOUT_S = 20.0


@contextlib.contextmanager
def real_sockets() -> Iterator[None]:
    """Lets this block open sockets even while pytest-socket (Home Assistant's test plugin) blocks them."""
    try:
        import pytest_socket  # noqa: PLC0415  (only in the Home Assistant venvs)
    except ImportError:
        yield
        return
    saved = socket.socket
    socket.socket = pytest_socket._true_socket  # noqa: SLF001  (pytest-socket keeps the real class here)
    try:
        yield
    finally:
        socket.socket = saved


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port that is free on 127.0.0.1 right now (TCP by default, SOCK_DGRAM for UDP)."""
    with real_sockets(), socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ts2rtcServer:
    """A running ts2rtc. `url` is the API base, `rtsp_port`/`webrtc_port` its other listeners."""

    url: str
    api_port: int
    rtsp_port: int
    webrtc_port: int
    config_path: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def rtsp_url(self, stream: str) -> str:
        return f"rtsp://127.0.0.1:{self.rtsp_port}/{stream}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def get_json(self, path: str, **query: str) -> Any:
        """GET `path` (e.g. "/api/streams") and parse the JSON body; raises urllib.error.HTTPError on >= 400."""
        url = self.url + path + (("?" + urllib.parse.urlencode(query)) if query else "")
        with real_sockets(), urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
            body = response.read()
        return json.loads(body) if body else None

    def request(self, method: str, path: str, query: dict[str, str] | None = None, body: bytes | None = None) -> tuple[int, bytes]:
        """Any HTTP request; returns (status, body) without raising on an error status."""
        url = self.url + path + (("?" + urllib.parse.urlencode(query)) if query else "")
        req = urllib.request.Request(url, data=body, method=method)  # noqa: S310
        try:
            with real_sockets(), urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def stream(self, name: str) -> dict[str, Any] | None:
        """`GET /api/streams?src=name`, or None when the stream does not exist."""
        try:
            return self.get_json("/api/streams", src=name)
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def consumers(self, name: str) -> list[dict[str, Any]]:
        return list((self.stream(name) or {}).get("consumers") or [])

    # Async variants for code running in an event loop (Home Assistant fails a test that blocks its loop).

    async def astream(self, name: str, session: aiohttp.ClientSession | None = None) -> dict[str, Any] | None:
        """`GET /api/streams?src=name` without blocking the loop; None when the stream does not exist.

        `session`: the caller's, for a poll loop (one kept-alive connection instead of a new session and
        connection per call, a third of the CPU on both ends); a new one for this call otherwise."""
        import aiohttp  # noqa: PLC0415 (in every test venv)

        if session is None:
            async with aiohttp.ClientSession() as own:
                return await self.astream(name, own)
        async with session.get(self.url + "/api/streams", params={"src": name}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return await response.json(content_type=None)

    async def aconsumers(self, name: str, session: aiohttp.ClientSession | None = None) -> list[dict[str, Any]]:
        return list((await self.astream(name, session) or {}).get("consumers") or [])

    async def await_for(self, what: str, check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Awaits `check()` (a coroutine function) until it returns a truthy value; fails after `timeout` s."""
        import asyncio  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(interval)

    def wait_for(self, what: str, check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Polls `check()` until it returns a truthy value; fails the test with `what` after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)


def _config(api_port: int, rtsp_port: int, webrtc_port: int, streams: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "api": {"listen": f"127.0.0.1:{api_port}"},
        "rtsp": {"listen": f"127.0.0.1:{rtsp_port}"},
        "webrtc": {
            "listen": f"127.0.0.1:{webrtc_port}",
            "ice_servers": [],
            "filters": {"loopback": True},
        },
        "srtp": {"listen": ""},
        "rtmp": {"listen": ""},
        "log": {"level": "debug", "format": "text"},
        "streams": {"demo": "demo:", **streams},
    }
    return _merge(config, extra)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@contextlib.contextmanager
def start_ts2rtc(streams: dict[str, Any] | None = None, config: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Iterator[Ts2rtcServer]:
    """Starts ts2rtc with the `demo` stream plus `streams` (and `config` merged in) and waits until it answers."""
    if not MAIN_JS.exists():
        pytest.skip(f"{MAIN_JS.relative_to(REPO_ROOT)} is missing: build the server first (npm run build)")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="ts2rtc-pytest-"))
    api_port, rtsp_port, webrtc_port = free_port(), free_port(), free_port()
    config_path = workdir / "ts2rtc.yaml"
    # JSON is YAML: no YAML library needed (the go2rtc-client venv has none).
    config_path.write_text(json.dumps(_config(api_port, rtsp_port, webrtc_port, streams or {}, config or {}), indent=2))
    log_path = workdir / "ts2rtc.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [node, str(MAIN_JS), "-c", str(config_path)],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # its ffmpeg children get the signal too (killpg below)
        )
    server = Ts2rtcServer(f"http://127.0.0.1:{api_port}", api_port, rtsp_port, webrtc_port, config_path, log_path, process)
    failed = False
    try:
        _wait_started(server)
        yield server
    except BaseException:
        failed = True
        raise
    finally:
        _stop(process)
        if failed:
            print(f"--- ts2rtc log ({log_path}) ---\n{server.log_text()[-8000:]}")  # noqa: T201 (pytest shows it)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _wait_started(server: Ts2rtcServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"ts2rtc exited with {server.process.returncode} at start:\n{server.log_text()[-4000:]}")
        try:
            status, _ = server.request("GET", "/api")
            if status in (200, 401):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"ts2rtc did not answer GET /api within {START_TIMEOUT_S}s:\n{server.log_text()[-4000:]}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Children of ts2rtc (ffmpeg) left in its process group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
