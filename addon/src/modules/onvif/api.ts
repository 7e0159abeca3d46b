import { DEFAULT_DEVICE_PATH } from '../../pkg/onvif/index.js';
import { queryValue, sendJson, sendText, type ApiContext } from '../api/request.js';
import { OnvifClient, parseOnvifUrl } from './client.js';
import { discoverDevices, type DiscoveredDevice } from './discovery.js';

/** go2rtc's `api.Source`: what the add page lists. */
export interface ListedSource {
  readonly name: string;
  readonly url: string;
  readonly info?: string;
}

/**
 * A discovered device as go2rtc lists it: named by host, the URL with placeholder credentials for the user to
 * replace (`onvif://user:pass@192.168.1.5:8000`), the device path only when it is not the default one.
 */
export function discoveredSource(device: DiscoveredDevice): ListedSource | undefined {
  let url: URL;
  try {
    url = new URL(device.url);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  const path = url.pathname === DEFAULT_DEVICE_PATH || url.pathname === '/' ? '' : url.pathname;
  const info = `${device.name} ${device.hardware}`.trim();
  return { name: url.host, url: `onvif://user:pass@${url.host}${path}`, ...(info ? { info } : {}) };
}

/** A camera's profiles as sources: `<manufacturer model> stream<i>` → `<src>?subtype=<token>`, as go2rtc. */
export function profileSources(src: string, name: string, tokens: readonly string[]): ListedSource[] {
  const question = src.indexOf('?');
  const base = question < 0 ? src : src.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : src.slice(question + 1));
  return tokens.map((token, i) => {
    query.set('subtype', token);
    return { name: `${name} stream${i}`, url: `${base}?${query.toString()}` };
  });
}

function answerSources(ctx: ApiContext, sources: readonly ListedSource[]): void {
  if (sources.length === 0) {
    // go2rtc's `api.ResponseSources`: no sources is a plain-text 404.
    sendText(ctx, 'no sources\n');
    ctx.status = 404;
    return;
  }
  sendJson(ctx, { sources });
}

export interface OnvifApiOptions {
  /** How long discovery listens for answers; defaults to go2rtc's 5 s. */
  discoveryWaitMs?: number;
}

/**
 * `GET /api/onvif`: without `src`, WS-Discovery on the local network; with `src=onvif://user:pass@host`, that
 * camera's profiles (each a source URL with `?subtype=`). Errors come back typed (`ONVIF_AUTH` 401...).
 */
export function onvifApiHandler(options: OnvifApiOptions = {}): (ctx: ApiContext) => Promise<void> {
  // Requests during a discovery share it: each one would otherwise hold its own socket for the whole wait.
  let running: Promise<DiscoveredDevice[]> | undefined;
  return async (ctx) => {
    const src = queryValue(ctx, 'src');
    if (!src) {
      running ??= discoverDevices(options.discoveryWaitMs).finally(() => {
        running = undefined;
      });
      const devices = await running;
      answerSources(
        ctx,
        devices.map(discoveredSource).filter((s): s is ListedSource => s !== undefined),
      );
      return;
    }
    const client = await OnvifClient.connect(parseOnvifUrl(src));
    const info = await client.deviceInformation();
    const profiles = await client.profiles();
    const name = `${info.manufacturer} ${info.model}`.trim() || client.target.host;
    // The caller's own URL comes back (it typed the password); the log never sees it.
    answerSources(
      ctx,
      profileSources(
        src,
        name,
        profiles.map((p) => p.token),
      ),
    );
  };
}
