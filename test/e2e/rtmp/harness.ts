import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import type { ModuleTuning } from '../../../addon/src/app.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { freeTcpPort } from '../../peers/ports.js';

export interface RunningTs2rtc {
  server: Server;
  rtspPort: number;
  rtmpPort: number;
  apiUrl: string;
  rtspUrl(path: string): string;
  rtmpUrl(path: string): string;
  stop(): Promise<void>;
}

/**
 * The real server (every module, as main.ts wires it) with the RTSP and RTMP servers on free loopback ports.
 */
export async function startTs2rtc(
  streams: Record<string, string | string[] | null>,
  extra: { rtsp?: Record<string, unknown>; webrtc?: Record<string, unknown>; tuning?: ModuleTuning } = {},
  logLines?: string[],
): Promise<RunningTs2rtc> {
  const rtspPort = await freeTcpPort();
  const rtmpPort = await freeTcpPort();
  const whole = {
    api: { listen: '127.0.0.1:0' },
    rtsp: { listen: `127.0.0.1:${rtspPort}`, ...extra.rtsp },
    rtmp: { listen: `127.0.0.1:${rtmpPort}` },
    webrtc: extra.webrtc ?? { listen: '' },
    streams,
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
    rtmpPort,
    apiUrl: `http://127.0.0.1:${port}`,
    rtspUrl: (path) => `rtsp://127.0.0.1:${rtspPort}/${path}`,
    rtmpUrl: (path) => `rtmp://127.0.0.1:${rtmpPort}/${path}`,
    stop: () => server.stop(),
  };
}
