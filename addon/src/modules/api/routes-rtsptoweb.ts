import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { StreamHub } from '../streams/hub.js';
import { ApiError } from './errors.js';
import { isRecord, readBody, readJson, sendJson, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';
import { patchStream } from './routes-streams.js';

const OK_BODY = '{"status":1,"payload":{}}';

/**
 * The RTSPtoWeb / RTSPtoWebRTC API that Home Assistant's `rtsp_to_webrtc` integration speaks (go2rtc
 * internal/hass). These paths are absolute: they ignore base_path, as go2rtc's do.
 * - `/static`, `/streams`: heartbeats, always `{"status":1,"payload":{}}` (so the client adds every stream);
 * - `POST /stream/{id}/add` and `/edit`: body `{"name", "channels": {"0": {"url"}}}` points the stream at
 *   that URL (in memory, like PATCH /api/streams). go2rtc only recognises `/add`; `/edit` is what the client
 *   sends when a camera's URL changed, and it means the same thing;
 * - `POST /stream/{id}/channel/0/webrtc`: the WebRTC exchange, registered by the WebRTC module (501 until then).
 * - `POST /stream` (the original RTSPtoWebRTC, deepch/RTSPtoWebRTC, which go2rtc never had): form fields
 *   `url` (the camera URL, or one of our stream names) and `sdp64` (base64 offer), other fields ignored; the
 *   answer is JSON `{"sdp64": <base64 answer>}`. Errors are JSON `{"error": ..., "code": ...}` with a 4xx/5xx
 *   status, which `rtsp_to_webrtc.WebRTCClient` puts into its message. The stream is the one named `url`, or a
 *   stream created on the fly for that URL (network rules apply, as for `/api/ws?src=<url>`).
 */
/** The RTSPtoWebRTC exchange for stream `name` (form field `data` = base64 offer, answer = base64 text). */
export type RtspToWebRtcHandler = (ctx: ApiContext, name: string) => Promise<void> | void;

export interface RtspToWebRoutes {
  /** The WebRTC module plugs its exchange in here; one handler. */
  setWebrtcHandler(handler: RtspToWebRtcHandler): void;
}

export function registerRtspToWebRoutes(routes: RouteTable, hub: StreamHub): RtspToWebRoutes {
  let webrtc: RtspToWebRtcHandler | undefined;
  const ok = (ctx: ApiContext): void => {
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = OK_BODY;
  };
  routes.add('*', '/static', ok);
  routes.add('*', '/streams', ok);
  routes.add('POST', '/stream', async (ctx) => {
    const form = new URLSearchParams((await readBody(ctx, FORM_LIMIT)).toString('utf8'));
    const url = form.get('url');
    const sdp64 = form.get('sdp64');
    if (!url) throw new ApiError(400, 'BODY_INVALID', 'stream: form field url is required');
    if (!sdp64) throw new ApiError(400, 'BODY_INVALID', 'stream: form field sdp64 is required');
    if (!webrtc) throw new ApiError(501, 'NOT_IMPLEMENTED', 'webrtc: the RTSPtoWebRTC exchange is not implemented yet');
    const stream = hub.getOrCreate(url, 'api');
    const answer64 = await exchangeThrough(webrtc, ctx, stream.name, sdp64);
    sendJson(ctx, { sdp64: answer64 });
  });
  routes.add('*', '/stream/', async (ctx) => {
    const match = /^\/stream\/([^/]+)\/(add|edit|channel\/0\/webrtc)$/.exec(ctx.path);
    if (!match?.[1]) throw new ApiError(404, 'NOT_FOUND', `not found: ${ctx.path}`);
    const id = decodePathSegment(match[1]);
    if (match[2] === 'add' || match[2] === 'edit') {
      const { name, url } = parseAddBody(await readJson(ctx));
      patchStream(hub, name || id, url, 'api');
      ok(ctx);
      return;
    }
    if (!webrtc) throw new ApiError(501, 'NOT_IMPLEMENTED', 'webrtc: the RTSPtoWebRTC exchange is not implemented yet');
    await webrtc(ctx, id);
  });
  return {
    setWebrtcHandler(handler) {
      if (webrtc) throw new Error('api: RTSPtoWebRTC handler already set');
      webrtc = handler;
    },
  };
}

/** An offer is a few KiB; the form carries it base64 plus the URL. */
const FORM_LIMIT = 256 * 1024;

/**
 * Runs the WebRTC module's RTSPtoWeb exchange (form `data` = base64 offer → base64 answer) for an offer that
 * came in another form, through a request koa builds from the real one's socket and headers. The WebRTC
 * module owns the negotiation; this only re-wraps the offer, so both flavours answer alike.
 */
async function exchangeThrough(
  handler: RtspToWebRtcHandler,
  ctx: ApiContext,
  name: string,
  sdp64: string,
): Promise<string> {
  const body = Buffer.from(new URLSearchParams({ data: sdp64 }).toString(), 'utf8');
  // A socket of its own: the inner request ends (and is destroyed) when the handler has read it, and that
  // must not close the client's connection.
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = `/stream/${encodeURIComponent(name)}/channel/0/webrtc`;
  req.headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(body.length),
    ...(ctx.get('user-agent') ? { 'user-agent': ctx.get('user-agent') } : {}),
  };
  req.push(body);
  req.push(null);
  const inner = ctx.app.createContext(req, new ServerResponse(req));
  await handler(inner, name);
  const answer =
    typeof inner.body === 'string' ? inner.body : Buffer.isBuffer(inner.body) ? inner.body.toString('utf8') : '';
  if (inner.status !== 200 || answer === '') throw new ApiError(500, 'INTERNAL', 'webrtc: the exchange gave no answer');
  return answer.trim();
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'BAD_REQUEST', 'stream: invalid percent-encoding in the path');
  }
}

function parseAddBody(body: unknown): { name: string; url: string } {
  if (!isRecord(body)) throw new ApiError(400, 'BODY_INVALID', 'stream: body must be a JSON object');
  const name = body.name;
  if (name !== undefined && typeof name !== 'string')
    throw new ApiError(400, 'BODY_INVALID', 'stream: name must be a string');
  const channels = body.channels;
  const first = isRecord(channels) ? channels['0'] : undefined;
  const url = isRecord(first) ? first.url : undefined;
  if (typeof url !== 'string' || url === '')
    throw new ApiError(400, 'BODY_INVALID', 'stream: channels.0.url is required');
  return { name: name ?? '', url };
}
