import type { App, Module } from '../../app.js';
import { lazy } from '../../core/lazy.js';
import type { FragmentConsumerOptions } from '../mp4/index.js';
import type { HlsHandlers } from './http.js';
import { HlsSessionRegistry } from './registry.js';
import type { SegmentTiming } from './session.js';

// Segmenter, playlists and the MPEG-TS writer load with the first HLS request, not at start.
const http = lazy(() => import('./http.js'));

export interface HlsModuleOptions {
  /** A session ends this long after its player's last request. Defaults to 5 s (go2rtc's keepalive). */
  keepaliveMs?: number;
  /** How long a playlist or segment request waits for the segment being made. Defaults to 5 s. */
  waitMs?: number;
  /** Segment lengths and the playlist window (defaults: 0.5–1 s segments, 3 s window). */
  timing?: SegmentTiming;
  /** The wait for the first key frame and the client's queue (see the MP4 module). */
  consumer?: FragmentConsumerOptions;
}

export interface HlsModule {
  readonly sessions: HlsSessionRegistry;
}

/**
 * "Module: HLS": `/api/stream.m3u8` (master playlist of a new session), `/api/hls/playlist.m3u8`,
 * `/api/hls/init.mp4`, `/api/hls/segment.m4s` (fMP4) and `/api/hls/segment.ts` (MPEG-TS), and the `hls`
 * WebSocket message. Segments are cut from the MP4 module's shared fragment sessions, so an HLS viewer costs
 * what an MSE viewer does plus its segment window.
 */
export function init(app: App): HlsModule {
  const options: HlsModuleOptions = app.tuning.hls ?? {};
  const api = app.module('api');
  const mp4 = app.module('mp4');
  const sessions = new HlsSessionRegistry(options.keepaliveMs ?? 5000);
  const h: HlsHandlers = {
    app,
    log: app.logger('hls'),
    fragments: mp4.sessions,
    sessions,
    timing: options.timing ?? {},
    consumer: options.consumer,
    waitMs: options.waitMs ?? 5000,
  };
  const served = api.addRoute('*', 'api/stream.m3u8', async (ctx) => (await http()).handleStream(h, ctx));
  api.addRoute('*', 'api/hls/playlist.m3u8', async (ctx) => (await http()).handlePlaylist(h, ctx));
  api.addRoute('*', 'api/hls/init.mp4', async (ctx) => (await http()).handleInit(h, ctx));
  api.addRoute('*', 'api/hls/segment.m4s', async (ctx) => (await http()).handleSegment(h, ctx, 'fmp4'));
  api.addRoute('*', 'api/hls/segment.ts', async (ctx) => (await http()).handleSegment(h, ctx, 'mpegts'));
  api.ws.handle('hls', async (value, connection) => (await http()).handleWs(h, value, connection));
  api.registerErrorStatus('HLS_SESSION_NOT_FOUND', 404);
  api.registerErrorStatus('HLS_SEGMENT_NOT_FOUND', 404);
  api.registerErrorStatus('HLS_NOT_READY', 503);
  // Safari is sent from stream.mp4 to stream.m3u8 only where that is served (allow_paths may leave it out).
  if (served) mp4.enableSafariRedirect();
  app.onStop(() => sessions.closeAll());
  return { sessions };
}

export const hls: Module<'hls'> = { name: 'hls', init };
