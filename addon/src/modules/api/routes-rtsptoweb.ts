import type { StreamHub } from '../streams/hub.js';
import { ApiError } from './errors.js';
import { isRecord, readJson, type ApiContext } from './request.js';
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
  if (name !== undefined && typeof name !== 'string') throw new ApiError(400, 'BODY_INVALID', 'stream: name must be a string');
  const channels = body.channels;
  const first = isRecord(channels) ? channels['0'] : undefined;
  const url = isRecord(first) ? first.url : undefined;
  if (typeof url !== 'string' || url === '') throw new ApiError(400, 'BODY_INVALID', 'stream: channels.0.url is required');
  return { name: name ?? '', url };
}
