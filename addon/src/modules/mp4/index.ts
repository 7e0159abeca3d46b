import type { App, Module } from '../../app.js';
import type { FragmentConsumerOptions } from './consumer.js';
import { handleFrameMp4, handleStreamMp4 } from './http.js';
import { handleMp4, handleMse } from './mse.js';
import { SessionRegistry } from './registry.js';
import type { SessionOptions } from './session.js';
import type { HttpTransportLimits } from './transports.js';

export { FragmentConsumer, type FragmentConsumerOptions, type FragmentTransport, type PlacedUnit } from './consumer.js';
export { ClientTimeline } from './client-timeline.js';
export { defaultMedias, parseMp4Query, parseMseCodecs } from './codecs.js';
export { Mp4ModuleError, type Mp4ModuleErrorCode } from './errors.js';
export { Mp4StreamConsumer } from './http.js';
export { KeyframeConsumer, type KeyframeFile } from './keyframe.js';
export { MseConsumer } from './mse.js';
export { SessionRegistry } from './registry.js';
export { FragmentPacket, FragmentSession, type SessionTrack } from './session.js';
export { createConverter, opusPacketSamples, MP4_AUDIO_CODECS, MP4_VIDEO_CODECS } from './tracks.js';

export interface Mp4ModuleOptions {
  /** Shared sessions (GOP cache size, clock). */
  session?: SessionOptions;
  /** Per-client queue and the wait for the first key frame. */
  consumer?: FragmentConsumerOptions;
  /** stream.mp4 buffering and write deadline. */
  http?: HttpTransportLimits;
  /** How long frame.mp4 and the `mp4` mode wait for a key frame. Defaults to 10 s. */
  keyframeTimeoutMs?: number;
}

/** What the module hands back: the registry (shared with HLS; tests and stats). */
export interface Mp4Module {
  readonly sessions: SessionRegistry;
  /** The HLS module calls this once it serves `stream.m3u8`: stream.mp4 then sends Safari there. */
  enableSafariRedirect(): void;
}

/**
 * "Module: MP4": MSE over `/api/ws` (`mse`, and `mp4` key frame snapshots), `/api/stream.mp4` (progressive
 * fMP4) and `/api/frame.mp4` (one key frame). Every MSE and stream.mp4 client of the same stream tracks shares
 * one muxing session, so a frame is converted and muxed once however many watch.
 */
export function init(app: App): Mp4Module {
  const options: Mp4ModuleOptions = app.tuning.mp4 ?? {};
  const api = app.module('api');
  const log = app.logger('mp4');
  const sessions = new SessionRegistry(log, options.session);
  const keyframeTimeoutMs = options.keyframeTimeoutMs ?? 10_000;
  let hlsAvailable = false;
  const httpOptions = {
    keyframeTimeoutMs,
    hlsAvailable: () => hlsAvailable,
    ...(options.http ? { http: options.http } : {}),
    ...(options.consumer ? { consumer: options.consumer } : {}),
  };

  api.ws.handle('mse', (value, connection) => handleMse(app, sessions, value, connection, options.consumer));
  api.ws.handle('mp4', (value, connection) => handleMp4(app, value, connection, keyframeTimeoutMs));
  api.addRoute('*', 'api/stream.mp4', (ctx) => handleStreamMp4(app, sessions, ctx, httpOptions));
  api.addRoute('*', 'api/frame.mp4', (ctx) => handleFrameMp4(app, ctx, httpOptions));
  api.registerErrorStatus('MP4_NO_KEYFRAME', 500);
  api.registerErrorStatus('MP4_SOURCE_ENDED', 500);
  api.registerErrorStatus('MP4_NO_PARAMETER_SETS', 500);
  api.registerErrorStatus('MP4_CODEC_UNSUPPORTED', 500);
  app.onStop(() => sessions.closeAll());
  return {
    sessions,
    enableSafariRedirect: () => {
      hlsAvailable = true;
    },
  };
}

export const mp4: Module<'mp4'> = { name: 'mp4', init };
