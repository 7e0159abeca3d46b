"""The card's WebSocket proxy: `GET /api/ts2rtc/ws?authSig=<jwt>&url=<src>|&entity=<camera.x>[&server=<url>]`.

Same contract as AlexxIT/WebRTC's `/api/webrtc/ws`, so its card works against it too. The view has
`requires_auth = False` because browsers cannot put headers on a WebSocket; the card signs the path with
`auth/sign_path` instead, and the `authSig` JWT is checked here: HS256 with Home Assistant's signing secret,
not expired, `path` claim equal to the request path, and its refresh token (the signing user's session) still
existing. Query parameters are added by the card after signing, so they are not part of the claim (as with
AlexxIT's). `server=` lets a signed-in user point the proxy at another go2rtc-compatible server, as AlexxIT's
does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant.auth.models import User
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.components.http import HomeAssistantView
from homeassistant.components.http.auth import DATA_SIGN_SECRET, SIGN_QUERY_PARAM
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.template import Template
import jwt

from .client import Ts2rtcClient, ws_url
from .const import DOMAIN, WS_PROXY_PATH
from .errors import NotConfiguredError, StreamSourceError, Ts2rtcError
from .redact import redact_text

_LOGGER = logging.getLogger(__name__)


def signed_request_user(hass: HomeAssistant, request: web.Request) -> User | None:
    """The user who signed the request's `authSig` for its own path, or None if it is not valid."""
    secret = hass.data.get(DATA_SIGN_SECRET)
    signature = request.query.get(SIGN_QUERY_PARAM)
    if not secret or not signature:
        return None
    try:
        # exp/iat/nbf are verified by PyJWT; only HS256 is accepted (no "none", no key confusion).
        claims = jwt.decode(signature, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    if not isinstance(claims, dict) or claims.get("path") != request.path:
        return None
    issuer = claims.get("iss")
    refresh_token = hass.auth.async_get_refresh_token(issuer) if isinstance(issuer, str) else None
    if refresh_token is None or not refresh_token.user.is_active:
        return None
    return refresh_token.user


def _render(hass: HomeAssistant, value: str, user: User) -> str:
    """AlexxIT's card allows Jinja templates in `url` and `poster`.

    Only for administrators: Home Assistant lets only them render templates (`render_template`), and a template
    reads every entity's state.
    """
    if ("{{" in value or "{%" in value) and user.is_admin:
        return str(Template(value, hass).async_render(parse_result=False))
    return value


def configured_server(hass: HomeAssistant) -> str | None:
    """The loaded entry's server URL, if any."""
    data = hass.data.get(DOMAIN)
    return data.client.url if data is not None else None


async def async_upstream_url(hass: HomeAssistant, params: Any, user: User) -> str:
    """The ts2rtc `/api/ws` URL for the card's parameters (AlexxIT's `ws_connect`)."""
    server = params.get("server") or configured_server(hass)
    if not server:
        raise NotConfiguredError("ts2rtc is not configured and the card gave no server")
    if entity_id := params.get("entity"):
        try:
            src = await async_get_stream_source(hass, entity_id)
        except HomeAssistantError as err:
            raise StreamSourceError(f"{entity_id}: {err}") from err
        state = hass.states.get(entity_id) if src is None else None
        # A camera without a stream source still has an MJPEG proxy the server can read.
        if state is not None and (token := state.attributes.get("access_token")):
            try:
                src = f"{get_url(hass)}/api/camera_proxy_stream/{entity_id}?token={token}"
            except NoURLAvailableError:
                src = None
        if not src:
            raise StreamSourceError(f"Can't get a stream source for {entity_id}")
        return ws_url(server, {"src": src, "name": entity_id})
    if url := params.get("url"):
        return ws_url(server, {"src": _render(hass, url, user)})
    raise StreamSourceError("Missing url or entity")


def describe_error(err: BaseException) -> str:
    """The error for the browser: no upstream URL (it holds the camera's source) and no password."""
    if isinstance(err, aiohttp.WSServerHandshakeError):
        return f"ts2rtc refused the WebSocket: HTTP {err.status} {err.message}"
    if isinstance(err, aiohttp.ClientConnectorError):
        return f"cannot connect to ts2rtc at {err.host}:{err.port}: {err.os_error}"
    return redact_text(str(err) or repr(err))


async def _forward(source: Any, target: Any) -> None:
    """Copy frames from one WebSocket to the other until `source` ends."""
    async for msg in source:
        if msg.type is aiohttp.WSMsgType.TEXT:
            await target.send_str(msg.data)
        elif msg.type is aiohttp.WSMsgType.BINARY:
            await target.send_bytes(msg.data)
        elif msg.type is aiohttp.WSMsgType.PING:
            await target.ping(msg.data)
        elif msg.type is aiohttp.WSMsgType.PONG:
            await target.pong(msg.data)


async def async_poster(hass: HomeAssistant, params: Any, user: User) -> web.Response:
    """`&poster=`: a camera/image entity's picture, or ts2rtc's frame of a stream (AlexxIT's `ws_poster`)."""
    poster = _render(hass, params["poster"], user)
    if poster.startswith("camera."):
        image = await async_get_image(hass, poster)
        return web.Response(body=image.content, content_type=image.content_type)
    if poster.startswith("image."):
        component = hass.data.get("image")
        entity = component.get_entity(poster) if component is not None else None
        if entity is None:
            raise web.HTTPNotFound
        body = await entity.async_image()
        if body is None:
            raise web.HTTPNotFound
        return web.Response(body=body, content_type=getattr(entity, "content_type", "image/jpeg"))
    server = params.get("server") or configured_server(hass)
    if not server:
        raise web.HTTPNotFound
    client = Ts2rtcClient(async_get_clientsession(hass), server)
    body, content_type = await client.frame_jpeg(poster)
    return web.Response(body=body, content_type=content_type)


class WebSocketProxyView(HomeAssistantView):
    """Proxies the card's WebSocket to ts2rtc's `/api/ws`, frames both ways."""

    url = WS_PROXY_PATH
    name = "api:ts2rtc:ws"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """The view keeps hass (request.app's key for it differs between releases)."""
        self._hass = hass

    async def get(self, request: web.Request) -> web.StreamResponse:
        """Check the signature, then answer a poster or proxy the WebSocket."""
        hass = self._hass
        if (user := signed_request_user(hass, request)) is None:
            raise web.HTTPUnauthorized
        params = request.query
        if "poster" in params:
            try:
                return await async_poster(hass, params, user)
            except (Ts2rtcError, HomeAssistantError) as err:
                raise web.HTTPNotFound(text=str(err)) from err

        browser = web.WebSocketResponse(autoclose=False, autoping=False)
        await browser.prepare(request)
        try:
            upstream_url = await async_upstream_url(hass, params, user)
            await self._proxy(request, browser, upstream_url)
        except (Ts2rtcError, HomeAssistantError, aiohttp.ClientError, OSError, ValueError) as err:
            _LOGGER.debug("Proxy to ts2rtc failed: %r", err)
            if not browser.closed:
                await browser.send_json({"type": "error", "value": describe_error(err)})
        finally:
            if not browser.closed:
                await browser.close()
        return browser

    async def _proxy(self, request: web.Request, browser: web.WebSocketResponse, upstream_url: str) -> None:
        forwarded_for = request.headers.get("X-Forwarded-For")
        remote = request.remote or ""
        headers = {
            "X-Forwarded-For": f"{forwarded_for}, {remote}" if forwarded_for else remote,
            "X-Forwarded-Host": request.host,
            "X-Forwarded-Proto": request.scheme,
        }
        if user_agent := request.headers.get("User-Agent"):
            headers["User-Agent"] = user_agent
        session = async_get_clientsession(self._hass)
        async with session.ws_connect(
            upstream_url, autoclose=False, autoping=False, headers=headers, max_msg_size=0
        ) as server:
            tasks = [
                asyncio.create_task(_forward(browser, server)),
                asyncio.create_task(_forward(server, browser)),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            # Either side ending ends both; a forwarding error other than a dropped peer reaches the browser.
            for task in done:
                err = None if task.cancelled() else task.exception()
                if err is not None and not isinstance(err, ConnectionError):
                    raise err
            await server.close()
