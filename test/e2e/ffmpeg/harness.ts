import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import type { ModuleTuning } from '../../../addon/src/app.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { freeTcpPort } from '../../peers/ports.js';

export interface ConfiguredTs2rtc {
  readonly server: Server;
  /** `http://127.0.0.1:PORT` */
  readonly api: string;
  readonly rtspPort: number;
  rtspUrl(path: string): string;
  stop(): Promise<void>;
}

/**
 * The whole server (as main.ts wires it) on free loopback ports, with any config sections the test gives
 * (`exec`, `ffmpeg`, `ts2rtc`, `streams`...). Short hub timings, so idle stops and restarts happen in a test.
 * With `logs`, every line (debug and up) is collected there.
 */
export async function startConfigured(
  config: Record<string, unknown>,
  logs?: string[],
  tuning?: ModuleTuning,
): Promise<ConfiguredTs2rtc> {
  const rtspPort = await freeTcpPort();
  const whole = {
    api: { listen: '127.0.0.1:0' },
    rtsp: { listen: `127.0.0.1:${rtspPort}` },
    webrtc: { listen: '' },
    ...config,
  };
  const loaded = loadConfigText(JSON.stringify(whole), { env: {} }).config;
  const sink = logs ? { write: (line: string) => void logs.push(line) } : null;
  const logging = createLogging({ ...loaded.log, level: logs ? 'debug' : 'error' }, sink);
  const server = await startServer({
    config: loaded,
    logging,
    hub: { idleStopMs: 200, retryDelaysMs: [200] },
    ...(tuning ? { tuning } : {}),
  });
  return {
    server,
    api: `http://127.0.0.1:${server.addresses.http?.port ?? 0}`,
    rtspPort,
    rtspUrl: (path) => `rtsp://127.0.0.1:${rtspPort}/${path}`,
    stop: () => server.stop(),
  };
}
