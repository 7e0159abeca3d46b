import type { App, Module } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import { BoundedLookup, PublicAddressResolver } from './addresses.js';
import { firstStunServer, webrtcSettings, type WebrtcSettings } from './config.js';
import { DEFAULT_PEER_TIMINGS, type PeerTimings } from './timings.js';
import type { WebrtcContext } from './session.js';
import { rtspToWebRtcHandler, webrtcRoute } from './signaling-http.js';
import { registerWsHandlers } from './signaling-ws.js';
import { TcpMux } from './tcp-mux.js';
import { UdpMux, type UdpFamily } from './udp-mux.js';

export type { WebRtcConsumer } from './consumer.js';
export type { PeerTimings } from './timings.js';
export { webrtcSettings } from './config.js';

export interface WebrtcModuleOptions {
  /** Peer timeouts; tests shorten them. */
  timings?: Partial<PeerTimings>;
  /** Use the faster AES-CM SRTP sender (srtp-fast.ts). Defaults to true; the bench compares both. */
  fastSrtp?: boolean;
}

export interface WebrtcModule {
  readonly settings: WebrtcSettings;
  /** The shared ICE-TCP port once started (the real one for `:0`); undefined when TCP is off. */
  readonly tcpPort: number | undefined;
  readonly mux: TcpMux | undefined;
  /** The shared UDP port once started (IPv4's, or IPv6's when only that is bound); undefined when UDP is per peer. */
  readonly udpPort: number | undefined;
  readonly udpMux: UdpMux | undefined;
}

/**
 * WebRTC output (go2rtc's `webrtc` module): `/api/ws` messages `webrtc/offer`, `webrtc`, `webrtc/candidate`,
 * `POST /api/webrtc` (JSON, WHEP, form, raw SDP), the RTSPtoWebRTC exchange, and one TCP and one UDP port
 * shared by every peer, opened at start. A port that cannot be bound is logged (code WEBRTC_LISTEN_FAILED)
 * and WebRTC goes on without it (TCP: UDP only; UDP: werift's random port per peer), as go2rtc does: the API
 * and every other output stay up.
 */
export function init(app: App): WebrtcModule {
  const options: WebrtcModuleOptions = app.tuning.webrtc ?? {};
  const api = app.module('api');
  const log = app.logger('webrtc');
  const settings = webrtcSettings(app.config.webrtc);
  const names = new BoundedLookup();
  const mux = settings.tcp ? new TcpMux(settings.tcp.host, settings.tcp.port, log) : undefined;
  const udpFamilies: UdpFamily[] = [
    ...(settings.networks.has('udp4') ? [4 as const] : []),
    ...(settings.networks.has('udp6') ? [6 as const] : []),
  ];
  const udpMux =
    settings.udp && udpFamilies.length > 0
      ? new UdpMux(settings.udp.host, settings.udp.port, udpFamilies, log)
      : undefined;
  let ready: Promise<void> | undefined;
  const ctx: { -readonly [K in keyof WebrtcContext]: WebrtcContext[K] } = {
    settings,
    mux,
    udpMux: undefined,
    publicAddress: new PublicAddressResolver(firstStunServer(settings.iceServers), undefined, undefined, names),
    names,
    log,
    timings: { ...DEFAULT_PEER_TIMINGS, ...options.timings },
    fastSrtp: false,
    // werift and our patches of it load at the first offer, not here (engine.ts: idle RSS).
    ready: () => (ready ??= patchWerift()),
  };
  async function patchWerift(): Promise<void> {
    if (options.fastSrtp ?? true) {
      const { installFastSrtp } = await import('./srtp-fast.js');
      const srtp = installFastSrtp();
      ctx.fastSrtp = srtp.ok;
      if (!srtp.ok) log.warn({ reason: srtp.reason }, 'fast SRTP sender not installed; werift encrypts');
    }
    const { installNativeX25519 } = await import('./native-x25519.js');
    const x25519 = installNativeX25519();
    if (!x25519.ok) log.warn({ reason: x25519.reason }, "native X25519 not installed; werift's DTLS uses tweetnacl");
    try {
      const { installTurnRefreshFix } = await import('./werift-shim.js');
      installTurnRefreshFix();
    } catch (err) {
      log.warn(
        { err: errorMessage(err) },
        'TURN refresh fix not installed: a peer that used TURN keeps a timer for minutes after it left',
      );
    }
  }
  registerWsHandlers(api.ws, app.streams, ctx);
  api.addRoute('*', 'api/webrtc', webrtcRoute(app.streams, ctx, api.basePath));
  api.setRtspToWebRtcHandler(rtspToWebRtcHandler(app.streams, ctx));
  api.registerErrorStatus('SDP_INVALID', 400);
  api.registerErrorStatus('SDP_LIMIT', 400);
  api.registerErrorStatus('WEBRTC_BAD_MESSAGE', 400);
  let started = false;
  let udpStarted = false;
  app.onStart(async () => {
    if (started || udpStarted) return;
    await Promise.all([startTcp(), startUdp()]);
  });
  async function startTcp(): Promise<void> {
    if (!mux) return;
    try {
      await mux.start();
    } catch (err) {
      log.error(
        { err: errorMessage(err), code: 'WEBRTC_LISTEN_FAILED' },
        'listen tcp failed; WebRTC continues over UDP only',
      );
      ctx.mux = undefined;
      return;
    }
    started = true;
    // go2rtc's line: `[webrtc] listen tcp addr=...` with the bound address.
    log.info({ addr: `${settings.tcp?.host ?? ''}:${mux.listeningPort}` }, 'listen tcp');
  }
  async function startUdp(): Promise<void> {
    if (!udpMux) return;
    try {
      const { failed } = await udpMux.start();
      for (const { family, error } of failed) {
        // A host (or container) without IPv6 says so at every start: not worth a warning.
        const unsupported = error.cause instanceof Error && Reflect.get(error.cause, 'code') === 'EAFNOSUPPORT';
        log[unsupported ? 'debug' : 'warn'](
          { err: error.message, code: error.code },
          `listen udp${family} failed; IPv${family} peers use a UDP port each`,
        );
      }
    } catch (err) {
      log.error(
        { err: errorMessage(err), code: 'WEBRTC_LISTEN_FAILED' },
        'listen udp failed; WebRTC peers use a UDP port each',
      );
      return;
    }
    udpStarted = true;
    ctx.udpMux = udpMux;
    log.info({ addr: `${settings.udp?.host ?? ''}:${udpMux.listeningPort(udpMux.boundFamilies[0])}` }, 'listen udp');
  }
  app.onStop(async () => {
    started = false;
    udpStarted = false;
    ctx.udpMux = undefined;
    await Promise.all([mux?.stop(), udpMux?.stop()]);
  });
  return {
    settings,
    mux,
    get tcpPort() {
      return started ? mux?.listeningPort : undefined;
    },
    get udpPort() {
      return udpStarted && udpMux ? udpMux.listeningPort(udpMux.boundFamilies[0]) : undefined;
    },
    get udpMux() {
      return udpStarted ? udpMux : undefined;
    },
  };
}

export const webrtc: Module<'webrtc'> = { name: 'webrtc', init };
