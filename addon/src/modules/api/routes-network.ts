import type { Config } from '../../config/types.js';
import { errorMessage } from '../../core/errors.js';
import { hostAddresses } from '../webrtc/addresses.js';
import { webrtcSettings } from '../webrtc/config.js';
import { sendJson, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';
import type { ApiAddresses } from './server.js';

/** One ICE server as the network page shows it: the credential never leaves the server. */
interface IceServerView {
  urls: string[];
  username: string;
  credential: string;
}

/**
 * `GET /api/network` (ts2rtc, read-only): what the network page shows. The listen addresses as configured
 * and as bound, and for WebRTC the candidates in effect: the configured `webrtc.candidates` (first = highest
 * priority; `stun:PORT` is resolved through STUN at each offer, not here: this endpoint sends nothing
 * anywhere), the host addresses advertised on the shared TCP and UDP ports after `webrtc.filters`, and the
 * ICE servers with credentials masked.
 */
export function registerNetworkRoutes(routes: RouteTable, config: Config, bound: () => ApiAddresses): void {
  routes.add('GET', 'api/network', (ctx: ApiContext) => {
    sendJson(ctx, networkView(config, bound()));
  });
}

export function networkView(config: Config, bound: ApiAddresses): Record<string, unknown> {
  const api = {
    listen: config.api.listen,
    tls_listen: config.api.tls_listen,
    unix_listen: config.api.unix_listen,
    base_path: config.api.base_path,
    bound: { http: bound.http ?? null, tls: bound.tls ?? null, unix: bound.unix ?? null },
  };
  let webrtc: Record<string, unknown>;
  try {
    const settings = webrtcSettings(config.webrtc);
    webrtc = {
      listen: config.webrtc.listen,
      tcp_port: settings.tcp?.port ?? null,
      udp_port: settings.udp?.port ?? null,
      candidates: config.webrtc.candidates,
      host_addresses: settings.tcp ? hostAddresses(settings) : [],
      udp_host_addresses: settings.udp ? hostAddresses(settings, 'udp') : [],
      ice_servers: settings.iceServers.map((s): IceServerView => ({
        urls: [...s.urls],
        username: s.username,
        credential: s.credential ? '***' : '',
      })),
      filters: config.webrtc.filters,
      error: null,
    };
  } catch (err) {
    webrtc = { listen: config.webrtc.listen, candidates: config.webrtc.candidates, error: errorMessage(err) };
  }
  return {
    api,
    rtsp: { listen: config.rtsp.listen, default_query: config.rtsp.default_query },
    webrtc,
    srtp: { listen: config.srtp.listen },
    rtmp: { listen: config.rtmp.listen },
  };
}
