"""Fixtures of the server tests (Home Assistant's own integrations and client libraries against ts2rtc).

- `ts2rtc` comes from tests/conftest.py: one real ts2rtc for the run (the `demo` stream; a module needing more
  streams defines its own `ts2rtc` fixture with `start_ts2rtc(streams=...)`).
- `unreachable_ice_servers`: ICE servers shaped like the ones Home Assistant puts into every offer
  (`stun:stun.home-assistant.io:80` and `:3478`), but pointing at a loopback UDP socket that reads and never
  answers: a STUN server that does not answer, without any traffic leaving the machine (the tests are offline;
  a real firewalled install sees the same silence).
- `measure(name, value, goal)`: records a number; all of them are printed at the end of the run (first frame
  times, consumer lifetimes), so the run's output carries the measurements the acceptance criteria ask for.

Nothing here imports Home Assistant: .venv-go2rtc-client (no Home Assistant) loads this file too.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers.ts2rtc_server import real_sockets

_MEASUREMENTS: list[tuple[str, str, str]] = []


@pytest.fixture(scope="module")
def unreachable_ice_servers() -> Iterator[list[dict[str, Any]]]:
    """[{"urls": ["stun:127.0.0.1:P", "stun:127.0.0.1:P"]}]: Home Assistant's shape, a STUN server that never answers."""
    with real_sockets():
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    try:
        # Two URLs on one silent port, as Home Assistant sends two (:80 and :3478) of one host.
        yield [{"urls": [f"stun:127.0.0.1:{port}", f"stun:127.0.0.1:{port}"]}]
    finally:
        silent.close()


@pytest.fixture
def measure(request: pytest.FixtureRequest) -> Callable[[str, float | int | str | None, str], None]:
    """measure("first video frame", 0.123, "< 0.5 s"): recorded for the end-of-run summary."""
    venv = sys.prefix.rsplit("/", 1)[-1]

    def record(name: str, value: float | int | str | None, goal: str = "") -> None:
        if isinstance(value, str):
            shown = value
        elif value is None:
            shown = "never"
        elif isinstance(value, float):
            shown = f"{value * 1000:.0f} ms" if value < 60 else f"{value:.1f} s"
        else:
            shown = str(value)
        _MEASUREMENTS.append((f"[{venv}] {request.node.nodeid.split('::', 1)[-1]}: {name}", shown, goal))
        print(f"MEASURED {name}: {shown} (goal {goal or '-'})")  # noqa: T201 (shown with -s / on failure)

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _MEASUREMENTS:
        return
    terminalreporter.section("ts2rtc measurements")
    for name, shown, goal in _MEASUREMENTS:
        terminalreporter.write_line(f"{name}: {shown}" + (f"   (goal {goal})" if goal else ""))
