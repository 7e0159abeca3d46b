import type { App, Module } from '../../app.js';
import { ffmpegSettings } from '../ffmpeg/index.js';
import { handleFrameJpeg, handleStreamMjpeg, handleWsMjpeg } from './http.js';
import { Snapshots } from './snapshot.js';
import { TranscoderRegistry } from './transcoder.js';

export { MjpegModuleError, type MjpegModuleErrorCode } from './errors.js';
export { MjpegConsumer, MJPEG_MEDIAS, type JpegTransport } from './consumer.js';
export { JpegTranscoder, TranscoderRegistry } from './transcoder.js';
export { Snapshots } from './snapshot.js';
export { parseGoDuration } from './http.js';

export interface MjpegModule {
  /** The shared H264/H265 → JPEG transcoders (one per stream track), for stats and tests. */
  readonly transcoders: TranscoderRegistry;
  readonly snapshots: Snapshots;
}

/**
 * "Module: MJPEG": `/api/stream.mjpeg` (multipart), the `mjpeg` WebSocket mode, and `/api/frame.jpeg`
 * snapshots. JPEG tracks are sent as they are; H264/H265 go through ffmpeg (`ffmpeg.bin`): one shared
 * process per stream for the live stream, one short decode per key frame for snapshots.
 */
export function init(app: App): MjpegModule {
  const log = app.logger('mjpeg');
  const api = app.module('api');
  const local = app.module('exec');
  const settings = ffmpegSettings(app);
  const context = { bin: settings.bin, logLevel: settings.logLevel, log, processes: local.processes };
  const transcoders = new TranscoderRegistry(context);
  const snapshots = new Snapshots(context);
  api.addRoute('*', 'api/frame.jpeg', (ctx) => handleFrameJpeg(app, snapshots, ctx));
  api.addRoute('*', 'api/stream.mjpeg', (ctx) => handleStreamMjpeg(app, transcoders, ctx));
  api.ws.handle('mjpeg', (_value, connection) => handleWsMjpeg(app, transcoders, connection));
  api.registerErrorStatus('MJPEG_NO_KEYFRAME', 500);
  api.registerErrorStatus('MJPEG_SOURCE_ENDED', 500);
  api.registerErrorStatus('MJPEG_TRANSCODE_FAILED', 500);
  app.onStop(() => transcoders.closeAll());
  return { transcoders, snapshots };
}

export const mjpeg: Module<'mjpeg'> = { name: 'mjpeg', init };
