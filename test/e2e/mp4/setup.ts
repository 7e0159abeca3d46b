import type { ApiHooks } from '../../../addon/src/modules/api/index.js';
import * as demo from '../../../addon/src/modules/demo/index.js';
import * as mp4 from '../../../addon/src/modules/mp4/index.js';
import { rtsp } from '../../../addon/src/modules/rtsp/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { registerClipSource } from './clip-source.js';

export interface Mp4Server extends RunningApi {
  readonly mp4: mp4.Mp4Module;
  /** `ws://127.0.0.1:PORT/api/ws` */
  readonly wsUrl: string;
}

/**
 * The API with the demo source, the FFmpeg-made `clip:` sources and the MP4 module, on a free loopback port.
 * `rtsp://` sources work too (the RTSP client), for `streams` given by the test. Streams: `demo` and `shared` (H264 + Opus), `aac`, `pcmu`, `pcma` (H264 + that audio), `noisy` (8 Mbit/s H264, no audio).
 */
export async function startMp4Server(
  options: {
    ws?: ApiHooks['ws'];
    mp4?: mp4.Mp4ModuleOptions;
    api?: Record<string, unknown>;
    streams?: Record<string, string>;
  } = {},
): Promise<Mp4Server> {
  let module: mp4.Mp4Module | undefined;
  let disposeClips = (): void => {};
  const server = await startApi({
    config: {
      // The rtsp:// source without the server (the server would take :8554).
      rtsp: { listen: '' },
      streams: {
        demo: 'demo:',
        shared: 'demo:',
        aac: 'clip:aac',
        pcmu: 'clip:pcmu',
        pcma: 'clip:pcma',
        noisy: 'clip:none-noisy',
        silent: 'clip:silent',
        ...options.streams,
      },
    },
    api: options.api ?? {},
    // Sources stay up across tests, so each test measures its own viewer and not a source's cold start.
    hub: { idleStopMs: 60_000 },
    hooks: options.ws ? { ws: options.ws } : {},
    tuning: options.mp4 ? { mp4: options.mp4 } : {},
    beforeStart: (_api, app) => {
      app.add(demo.demo);
      app.add(rtsp);
      disposeClips = registerClipSource(app.streams).dispose;
      module = app.add(mp4.mp4);
    },
  });
  if (!module) throw new Error('mp4 module not initialised');
  return {
    ...server,
    mp4: module,
    wsUrl: `${server.url.replace('http', 'ws')}/api/ws`,
    async close() {
      await server.close();
      disposeClips();
    },
  };
}
