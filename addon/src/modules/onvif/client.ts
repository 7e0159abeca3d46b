import http from 'node:http';
import { maskCredentials } from '../../core/creds.js';
import {
  DEFAULT_DEVICE_PATH,
  DEFAULT_MEDIA_PATH,
  GET_CAPABILITIES,
  GET_DEVICE_INFORMATION,
  GET_PROFILES,
  GET_SERVICES,
  GET_SYSTEM_DATE_AND_TIME,
  MAX_XML_BYTES,
  OnvifError,
  buildEnvelope,
  getStreamUri,
  parseDeviceInformation,
  parseFault,
  parseMediaXAddr,
  parseProfiles,
  parseServicesMediaXAddr,
  parseStreamUri,
  parseSystemDateAndTime,
  selectProfile,
  usernameToken,
  describeFault,
  isAuthFault,
  type DeviceInformation,
  type MediaProfile,
} from '../../pkg/onvif/index.js';

/** go2rtc's is effectively unbounded; a camera that accepts and never answers must not hold a stream start. */
export const REQUEST_TIMEOUT_MS = 5000;

/** An `onvif://user:pass@host[:port][/device path][?subtype=N]` URL, read once. */
export interface OnvifTarget {
  /** `host:port` as written (the port defaults to 80). */
  readonly host: string;
  readonly username: string;
  readonly password: string;
  /** The device service path: the URL's path, else `/onvif/device_service`. */
  readonly devicePath: string;
  /** `?subtype=`: a profile index (0 = main) or a profile token; null when absent. */
  readonly subtype: string | null;
}

export function parseOnvifUrl(raw: string): OnvifTarget {
  let url: URL;
  try {
    // Parsed as http: WHATWG URL treats onvif: as opaque-ish (no default port, odd host rules).
    url = new URL(raw.replace(/^onvif:/i, 'http:'));
  } catch {
    throw new OnvifError('ONVIF_URL_INVALID', `not a valid URL: ${maskCredentials(raw).slice(0, 200)}`);
  }
  if (!/^onvif:\/\//i.test(raw) || url.hostname === '')
    throw new OnvifError(
      'ONVIF_URL_INVALID',
      `expected onvif://user:pass@host[:port]: ${maskCredentials(raw).slice(0, 200)}`,
    );
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return {
    host: url.host,
    username: decode(url.username),
    password: decode(url.password),
    devicePath: url.pathname && url.pathname !== '/' ? url.pathname : DEFAULT_DEVICE_PATH,
    subtype: url.searchParams.get('subtype'),
  };
}

/** The path of a service address (`http://192.168.1.5/onvif/Media` → `/onvif/Media`), else `fallback`. */
function servicePath(xaddr: string | undefined, fallback: string): string {
  if (!xaddr) return fallback;
  try {
    const path = new URL(xaddr).pathname;
    return path && path !== '/' ? path : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The client side of the device and media services, as go2rtc 1.x uses them: GetCapabilities (GetServices
 * when that names no media service) for the media service, GetProfiles, GetStreamUri. Every request carries a
 * WS-Security UsernameToken with a password digest when the URL has a user. Services are reached on the
 * host and port of the URL the user wrote with the path the device advertises: behind NAT or a port forward
 * the device's own idea of its address is often wrong, its paths are not.
 */
export class OnvifClient {
  private constructor(
    readonly target: OnvifTarget,
    readonly mediaPath: string,
    private readonly options: SoapOptions,
  ) {}

  static async connect(target: OnvifTarget, timeoutMs = REQUEST_TIMEOUT_MS): Promise<OnvifClient> {
    const options: SoapOptions = { timeoutMs, clockOffsetMs: 0 };
    let capabilities: string;
    try {
      capabilities = await soapRequest(target, target.devicePath, GET_CAPABILITIES, options);
    } catch (err) {
      // A refused digest is often a device clock far from ours (the token's Created is checked against it):
      // ask the device its time, unauthenticated as the spec allows, and sign with that once more.
      if (!(err instanceof OnvifError) || err.code !== 'ONVIF_AUTH' || target.username === '') throw err;
      const offset = await deviceClockOffset(target, timeoutMs);
      if (offset === undefined || Math.abs(offset) < CLOCK_TOLERANCE_MS) throw err;
      options.clockOffsetMs = offset;
      capabilities = await soapRequest(target, target.devicePath, GET_CAPABILITIES, options);
    }
    let media = parseMediaXAddr(capabilities);
    if (media === undefined) {
      const services = await soapRequest(target, target.devicePath, GET_SERVICES, options).catch(() => '');
      media = parseServicesMediaXAddr(services);
    }
    return new OnvifClient(target, servicePath(media, DEFAULT_MEDIA_PATH), options);
  }

  /** How far the device's clock is ahead of ours (ms), when a refused token made us ask; 0 otherwise. */
  get clockOffsetMs(): number {
    return this.options.clockOffsetMs;
  }

  async deviceInformation(): Promise<DeviceInformation> {
    return parseDeviceInformation(
      await soapRequest(this.target, this.target.devicePath, GET_DEVICE_INFORMATION, this.options),
    );
  }

  async profiles(): Promise<MediaProfile[]> {
    return parseProfiles(await soapRequest(this.target, this.mediaPath, GET_PROFILES, this.options));
  }

  /** The RTSP URI of the profile `?subtype=` picks (the first when absent). */
  async streamUri(subtype: string | null = this.target.subtype): Promise<string> {
    // A token needs no GetProfiles; an index does.
    const token =
      subtype !== null && subtype !== '' && !/^\d+$/.test(subtype)
        ? subtype
        : selectProfile(await this.profiles(), subtype);
    return parseStreamUri(await soapRequest(this.target, this.mediaPath, getStreamUri(token), this.options));
  }
}

/** Below this the clock is not why a token was refused (the device's time has a 1 s resolution). */
const CLOCK_TOLERANCE_MS = 5000;

/** The device's clock minus ours, from an unsigned GetSystemDateAndTime; undefined when it does not say. */
async function deviceClockOffset(target: OnvifTarget, timeoutMs: number): Promise<number | undefined> {
  try {
    const before = Date.now();
    const answer = await soapRequest(
      { ...target, username: '', password: '' },
      target.devicePath,
      GET_SYSTEM_DATE_AND_TIME,
      { timeoutMs, clockOffsetMs: 0 },
    );
    const device = parseSystemDateAndTime(answer);
    return device === undefined ? undefined : device.getTime() - (before + Date.now()) / 2;
  } catch {
    return undefined;
  }
}

export interface SoapOptions {
  timeoutMs: number;
  /** Added to our clock for the UsernameToken's Created (the device's clock minus ours). */
  clockOffsetMs: number;
}

/** One SOAP POST; the answer's text, or ONVIF_AUTH / ONVIF_FAULT / ONVIF_HTTP / ONVIF_CONNECT / ONVIF_XML_INVALID. */
export function soapRequest(
  target: OnvifTarget,
  path: string,
  body: string,
  { timeoutMs, clockOffsetMs }: SoapOptions = { timeoutMs: REQUEST_TIMEOUT_MS, clockOffsetMs: 0 },
): Promise<string> {
  const token = target.username
    ? usernameToken(target.username, target.password, new Date(Date.now() + clockOffsetMs))
    : undefined;
  const payload = Buffer.from(buildEnvelope(body, token));
  const where = `http://${target.host}${path}`;
  return new Promise<string>((resolve, reject) => {
    const request = http.request(where, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/soap+xml; charset=utf-8',
        'Content-Length': payload.length,
        'User-Agent': 'ts2rtc',
      },
      agent: false,
    });
    const timer = setTimeout(
      () => request.destroy(new OnvifError('ONVIF_CONNECT', `${where}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.once('error', (err) => {
      clearTimeout(timer);
      reject(
        err instanceof OnvifError ? err : new OnvifError('ONVIF_CONNECT', `${where}: ${err.message}`, { cause: err }),
      );
    });
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_XML_BYTES) {
          request.destroy(new OnvifError('ONVIF_XML_INVALID', `${where}: answer larger than ${MAX_XML_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.once('end', () => {
        clearTimeout(timer);
        try {
          resolve(readAnswer(where, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      response.once('error', (err) => {
        clearTimeout(timer);
        reject(new OnvifError('ONVIF_CONNECT', `${where}: ${err.message}`, { cause: err }));
      });
    });
    request.end(payload);
  });
}

function readAnswer(where: string, status: number, text: string): string {
  // A fault decides whatever the status (cameras send them with 200, 400 or 500).
  const fault = parseFault(text);
  if (fault) {
    if (isAuthFault(fault))
      throw new OnvifError(
        'ONVIF_AUTH',
        `${where}: the device refused the user name or password (${describeFault(fault)})`,
      );
    throw new OnvifError('ONVIF_FAULT', `${where}: ${describeFault(fault)}`);
  }
  if (status === 401)
    throw new OnvifError('ONVIF_AUTH', `${where}: HTTP 401: the device refused the user name or password`);
  if (status !== 200) throw new OnvifError('ONVIF_HTTP', `${where}: HTTP ${status}`);
  if (!/<(\w+:)?Envelope[\s>]/.test(text))
    throw new OnvifError('ONVIF_XML_INVALID', `${where}: the answer is not a SOAP envelope`);
  return text;
}
