import * as demo from '../../../addon/src/modules/demo/index.js';
import * as hls from '../../../addon/src/modules/hls/index.js';
import * as mp4 from '../../../addon/src/modules/mp4/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { registerClipSource } from '../mp4/clip-source.js';

export interface HlsServer extends RunningApi {
  readonly mp4: mp4.Mp4Module;
  readonly hls: hls.HlsModule;
  /** `ws://127.0.0.1:PORT{base}/api/ws` */
  readonly wsUrl: string;
  /** `http://127.0.0.1:PORT{base}` */
  readonly base: string;
}

/**
 * The API with the demo source (H264 + Opus), the FFmpeg-made `clip:` sources (`aac`: H264 + AAC) and the MP4
 * and HLS modules, on a free loopback port, as server.ts wires them.
 */
export async function startHlsServer(
  options: { hls?: hls.HlsModuleOptions; api?: Record<string, unknown> } = {},
): Promise<HlsServer> {
  let mp4Module: mp4.Mp4Module | undefined;
  let hlsModule: hls.HlsModule | undefined;
  let disposeClips = (): void => {};
  const server = await startApi({
    config: { streams: { demo: 'demo:', aac: 'clip:aac' } },
    tuning: options.hls ? { hls: options.hls } : {},
    api: options.api ?? {},
    hub: { idleStopMs: 60_000 },
    beforeStart: (_api, app) => {
      app.add(demo.demo);
      disposeClips = registerClipSource(app.streams).dispose;
      mp4Module = app.add(mp4.mp4);
      hlsModule = app.add(hls.hls);
    },
  });
  if (!mp4Module || !hlsModule) throw new Error('modules not initialised');
  const basePath = typeof options.api?.['base_path'] === 'string' ? options.api['base_path'] : '';
  const base = `${server.url}${basePath}`;
  return {
    ...server,
    mp4: mp4Module,
    hls: hlsModule,
    base,
    wsUrl: `${base.replace('http', 'ws')}/api/ws`,
    async close() {
      await server.close();
      disposeClips();
    },
  };
}
