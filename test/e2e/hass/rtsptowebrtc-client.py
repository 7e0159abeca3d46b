"""Sends one WebRTC offer through allenporter/rtsp-to-webrtc-client, as Home Assistant's rtsp_to_webrtc does.

usage: rtsptowebrtc-client.py SERVER_URL CAMERA_URL FLAVOUR OFFER_FILE > answer.sdp
FLAVOUR: "webrtc" (the original RTSPtoWebRTC: POST /stream), "web" (RTSPtoWeb: /stream/{id}/add + channel
webrtc), or "adaptive" (get_adaptive_client, what the integration uses). Errors print the client's message
and exit 2.
"""

import asyncio
import sys

import aiohttp
from rtsp_to_webrtc.client import get_adaptive_client
from rtsp_to_webrtc.exceptions import ClientError
from rtsp_to_webrtc.web_client import WebClient
from rtsp_to_webrtc.webrtc_client import WebRTCClient


async def main() -> int:
    server, camera, flavour = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(sys.argv[4], encoding="utf-8") as file:
        offer = file.read()
    async with aiohttp.ClientSession() as session:
        try:
            if flavour == "webrtc":
                client = WebRTCClient(session, server)
            elif flavour == "web":
                client = WebClient(session, server)
            else:
                client = await get_adaptive_client(session, server)
            print(f"client={type(client).__name__}", file=sys.stderr)
            await client.heartbeat()
            answer = await client.offer_stream_id("camera.hall", offer, camera)
        except ClientError as err:
            print(f"ClientError: {err}", file=sys.stderr)
            return 2
    sys.stdout.write(answer)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
