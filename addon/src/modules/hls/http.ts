import type { Logger } from 'pino';
import type { App } from '../../app.js';
import { CoreError } from '../../core/errors.js';
import type { Media } from '../../core/media.js';
import { queryParams, sendText, type ApiContext, type WsConnection } from '../api/index.js';
import type { Stream } from '../streams/stream.js';
import {
  defaultMedias,
  parseMp4Query,
  parseMseCodecs,
  type FragmentConsumerOptions,
  type SessionRegistry,
} from '../mp4/index.js';
import { HlsError } from './errors.js';
import type { HlsFormat } from './playlist.js';
import type { HlsSessionRegistry } from './registry.js';
import { HlsConsumer, HlsSession, type SegmentTiming } from './session.js';

export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

export interface HlsHandlers {
  readonly app: App;
  readonly log: Logger;
  readonly fragments: SessionRegistry;
  readonly sessions: HlsSessionRegistry;
  readonly timing: SegmentTiming;
  readonly consumer: FragmentConsumerOptions | undefined;
  /** How long a playlist or segment request waits for a segment being made. */
  readonly waitMs: number;
}

/** go2rtc answers every HLS request with this (Chromecast and players on other origins need it). */
function cors(ctx: ApiContext): boolean {
  ctx.set('Access-Control-Allow-Origin', '*');
  if (ctx.method !== 'OPTIONS') return false;
  ctx.set('Access-Control-Allow-Methods', 'GET');
  ctx.status = 200;
  ctx.body = '';
  return true;
}

function remoteAddr(ctx: ApiContext): string {
  const socket = ctx.req.socket;
  return `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
}

/** Attaches a new session's consumer to the stream, waits for its first key frame and starts cutting. */
async function openSession(
  h: HlsHandlers,
  stream: Stream,
  format: HlsFormat,
  medias: readonly Media[],
  protocol: string,
  remote: string,
  userAgent: string,
): Promise<HlsSession> {
  const id = h.sessions.newId();
  const description = {
    formatName: format === 'fmp4' ? 'hls/fmp4' : 'hls/mpegts',
    protocol,
    remoteAddr: remote,
    userAgent,
  };
  const session = new HlsSession(
    id,
    format,
    (transport) => new HlsConsumer(description, medias, h.fragments, transport, h.consumer),
    h.timing,
    h.log,
  );
  try {
    await stream.addConsumer(session.consumer);
    const mime = await session.consumer.prepare();
    session.begin(mime);
  } catch (err) {
    session.close();
    throw err;
  }
  h.sessions.add(session);
  h.log.debug({ session: id, format, stream: stream.name }, 'hls: session');
  return session;
}

/**
 * `/api/stream.m3u8?src=<name>`: a new session and its master playlist. With a codec filter (`mp4`, `video=`,
 * `audio=`) the segments are fMP4, without one MPEG-TS with H264/H265 and AAC, as in go2rtc.
 */
export async function handleStream(h: HlsHandlers, ctx: ApiContext): Promise<void> {
  if (cors(ctx)) return;
  const query = queryParams(ctx);
  const stream = h.app.streams.get(query.get('src') ?? '');
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const fmp4 = ['mp4', 'video', 'audio'].some((key) => query.has(key));
  const medias = fmp4 ? parseMp4Query(query) : defaultMedias(true);
  const session = await openSession(
    h,
    stream,
    fmp4 ? 'fmp4' : 'mpegts',
    medias,
    'http',
    remoteAddr(ctx),
    ctx.get('User-Agent'),
  );
  sendText(ctx, session.master(), PLAYLIST_TYPE);
}

/** `{"type":"hls","value":"<codecs>"}` on `/api/ws`: an fMP4 session; the reply is the master playlist text. */
export async function handleWs(h: HlsHandlers, value: unknown, connection: WsConnection): Promise<void> {
  const src = connection.query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const stream = h.app.streams.getOrCreate(src, 'ws', connection.query.get('name') ?? undefined);
  const medias = parseMseCodecs(typeof value === 'string' ? value : '', true);
  const session = await openSession(h, stream, 'fmp4', medias, 'ws', connection.remoteAddr, connection.userAgent);
  // The player goes on over HTTP; the socket may close (the session then lives on its keepalive).
  if (!connection.isClosed) connection.send({ type: 'hls', value: session.master() });
}

function sessionId(ctx: ApiContext): string {
  return queryParams(ctx).get('id') ?? '';
}

export async function handlePlaylist(h: HlsHandlers, ctx: ApiContext): Promise<void> {
  if (cors(ctx)) return;
  const text = await h.sessions.use(sessionId(ctx), (session) => session.playlist(h.waitMs));
  sendText(ctx, text, PLAYLIST_TYPE);
}

export async function handleInit(h: HlsHandlers, ctx: ApiContext): Promise<void> {
  if (cors(ctx)) return;
  const data = await h.sessions.use(sessionId(ctx), (session) => session.init());
  ctx.status = 200;
  ctx.type = 'video/mp4';
  ctx.body = data;
}

export async function handleSegment(h: HlsHandlers, ctx: ApiContext, format: HlsFormat): Promise<void> {
  if (cors(ctx)) return;
  const n = queryParams(ctx).get('n');
  const sequence = n !== null && /^\d+$/.test(n) ? Number(n) : -1;
  const data = await h.sessions.use(sessionId(ctx), (session) => {
    if (session.format !== format)
      throw new HlsError(
        'HLS_SEGMENT_NOT_FOUND',
        `hls: this session has no ${format === 'fmp4' ? 'm4s' : 'ts'} segments`,
      );
    return session.segment(sequence, h.waitMs);
  });
  ctx.status = 200;
  ctx.type = format === 'fmp4' ? 'video/iso.segment' : 'video/mp2t';
  ctx.body = data;
}
