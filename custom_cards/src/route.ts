/**
 * Where the card's WebSocket goes, decided from what Home Assistant has loaded. Pure (no DOM).
 *
 * 1. The ts2rtc integration (`ts2rtc` in hass.config.components): its proxy `/api/ts2rtc/ws`, signed by
 *    Home Assistant (`auth/sign_path`), with AlexxIT's query (`url=` | `entity=`, optional `server=`).
 * 2. AlexxIT's WebRTC integration (`webrtc`): its proxy `/api/webrtc/ws`, the same way.
 * 3. No integration, `server:` set: straight to `<server>/api/ws?src=<url>` (the server must allow the
 *    dashboard's origin: `api: origin: "*"` in ts2rtc/go2rtc).
 */
import type { StreamConfig } from './config.js';
import { ConnectError } from './errors.js';

export const TS2RTC_WS_PATH = '/api/ts2rtc/ws';
export const WEBRTC_WS_PATH = '/api/webrtc/ws';

export type Route =
  { kind: 'proxy'; integration: 'ts2rtc' | 'webrtc'; path: string } | { kind: 'direct'; wsUrl: string };

/** Picks the route for one stream; throws ConnectError when none can work. */
export function chooseRoute(
  components: readonly string[] | undefined,
  stream: StreamConfig,
  server: string | undefined,
): Route {
  if (!stream.url && !stream.entity) {
    throw new ConnectError('CONNECT_NOTHING_TO_PLAY', 'nothing to play: this stream has no url or entity');
  }
  const loaded = components ?? [];
  if (loaded.includes('ts2rtc')) return { kind: 'proxy', integration: 'ts2rtc', path: TS2RTC_WS_PATH };
  if (loaded.includes('webrtc')) return { kind: 'proxy', integration: 'webrtc', path: WEBRTC_WS_PATH };
  if (stream.entity) {
    throw new ConnectError(
      'CONNECT_ENTITY_NEEDS_INTEGRATION',
      `entity ${stream.entity} needs the ts2rtc integration (or AlexxIT's WebRTC) to find the camera's stream; install it, or use url: with server:`,
    );
  }
  if (!server) {
    throw new ConnectError(
      'CONNECT_NO_SERVER',
      'no ts2rtc integration found: install it, or set server: to your ts2rtc/go2rtc address (e.g. http://192.168.1.10:1984)',
    );
  }
  return { kind: 'direct', wsUrl: directWsUrl(server, stream.url) };
}

/** `http://host:1984/` + `api/ws?src=..`, as ws(s). A path in `server` is kept (go2rtc's base_path). */
export function directWsUrl(server: string, src: string): string {
  const base = new URL(server.endsWith('/') ? server : `${server}/`);
  const url = new URL('api/ws', base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.searchParams.set('src', src);
  return url.toString();
}

/**
 * The proxy URL from a signed path: `<hass origin><path>?authSig=..&entity=..|&url=..[&server=..]`, as ws(s).
 * AlexxIT's card prefers `entity` when both are set.
 */
export function proxyWsUrl(absoluteSignedUrl: string, stream: StreamConfig, server: string | undefined): string {
  let url = absoluteSignedUrl.replace(/^http/, 'ws');
  const sep = url.includes('?') ? '&' : '?';
  url += stream.entity
    ? `${sep}entity=${encodeURIComponent(stream.entity)}`
    : `${sep}url=${encodeURIComponent(stream.url)}`;
  if (server) url += `&server=${encodeURIComponent(server)}`;
  return url;
}

/**
 * The poster image URL, or undefined. A remote poster is used as is; otherwise it names a camera entity or a
 * stream that the proxy renders (`&poster=`), or, direct, go2rtc's `api/frame.jpeg?src=`.
 */
export function posterUrl(
  poster: string | undefined,
  remote: boolean,
  route: Route,
  absoluteSignedUrl: string | undefined,
  server: string | undefined,
): string | undefined {
  if (!poster) return undefined;
  if (remote) return poster;
  if (route.kind === 'proxy' && absoluteSignedUrl) return `${absoluteSignedUrl}&poster=${encodeURIComponent(poster)}`;
  if (route.kind === 'direct' && server) {
    const url = new URL('api/frame.jpeg', new URL(server.endsWith('/') ? server : `${server}/`));
    url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
    url.searchParams.set('src', poster);
    return url.toString();
  }
  return undefined;
}
