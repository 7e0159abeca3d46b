import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import type { ModuleTuning } from '../../../addon/src/app.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { freeTcpPort } from '../../peers/ports.js';

export interface RunningTs2rtc {
  server: Server;
  rtspPort: number;
  apiUrl: string;
  rtspUrl(path: string): string;
  stop(): Promise<void>;
}

/**
 * The real server (every module, as main.ts wires it) on free loopback ports, from a config object. WebRTC's fixed
 * port is off unless the YAML sets it, so tests never collide with a running ts2rtc.
 */
export async function startTs2rtc(
  extra: { streams?: Record<string, string | string[] | null>; rtsp?: Record<string, unknown>; tuning?: ModuleTuning },
  logLines?: string[],
): Promise<RunningTs2rtc> {
  const rtspPort = await freeTcpPort();
  const whole = {
    api: { listen: '127.0.0.1:0' },
    rtsp: { listen: `127.0.0.1:${rtspPort}`, ...extra.rtsp },
    webrtc: { listen: '' },
    streams: extra.streams ?? {},
  };
  const { config } = loadConfigText(JSON.stringify(whole), { env: {} });
  const sink = logLines ? { write: (line: string) => void logLines.push(line) } : null;
  const logging = createLogging({ ...config.log, level: logLines ? 'debug' : 'error' }, sink);
  const server = await startServer({
    config,
    logging,
    hub: { idleStopMs: 200, retryDelaysMs: [200] },
    ...(extra.tuning ? { tuning: extra.tuning } : {}),
  });
  const port = server.addresses.http?.port ?? 0;
  return {
    server,
    rtspPort,
    apiUrl: `http://127.0.0.1:${port}`,
    rtspUrl: (path) => `rtsp://127.0.0.1:${rtspPort}/${path}`,
    stop: () => server.stop(),
  };
}
