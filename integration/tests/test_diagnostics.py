"""Diagnostics as the user downloads them (`/api/diagnostics/config_entry/<id>`): useful, and without passwords."""

from __future__ import annotations

from collections.abc import Iterator
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ts2rtc.const import CONF_URL, DOMAIN
from custom_components.ts2rtc.redact import redact_text

from .helpers.ts2rtc_server import Ts2rtcServer, start_ts2rtc

SECRET = "s3cr3t-Pa55"  # noqa: S105 (a test camera password that must not show up)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, allow_sockets: None) -> None:
    """Load custom_components/ts2rtc; allow loopback sockets."""


@pytest.fixture(scope="module")
def ts2rtc() -> Iterator[Ts2rtcServer]:
    # A camera with credentials in its URL (never connected: nobody watches it).
    with start_ts2rtc(streams={"garage": f"rtsp://admin:{SECRET}@127.0.0.1:9/stream1"}) as started:
        yield started


async def test_diagnostics_have_server_and_streams_but_no_passwords(
    hass: HomeAssistant, ts2rtc: Ts2rtcServer, hass_client: Any
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    # The server URL itself carries credentials too (a server behind Basic auth).
    url = ts2rtc.url.replace("http://", f"http://admin:{SECRET}@") + "/"
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: url})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    client = await hass_client()
    response = await client.get(f"/api/diagnostics/config_entry/{entry.entry_id}")
    assert response.status == 200
    text = await response.text()
    assert SECRET not in text
    data = json.loads(text)["data"]
    assert data["entry"]["data"][CONF_URL] == f"http://admin:**REDACTED**@127.0.0.1:{ts2rtc.api_port}/"
    assert data["server"]["version"] == "1.9.14"
    assert "garage" in data["streams"] and "demo" in data["streams"]
    assert data["provider"]["registered"] in ("webrtc_provider", "rtsp_to_web_rtc")
    assert data["provider"]["go2rtc_provider_active"] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:pw@10.0.0.1:554/s", "rtsp://admin:**REDACTED**@10.0.0.1:554/s"),
        ("ffmpeg:rtsp://u:p@h/s#video=h264", "ffmpeg:rtsp://u:**REDACTED**@h/s#video=h264"),
        ("http://cam/snap.cgi?user=a&password=b&x=1", "http://cam/snap.cgi?user=a&password=**REDACTED**&x=1"),
        ("onvif://u:p%40ss@cam", "onvif://u:**REDACTED**@cam"),
        ("rtsp://cam/no-credentials", "rtsp://cam/no-credentials"),
        (
            "ws://h/api/ws?src=rtsp%3A%2F%2Fadmin%3Apw%40cam%2Fs&name=camera.x",
            "ws://h/api/ws?src=rtsp%3A%2F%2Fadmin%3A**REDACTED**%40cam%2Fs&name=camera.x",
        ),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected
