import type { IceServer } from '../../config/types.js';
import { errorMessage } from '../../core/errors.js';
import { ApiError } from '../api/errors.js';
import { isRecord, queryValue, readBody, type ApiContext } from '../api/request.js';
import type { StreamHub } from '../streams/hub.js';
import type { Stream } from '../streams/stream.js';
import type { WebRtcConsumer } from './consumer.js';
import { negotiate } from './engine.js';
import type { WebrtcContext } from './session.js';
import { parseIceServers, parseTransportPolicy } from './signaling-ws.js';

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}

/** Offers are a few KiB; base64 in a form adds a third. */
const OFFER_LIMIT = 256 * 1024;

function remoteOf(ctx: ApiContext): string {
  const socket = ctx.req.socket;
  return `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
}

function decodeBase64(text: string): string {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/=_-]*$/.test(trimmed) || trimmed === '')
    throw new ApiError(400, 'BODY_INVALID', 'webrtc: data is not base64');
  return Buffer.from(trimmed, 'base64').toString('utf8');
}

/** One complete answer for an HTTP client: the offer is negotiated and ICE gathering awaited. */
async function answer(
  ctx: WebrtcContext,
  stream: Stream,
  sdp: string,
  formatName: string,
  req: ApiContext,
  ice: { iceServers?: IceServer[]; relayOnly?: boolean } = {},
): Promise<{ sdp: string; consumer: WebRtcConsumer }> {
  const negotiated = await negotiate(ctx, {
    stream,
    sdp,
    formatName,
    protocol: 'http',
    remoteAddr: remoteOf(req),
    userAgent: req.get('user-agent'),
    ...ice,
  });
  return { sdp: await negotiated.completeAnswer(), consumer: negotiated.consumer };
}

/**
 * `POST /api/webrtc?src=` in go2rtc's four body formats (contracts 1.6), `DELETE ?id=` for a WHEP session,
 * `OPTIONS` 204. As in go2rtc the stream must exist here (only `/api/ws` creates streams from URLs).
 */
export function webrtcRoute(hub: StreamHub, ctx: WebrtcContext, basePath: string) {
  const sessions = new Map<string, WebRtcConsumer>();
  const track = (consumer: WebRtcConsumer): string => {
    const id = consumer.id.toString(36);
    sessions.set(id, consumer);
    consumer.onClose.once(() => sessions.delete(id));
    return id;
  };

  return async (req: ApiContext): Promise<void> => {
    if (req.method === 'OPTIONS') {
      req.status = 204;
      return;
    }
    if (req.method === 'DELETE') {
      const id = queryValue(req, 'id');
      if (!id) throw new ApiError(400, 'BAD_REQUEST', 'missing query parameter: id');
      const consumer = sessions.get(id);
      if (!consumer) throw new ApiError(404, 'NOT_FOUND', 'webrtc: session not found');
      await consumer.stop();
      req.status = 200;
      req.body = '';
      return;
    }
    if (req.method !== 'POST') throw new ApiError(405, 'METHOD_NOT_ALLOWED', `method ${req.method} not allowed`);
    const src = queryValue(req, 'src');
    if (!src) {
      if (queryValue(req, 'dst'))
        throw new ApiError(501, 'NOT_IMPLEMENTED', 'webrtc: WHIP publishing is not supported yet');
      throw new ApiError(400, 'BAD_REQUEST', 'missing query parameter: src');
    }
    const stream = hub.get(src);
    if (!stream) throw new ApiError(404, 'NOT_FOUND', 'stream not found');
    const body = (await readBody(req, OFFER_LIMIT)).toString('utf8');
    const type = (req.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
    switch (type) {
      case 'application/json': {
        let offer: unknown;
        try {
          offer = JSON.parse(body) as unknown;
        } catch {
          throw new ApiError(400, 'BODY_INVALID', 'webrtc: invalid JSON body');
        }
        if (!isRecord(offer) || typeof offer.sdp !== 'string')
          throw new ApiError(400, 'BODY_INVALID', 'webrtc: body must be {type: "offer", sdp}');
        // go2rtc also reads ice_servers and ice_transport_policy here, as in the v2 WebSocket offer.
        let ice: { iceServers?: IceServer[]; relayOnly?: boolean };
        try {
          ice = {
            ...optional('iceServers', parseIceServers(offer.ice_servers)),
            ...optional('relayOnly', parseTransportPolicy(offer.ice_transport_policy)),
          };
        } catch (err) {
          throw new ApiError(400, 'BODY_INVALID', errorMessage(err));
        }
        const result = await answer(ctx, stream, offer.sdp, 'webrtc/json', req, ice);
        req.status = 200;
        req.type = 'application/json';
        req.body = JSON.stringify({ type: 'answer', sdp: result.sdp }) + '\n';
        return;
      }
      case 'application/sdp': {
        const result = await answer(ctx, stream, body, 'webrtc/whep', req);
        req.status = 201;
        req.type = 'application/sdp';
        req.set('Location', `${basePath}/api/webrtc?id=${track(result.consumer)}`);
        req.body = result.sdp;
        return;
      }
      case 'application/x-www-form-urlencoded': {
        const data = new URLSearchParams(body).get('data');
        if (!data) throw new ApiError(400, 'BODY_INVALID', 'webrtc: form field data is required');
        const result = await answer(ctx, stream, decodeBase64(data), 'webrtc/post', req);
        req.status = 200;
        req.type = 'application/x-www-form-urlencoded';
        req.body = Buffer.from(result.sdp, 'utf8').toString('base64');
        return;
      }
      default: {
        const result = await answer(ctx, stream, body, 'webrtc/post', req);
        req.status = 200;
        // go2rtc answers with the request's own media type.
        req.type = type || 'application/sdp';
        req.body = result.sdp;
      }
    }
  };
}

/** `POST /stream/{name}/channel/0/webrtc` (RTSPtoWebRTC, contracts 4): form `data` = base64 offer, base64 answer. */
export function rtspToWebRtcHandler(hub: StreamHub, ctx: WebrtcContext) {
  return async (req: ApiContext, name: string): Promise<void> => {
    const stream = hub.get(name);
    if (!stream) throw new ApiError(404, 'NOT_FOUND', 'stream not found');
    const body = (await readBody(req, OFFER_LIMIT)).toString('utf8');
    const data = new URLSearchParams(body).get('data');
    if (!data) throw new ApiError(400, 'BODY_INVALID', 'webrtc: form field data is required');
    const result = await answer(ctx, stream, decodeBase64(data), 'hass/webrtc', req);
    req.status = 200;
    req.type = 'text/plain';
    req.body = Buffer.from(result.sdp, 'utf8').toString('base64');
  };
}
