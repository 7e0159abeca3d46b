"""The card's WebSocket proxy `/api/ts2rtc/ws` in a real Home Assistant, in front of a real ts2rtc.

The card's side is played by the test: it signs the path with `auth/sign_path` over Home Assistant's WebSocket
API (as the card does with `hass.callWS`), opens the proxy with `&url=`/`&entity=`, and an aiortc peer makes the
offer and decodes what ts2rtc sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
import json
import socket
import time
from typing import Any
from urllib.parse import quote

import aiohttp
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.components.http.auth import DATA_SIGN_SECRET, async_sign_path
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import jwt
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ts2rtc.const import CONF_URL, DOMAIN, WS_PROXY_PATH

from .helpers.ts2rtc_server import Ts2rtcServer, start_ts2rtc
from .helpers.webrtc_peer import WebRtcPeer


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, allow_sockets: None) -> None:
    """Load custom_components/ts2rtc; allow loopback sockets."""


@pytest.fixture(scope="module")
def ts2rtc() -> Iterator[Ts2rtcServer]:
    """A ts2rtc of this module (not the shared one): the signature tests check that nothing reached it at all."""
    with start_ts2rtc() as started:
        yield started


@pytest.fixture
async def setup(hass: HomeAssistant, ts2rtc: Ts2rtcServer) -> MockConfigEntry:
    """auth (for auth/sign_path) + ts2rtc with a loaded entry."""
    assert await async_setup_component(hass, "auth", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: ts2rtc.url + "/"})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _sign(hass_ws_client: Any, hass: HomeAssistant, path: str = WS_PROXY_PATH) -> str:
    """`auth/sign_path` as the card calls it: returns `<path>?authSig=<jwt>`."""
    ws = await hass_ws_client(hass)
    await ws.send_json({"id": 1, "type": "auth/sign_path", "path": path})
    reply = await ws.receive_json()
    assert reply["success"], reply
    return str(reply["result"]["path"])


async def _negotiate_v1(ws: aiohttp.ClientWebSocketResponse, peer: WebRtcPeer) -> str:
    """Send a v1 `webrtc/offer`, collect the `webrtc/answer` and the candidates that follow."""
    await ws.send_str(json.dumps({"type": "webrtc/offer", "value": await peer.create_offer()}))
    while True:
        msg = await ws.receive(timeout=15)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        data = json.loads(msg.data)
        assert data["type"] != "error", data
        if data["type"] == "webrtc/answer":
            return str(data["value"])


@pytest.mark.usefixtures("setup")
@pytest.mark.parametrize(
    "make_query",
    [
        pytest.param(lambda hass: "?url=demo", id="unsigned"),
        pytest.param(
            lambda hass: (
                "?authSig="
                + jwt.encode(
                    {"path": WS_PROXY_PATH, "iat": int(time.time()), "exp": int(time.time()) + 30},
                    "not-the-secret",
                    "HS256",
                )
                + "&url=demo"
            ),
            id="forged",
        ),
        pytest.param(
            lambda hass: (
                "?authSig="
                + jwt.encode(
                    {"path": WS_PROXY_PATH, "iss": "x", "iat": int(time.time()) - 60, "exp": int(time.time()) - 5},
                    hass.data[DATA_SIGN_SECRET],
                    "HS256",
                )
                + "&url=demo"
            ),
            id="expired",
        ),
        pytest.param(
            lambda hass: (
                "?" + async_sign_path(hass, "/api/other", timedelta(seconds=30)).partition("?")[2] + "&url=demo"
            ),
            id="signed-for-another-path",
        ),
        pytest.param(
            lambda hass: (
                "?authSig="
                + jwt.encode(
                    {"path": WS_PROXY_PATH, "iat": int(time.time()), "exp": int(time.time()) + 30},
                    None,
                    algorithm="none",
                )
                + "&url=demo"
            ),
            id="alg-none",
        ),
    ],
)
async def test_refuses_requests_without_a_valid_signature(
    hass: HomeAssistant, hass_client_no_auth: Any, ts2rtc: Ts2rtcServer, make_query: Any
) -> None:
    async_sign_path(hass, "/api/warmup", timedelta(seconds=1))  # makes sure the signing secret exists
    client = await hass_client_no_auth()
    response = await client.get(WS_PROXY_PATH + make_query(hass))
    assert response.status == 401
    # Nothing reached ts2rtc.
    assert await hass.async_add_executor_job(ts2rtc.consumers, "demo") == []


async def test_signature_of_a_revoked_session_is_refused(
    hass: HomeAssistant, setup: MockConfigEntry, hass_ws_client: Any, hass_client_no_auth: Any, hass_access_token: str
) -> None:
    signed = await _sign(hass_ws_client, hass)
    refresh_token = hass.auth.async_validate_access_token(hass_access_token)
    assert refresh_token is not None
    hass.auth.async_remove_refresh_token(refresh_token)
    client = await hass_client_no_auth()
    response = await client.get(signed + "&url=demo")
    assert response.status == 401


async def test_carries_a_v1_webrtc_negotiation_to_ts2rtc_and_the_peer_plays(
    hass: HomeAssistant, setup: MockConfigEntry, ts2rtc: Ts2rtcServer, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    async with client.ws_connect(signed + "&url=demo") as ws, WebRtcPeer() as peer:
        answer = await _negotiate_v1(ws, peer)
        assert answer.startswith("v=0")
        await peer.set_answer(answer)
        result = await peer.play(seconds=15, min_video_frames=25)
        print(f"played: {result.summary()}")  # noqa: T201 (the numbers, shown with -rP)
        assert result.video_frames >= 25, result.summary()
        # ts2rtc saw the viewer arrive through the proxy, with the browser's address forwarded.
        consumers = await hass.async_add_executor_job(
            ts2rtc.wait_for, "a webrtc consumer on demo", lambda: ts2rtc.consumers("demo")
        )
        assert any("webrtc" in str(c.get("format_name", "")) for c in consumers), consumers


async def test_entity_source_becomes_a_stream_named_after_the_entity(
    hass: HomeAssistant, setup: MockConfigEntry, ts2rtc: Ts2rtcServer, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    await _add_camera(hass, "camera.front", ts2rtc.rtsp_url("demo"))
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    async with client.ws_connect(signed + "&entity=camera.front") as ws, WebRtcPeer(audio=False) as peer:
        answer = await _negotiate_v1(ws, peer)
        await peer.set_answer(answer)
        result = await peer.play(seconds=15, min_video_frames=10)
        assert result.video_frames >= 10, result.summary()
    stream = await hass.async_add_executor_job(ts2rtc.stream, "camera.front")
    assert stream is not None
    assert [p.get("url") for p in stream["producers"]] == [ts2rtc.rtsp_url("demo")]


async def test_error_goes_to_the_browser_as_an_error_message(
    hass: HomeAssistant, setup: MockConfigEntry, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    async with client.ws_connect(signed + "&entity=camera.missing") as ws:
        msg = await ws.receive_json(timeout=10)
        assert msg["type"] == "error"
        assert "camera.missing" in msg["value"]
        closing = await ws.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


@pytest.fixture
def own_server() -> Iterator[Ts2rtcServer]:
    """A ts2rtc of this test alone (the test stops it)."""
    with start_ts2rtc() as started:
        yield started


async def test_server_going_away_closes_the_browser_side(
    hass: HomeAssistant, own_server: Ts2rtcServer, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    assert await async_setup_component(hass, "auth", {})
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: own_server.url})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    ws = await client.ws_connect(signed + "&url=demo")
    await ws.send_str(json.dumps({"type": "mse", "value": "avc1.640029,mp4a.40.2,opus"}))
    reply = await ws.receive(timeout=10)
    assert reply.type == aiohttp.WSMsgType.TEXT and json.loads(reply.data)["type"] == "mse", reply
    own_server.process.terminate()
    # ts2rtc stopped: the proxy closes the browser's socket too.
    while True:
        msg = await ws.receive(timeout=10)
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            break
        assert msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), msg
    await ws.close()


async def test_poster_from_a_ts2rtc_stream(
    hass: HomeAssistant, setup: MockConfigEntry, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    response = await client.get(signed + "&poster=demo")
    assert response.status == 200, await response.text()
    body = await response.read()
    assert response.content_type == "image/jpeg"
    assert body[:2] == b"\xff\xd8"


class _RtspCamera(Camera):
    """A camera whose stream source is an RTSP URL (what the Generic camera, ONVIF, ... give)."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, name: str, source: str) -> None:
        super().__init__()
        self._attr_name = name
        self._attr_unique_id = name
        self._source = source

    async def stream_source(self) -> str | None:
        return self._source

    async def async_camera_image(self, width: int | None = None, height: int | None = None) -> bytes | None:
        return None


async def _add_camera(hass: HomeAssistant, entity_id: str, source: str) -> None:
    """Add a camera entity through the camera component's own EntityComponent."""
    assert await async_setup_component(hass, "camera", {})
    component = hass.data["camera"]
    camera = _RtspCamera(entity_id.split(".", 1)[1], source)
    camera.entity_id = entity_id
    await component.async_add_entities([camera])
    await hass.async_block_till_done()


async def _first_reply_to_mse(client: Any, signed: str, url: str) -> dict[str, Any]:
    async with client.ws_connect(signed + "&url=" + quote(url)) as ws:
        await ws.send_str(json.dumps({"type": "mse", "value": "avc1.640029,mp4a.40.2,opus"}))
        while True:
            msg = await ws.receive(timeout=10)
            if msg.type == aiohttp.WSMsgType.TEXT:
                return dict(json.loads(msg.data))


async def test_url_template_is_rendered_for_an_administrator(
    hass: HomeAssistant, setup: MockConfigEntry, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    signed = await _sign(hass_ws_client, hass)
    reply = await _first_reply_to_mse(await hass_client_no_auth(), signed, "{{ 'de' ~ 'mo' }}")
    assert reply["type"] == "mse", reply


async def test_url_template_is_not_rendered_for_other_users(
    hass: HomeAssistant, setup: MockConfigEntry, hass_client_no_auth: Any
) -> None:
    await hass.auth.async_create_user("Owner", group_ids=["system-admin"])  # the first user is the owner
    user = await hass.auth.async_create_user("Guest", group_ids=["system-users"])
    assert not user.is_admin
    refresh_token = await hass.auth.async_create_refresh_token(user, "https://example.invalid/")
    signed = async_sign_path(hass, WS_PROXY_PATH, timedelta(seconds=30), refresh_token_id=refresh_token.id)
    reply = await _first_reply_to_mse(await hass_client_no_auth(), signed, "{{ 'de' ~ 'mo' }}")
    # The raw text went to ts2rtc, which has no such stream.
    assert reply["type"] == "error", reply
    assert "demo" not in reply["value"]


async def test_browser_leaving_ends_the_viewer_in_ts2rtc_and_headers_are_forwarded(
    hass: HomeAssistant, setup: MockConfigEntry, ts2rtc: Ts2rtcServer, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    ws = await client.ws_connect(signed + "&url=demo", headers={"User-Agent": "Browser/1.0 (proxy test)"})
    await ws.send_str(json.dumps({"type": "mse", "value": "avc1.640029,mp4a.40.2,opus"}))
    reply = await ws.receive(timeout=10)
    assert reply.type == aiohttp.WSMsgType.TEXT and json.loads(reply.data)["type"] == "mse", reply

    def mse_viewers() -> list[dict[str, Any]]:
        return [c for c in ts2rtc.consumers("demo") if "mse" in str(c.get("format_name", ""))]

    viewers = await hass.async_add_executor_job(ts2rtc.wait_for, "the MSE viewer in ts2rtc", mse_viewers)
    # ts2rtc shows the browser's User-Agent (forwarded by the proxy), not aiohttp's.
    assert [v.get("user_agent") for v in viewers] == ["Browser/1.0 (proxy test)"], viewers
    await ws.close()
    await hass.async_add_executor_job(
        ts2rtc.wait_for, "the MSE viewer to leave ts2rtc", lambda: not mse_viewers() or None
    )


async def test_proxy_errors_carry_no_camera_password(
    hass: HomeAssistant, setup: MockConfigEntry, hass_ws_client: Any, hass_client_no_auth: Any
) -> None:
    await _add_camera(hass, "camera.secret", "rtsp://admin:Hunter2@127.0.0.1:9/s")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    signed = await _sign(hass_ws_client, hass)
    client = await hass_client_no_auth()
    async with client.ws_connect(f"{signed}&entity=camera.secret&server=http://127.0.0.1:{closed}/") as ws:
        msg = await ws.receive_json(timeout=10)
    assert msg["type"] == "error"
    assert f"127.0.0.1:{closed}" in msg["value"]
    assert "Hunter2" not in msg["value"]
