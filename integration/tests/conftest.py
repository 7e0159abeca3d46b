"""Shared pytest setup for integration/tests (keep it small: fixtures of one area live in that area).

- Home Assistant's pytest plugin (pytest-homeassistant-custom-component) is loaded when installed: in
  .venv-ha2024 and .venv-ha2025. .venv-go2rtc-client has no Home Assistant and runs only
  tests/server/test_clients.py.
- That plugin blocks sockets (pytest-socket) and allows connections to 127.0.0.1 only. A test that talks to a
  real server asks for `allow_sockets` (works with and without the plugin).
- Tests of the custom integration enable it themselves (an autouse fixture using `enable_custom_integrations`
  in their own module or conftest), so the server tests run without it.
- `ts2rtc`: one real ts2rtc (the `demo` stream) for the whole run: starting one costs ~0.6 s of CPU, and the
  tests that use it only add streams of their own names and count their own viewers. A module that needs other
  streams, or a server no other module has used, defines its own `ts2rtc` fixture with `start_ts2rtc(...)`.
- Shared helpers: tests/helpers/ts2rtc_server.py (a real ts2rtc process) and tests/helpers/webrtc_peer.py
  (an aiortc peer that counts decoded frames).
"""

from __future__ import annotations

from collections.abc import Iterator
import importlib.util

import pytest

from .helpers.ts2rtc_server import Ts2rtcServer, start_ts2rtc

if importlib.util.find_spec("pytest_homeassistant_custom_component") is not None:
    pytest_plugins = ["pytest_homeassistant_custom_component"]


@pytest.fixture
def allow_sockets(request: pytest.FixtureRequest) -> None:
    """Real sockets in this test: pytest-socket's `socket_enabled` when Home Assistant's plugin blocks them."""
    if importlib.util.find_spec("pytest_socket") is not None:
        request.getfixturevalue("socket_enabled")


@pytest.fixture(scope="session")
def ts2rtc() -> Iterator[Ts2rtcServer]:
    """One real ts2rtc with the `demo` stream, shared by every test that needs no server of its own."""
    with start_ts2rtc() as server:
        yield server
