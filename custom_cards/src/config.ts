/**
 * The card configuration: AlexxIT's WebRTC Camera keys taken as they are (so a dashboard switches by changing
 * only the resource), checked strictly (a misspelt key is named in the error instead of silently ignored),
 * and normalised into `CardConfig`. Pure: no DOM, unit-tested under node.
 */
import { CardConfigError } from './errors.js';

/** Player technologies, go2rtc's names. `webrtc/tcp` = WebRTC over ICE-TCP only. */
export const MODES = ['webrtc', 'webrtc/tcp', 'mse', 'hls', 'mp4', 'mjpeg'] as const;
export type Mode = (typeof MODES)[number];

export const MEDIA = ['video', 'audio', 'microphone'] as const;
export type Media = (typeof MEDIA)[number];

/** go2rtc's player default (video-rtc.js), also AlexxIT's card default. */
export const DEFAULT_MODE = 'webrtc,mse,hls,mjpeg';
export const DEFAULT_MEDIA = 'video,audio';
/** AlexxIT's default: stop when less than 75 % of the card is on screen. */
export const DEFAULT_INTERSECTION = 0.75;

export interface StreamConfig {
  /** Label of the stream switcher; AlexxIT's default `S<index>`. */
  name: string;
  /** go2rtc source: stream name or URL; empty = poster only (AlexxIT's "paused by default"). */
  url: string;
  /** Home Assistant camera entity (resolved by the integration). */
  entity: string;
  modes: Mode[];
  media: Media[];
}

export interface DigitalPtzOptions {
  mouse_drag_pan: boolean;
  mouse_wheel_zoom: boolean;
  mouse_double_click_zoom: boolean;
  touch_pinch_zoom: boolean;
  touch_drag_pan: boolean;
  touch_tap_drag_zoom: boolean;
  /** Keep zoom and position across reloads; a string is the storage key. */
  persist: boolean | string;
}

export const PTZ_DIRECTIONS = ['left', 'right', 'up', 'down', 'zoom_in', 'zoom_out', 'home'] as const;
export type PtzDirection = (typeof PTZ_DIRECTIONS)[number];
/** AlexxIT's phases: `data_X` on a click, `data_start_X`/`data_end_X` on press/release, `data_long_X` after 400 ms. */
export const PTZ_PHASES = ['', 'start_', 'end_', 'long_'] as const;

export interface PtzConfig {
  /** `domain.service`. */
  service: string;
  opacity: number;
  /** `data_<phase><direction>` → service data (may hold `${...}` templates). */
  data: Record<string, Record<string, unknown>>;
}

export interface ShortcutConfig {
  name: string;
  icon: string;
  service: string | undefined;
  service_data: Record<string, unknown>;
  more_info: string | undefined;
}

export interface CardConfig {
  streams: StreamConfig[];
  server: string | undefined;
  title: string;
  poster: string | undefined;
  /** The poster is an image URL (else a stream name or entity the server renders). */
  posterRemote: boolean;
  muted: boolean;
  /** Fraction of the card that must be on screen to stream; 0 = always stream. */
  intersection: number;
  /** Our own controls instead of the browser's. */
  ui: boolean;
  style: string;
  /** Keep streaming while the page is hidden. */
  background: boolean;
  /** null = `digital_ptz: false`. */
  digitalPtz: DigitalPtzOptions | null;
  ptz: PtzConfig | null;
  shortcuts: ShortcutConfig[];
  /** With `microphone` in media: start with the microphone muted (push-to-talk use). Ours; defaults to false. */
  microphoneMuted: boolean;
}

type Raw = Record<string, unknown>;

/** Keys Home Assistant's frontend (and popular add-ons like card-mod) put on any card. */
const LOVELACE_KEYS = ['type', 'view_layout', 'layout_options', 'grid_options', 'visibility', 'card_mod'];
const TOP_KEYS = [
  ...LOVELACE_KEYS,
  'url',
  'entity',
  'streams',
  'mode',
  'media',
  'server',
  'title',
  'poster',
  'poster_remote',
  'muted',
  'intersection',
  'ui',
  'style',
  'background',
  'mse',
  'webrtc',
  'digital_ptz',
  'ptz',
  'shortcuts',
  'microphone_muted',
];
const STREAM_KEYS = ['name', 'url', 'entity', 'mode', 'media'];
const SHORTCUT_KEYS = ['name', 'icon', 'service', 'service_data', 'more_info'];
const DIGITAL_PTZ_KEYS = [
  'mouse_drag_pan',
  'mouse_wheel_zoom',
  'mouse_double_click_zoom',
  'touch_pinch_zoom',
  'touch_drag_pan',
  'touch_tap_drag_zoom',
  'persist',
] as const;
const PTZ_DATA_KEYS = PTZ_PHASES.flatMap((phase) => PTZ_DIRECTIONS.map((d) => `data_${phase}${d}`));
const PTZ_KEYS = ['service', 'opacity', ...PTZ_DATA_KEYS];

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function invalid(key: string, expected: string, value: unknown): CardConfigError {
  return new CardConfigError(
    'CONFIG_INVALID_VALUE',
    `webrtc-camera: \`${key}\` must be ${expected}, not ${describe(value)}`,
    key,
  );
}

/** Names the first key not in `known` (with a near-miss hint when one is close). */
function checkKeys(raw: Raw, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const hint = closest(key, known);
    throw new CardConfigError(
      'CONFIG_UNKNOWN_KEY',
      `webrtc-camera: unknown key \`${path}\`${hint ? ` (did you mean \`${hint}\`?)` : ''}`,
      path,
    );
  }
}

/** The known key within edit distance 2 (and less than half the key's length), for the error message. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(key.length / 2));
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function optString(raw: Raw, key: string, path = key): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  // YAML turns `url: 1234` (a go2rtc stream named by digits) into a number; AlexxIT's card used it as text.
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw invalid(path, 'text', value);
  return value;
}

function optBool(raw: Raw, key: string, fallback: boolean, path = key): boolean {
  const value = raw[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalid(path, 'true or false', value);
  return value;
}

/** A comma list (`webrtc,mse`) or a YAML list, each item from `allowed`; duplicates dropped. */
function parseList<T extends string>(value: unknown, allowed: readonly T[], path: string): T[] {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw invalid(path, `a comma list of ${allowed.join(', ')}`, value);
  const out: T[] = [];
  for (const item of items) {
    const name = typeof item === 'string' ? item.trim().toLowerCase() : item;
    if (name === '') continue;
    if (!allowed.includes(name as T)) {
      throw new CardConfigError(
        'CONFIG_INVALID_VALUE',
        `webrtc-camera: \`${path}\` has unknown item ${JSON.stringify(item)} (known: ${allowed.join(', ')})`,
        path,
      );
    }
    if (!out.includes(name as T)) out.push(name as T);
  }
  if (out.length === 0) throw invalid(path, `a comma list of ${allowed.join(', ')}`, value);
  return out;
}

function parseServer(raw: Raw): string | undefined {
  const server = optString(raw, 'server');
  if (server === undefined || server.trim() === '') return undefined;
  const trimmed = server.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalid('server', 'a URL like http://192.168.1.123:1984/', server);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw invalid('server', 'an http(s) URL like http://192.168.1.123:1984/', server);
  }
  return trimmed;
}

function parseStreams(raw: Raw, modes: Mode[], media: Media[]): StreamConfig[] {
  const value = raw['streams'];
  const list: unknown[] =
    value === undefined || value === null ? [{ url: raw['url'], entity: raw['entity'] }] : (value as unknown[]);
  if (!Array.isArray(list) || list.length === 0) throw invalid('streams', 'a non-empty list', value);
  return list.map((item, index) => {
    const path = `streams[${index}]`;
    if (!isObject(item)) throw invalid(path, 'an object with url or entity', item);
    checkKeys(item, STREAM_KEYS, path);
    return {
      name: optString(item, 'name', `${path}.name`) ?? `S${index}`,
      url: optString(item, 'url', `${path}.url`) ?? '',
      entity: optString(item, 'entity', `${path}.entity`) ?? '',
      modes: item['mode'] === undefined ? modes : parseList(item['mode'], MODES, `${path}.mode`),
      media: item['media'] === undefined ? media : parseList(item['media'], MEDIA, `${path}.media`),
    };
  });
}

function parseIntersection(raw: Raw): number {
  const value = raw['intersection'];
  if (value === undefined || value === null) return DEFAULT_INTERSECTION;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalid('intersection', 'a number from 0 to 1 (0 = always play)', value);
  }
  return value;
}

function parseDigitalPtz(raw: Raw): DigitalPtzOptions | null {
  const value = raw['digital_ptz'];
  const defaults: DigitalPtzOptions = {
    mouse_drag_pan: true,
    mouse_wheel_zoom: true,
    mouse_double_click_zoom: true,
    touch_pinch_zoom: true,
    touch_drag_pan: true,
    touch_tap_drag_zoom: true,
    persist: true,
  };
  if (value === false) return null;
  if (value === undefined || value === null || value === true) return defaults;
  if (!isObject(value)) throw invalid('digital_ptz', 'false or an object', value);
  checkKeys(value, DIGITAL_PTZ_KEYS, 'digital_ptz');
  const out = { ...defaults };
  for (const key of DIGITAL_PTZ_KEYS) {
    if (key === 'persist') {
      const persist = value['persist'];
      if (persist === undefined || persist === null) continue;
      if (typeof persist !== 'boolean' && typeof persist !== 'string')
        throw invalid('digital_ptz.persist', 'true, false or a key', persist);
      out.persist = persist;
    } else {
      out[key] = optBool(value, key, defaults[key], `digital_ptz.${key}`);
    }
  }
  return out;
}

function parsePtz(raw: Raw): PtzConfig | null {
  const value = raw['ptz'];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalid('ptz', 'an object with service and data_* keys', value);
  checkKeys(value, PTZ_KEYS, 'ptz');
  const service = optString(value, 'service', 'ptz.service');
  // AlexxIT's card shows no PTZ controls without a service; the keys are still checked.
  if (service !== undefined && service !== '' && !/^[a-z0-9_]+\.[a-z0-9_]+$/.test(service) && !service.includes('${')) {
    throw invalid('ptz.service', 'a service like onvif.ptz', service);
  }
  const opacityRaw = value['opacity'];
  let opacity = 0.4;
  if (opacityRaw !== undefined && opacityRaw !== null) {
    const parsed = typeof opacityRaw === 'string' ? Number.parseFloat(opacityRaw) : opacityRaw;
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
      throw invalid('ptz.opacity', 'a number from 0 to 1', opacityRaw);
    }
    opacity = parsed;
  }
  const data: Record<string, Record<string, unknown>> = {};
  for (const key of PTZ_DATA_KEYS) {
    const d = value[key];
    if (d === undefined || d === null) continue;
    if (!isObject(d)) throw invalid(`ptz.${key}`, 'an object of service data', d);
    data[key] = d;
  }
  if (!service) return null;
  return { service, opacity, data };
}

function parseShortcuts(raw: Raw): ShortcutConfig[] {
  const value = raw['shortcuts'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('shortcuts', 'a list', value);
  return value.map((item: unknown, index) => {
    const path = `shortcuts[${index}]`;
    if (!isObject(item)) throw invalid(path, 'an object with name, icon and service', item);
    checkKeys(item, SHORTCUT_KEYS, path);
    const service = optString(item, 'service', `${path}.service`);
    const data = item['service_data'];
    if (data !== undefined && data !== null && !isObject(data))
      throw invalid(`${path}.service_data`, 'an object', data);
    return {
      name: optString(item, 'name', `${path}.name`) ?? '',
      icon: optString(item, 'icon', `${path}.icon`) ?? 'mdi:gesture-tap-button',
      service,
      service_data: isObject(data) ? data : {},
      more_info: optString(item, 'more_info', `${path}.more_info`),
    };
  });
}

/**
 * Parses and checks a card config. Throws `CardConfigError` (the message is what the user sees in Home
 * Assistant's error card; `key` names the bad key).
 */
export function parseConfig(raw: unknown): CardConfig {
  if (!isObject(raw))
    throw new CardConfigError('CONFIG_NOT_OBJECT', 'webrtc-camera: the card config must be an object', '');
  checkKeys(raw, TOP_KEYS, '');
  const url = optString(raw, 'url');
  const entity = optString(raw, 'entity');
  if (raw['streams'] === undefined && !url && !entity) {
    throw new CardConfigError('CONFIG_MISSING_SOURCE', 'webrtc-camera: missing `url` or `entity` or `streams`', 'url');
  }
  // AlexxIT's shorthands: `mse: false` = WebRTC only, `webrtc: false` = MSE only (an explicit `mode` wins).
  const mse = optBool(raw, 'mse', true);
  const webrtc = optBool(raw, 'webrtc', true);
  const modeValue = raw['mode'] ?? (!mse ? 'webrtc' : !webrtc ? 'mse' : DEFAULT_MODE);
  const modes = parseList(modeValue, MODES, 'mode');
  const media = parseList(raw['media'] ?? DEFAULT_MEDIA, MEDIA, 'media');
  const poster = optString(raw, 'poster');
  const style = raw['style'];
  if (style !== undefined && style !== null && typeof style !== 'string') throw invalid('style', 'CSS text', style);
  const title = optString(raw, 'title') ?? '';
  return {
    streams: parseStreams(raw, modes, media),
    server: parseServer(raw),
    title,
    poster: poster || undefined,
    posterRemote: optBool(raw, 'poster_remote', !!poster && (poster.indexOf('://') > 0 || poster.startsWith('/'))),
    muted: optBool(raw, 'muted', false),
    intersection: parseIntersection(raw),
    ui: optBool(raw, 'ui', false),
    style: typeof style === 'string' ? style : '',
    background: optBool(raw, 'background', false),
    digitalPtz: parseDigitalPtz(raw),
    ptz: parsePtz(raw),
    shortcuts: parseShortcuts(raw),
    microphoneMuted: optBool(raw, 'microphone_muted', false),
  };
}

/** The config the card picker starts from (AlexxIT's stub is `{url: ''}`, which our checks refuse). */
export function stubConfig(): Record<string, unknown> {
  return { url: 'demo' };
}
