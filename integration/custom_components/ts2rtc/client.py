"""A small REST/WebSocket client for ts2rtc (go2rtc's HTTP API, contracts.md §1–§2)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import aiohttp

from .const import REQUEST_TIMEOUT
from .errors import (
    CannotConnectError,
    InvalidAuthError,
    InvalidResponseError,
    InvalidUrlError,
)


def normalize_url(url: str) -> str:
    """Return `url` as an http(s) base URL ending in `/`, or raise InvalidUrlError.

    A path is kept (a reverse proxy's base path), unlike go2rtc-client, which drops it.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as err:
        raise InvalidUrlError(f"not a URL: {url!r}") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrlError(f"not an http(s) URL with a host: {url!r}")
    if port == 0:
        raise InvalidUrlError(f"port 0 in {url!r}")
    if parts.query or parts.fragment:
        raise InvalidUrlError(f"a server URL has no query or fragment: {url!r}")
    return url if url.endswith("/") else url + "/"


def ws_url(server_url: str, query: dict[str, str]) -> str:
    """The server's `/api/ws` URL with `query` (`src`, `name`, `dst`)."""
    http_url = urljoin(normalize_url(server_url), "api/ws")
    # http://h/api/ws → ws://h/api/ws, https:// → wss://
    return "ws" + http_url[4:] + "?" + urlencode(query)


class Ts2rtcClient:
    """The calls the integration makes to a ts2rtc (or go2rtc) server."""

    def __init__(self, session: aiohttp.ClientSession, server_url: str) -> None:
        """`server_url` is checked here (InvalidUrlError)."""
        self._session = session
        self.url = normalize_url(server_url)

    def _url(self, path: str) -> str:
        return urljoin(self.url, path)

    async def _request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> aiohttp.ClientResponse:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await self._session.request(
                    method, self._url(path), params=params, json=json, allow_redirects=False
                )
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise CannotConnectError(f"{method} {path}: {err!r}") from err
        if response.status == 401:
            raise InvalidAuthError(f"{method} {path}: HTTP 401, the server wants a user name and password")
        if response.status >= 400:
            text = (await response.text(errors="replace")).strip()
            raise InvalidResponseError(f"{method} {path}: HTTP {response.status} {text[:200]}")
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        try:
            return await response.json(content_type=None)
        except ValueError as err:
            raise InvalidResponseError(f"{method} {path}: the body is not JSON") from err

    async def info(self) -> dict[str, Any]:
        """`GET /api`: the server info; it must carry a `version` string as go2rtc's does."""
        info = await self._json("GET", "api")
        if not isinstance(info, dict) or not isinstance(info.get("version"), str):
            raise InvalidResponseError("GET api: no `version` in the answer (not a go2rtc-compatible server)")
        return info

    async def streams(self) -> dict[str, Any]:
        """`GET /api/streams`: name → {producers, consumers}."""
        streams = await self._json("GET", "api/streams")
        if not isinstance(streams, dict):
            raise InvalidResponseError("GET api/streams: not a JSON object")
        return streams

    async def schemes(self) -> list[str]:
        """`GET /api/schemes`: the source schemes the server can open."""
        schemes = await self._json("GET", "api/schemes")
        if not isinstance(schemes, list) or not all(isinstance(s, str) for s in schemes):
            raise InvalidResponseError("GET api/schemes: not a JSON list of strings")
        return schemes

    async def add_stream(self, name: str, sources: list[str]) -> None:
        """`PUT /api/streams?name=&src=...`: create or replace the stream."""
        params = [("name", name)] + [("src", src) for src in sources]
        await self._request("PUT", "api/streams", params=params)

    async def webrtc_offer(self, src: str, offer_sdp: str) -> str:
        """`POST /api/webrtc?src=` with a JSON offer: the complete SDP answer."""
        answer = await self._json("POST", "api/webrtc", params={"src": src}, json={"type": "offer", "sdp": offer_sdp})
        if not isinstance(answer, dict) or not isinstance(answer.get("sdp"), str):
            raise InvalidResponseError("POST api/webrtc: no `sdp` in the answer")
        return answer["sdp"]

    async def frame_jpeg(self, src: str) -> tuple[bytes, str]:
        """`GET /api/frame.jpeg?src=`: a snapshot and its content type."""
        response = await self._request("GET", "api/frame.jpeg", params={"src": src})
        return await response.read(), response.content_type
