import {
  boolean,
  nullableList,
  object,
  oneOf,
  oneOrMany,
  optional,
  port,
  record,
  string,
  transform,
  list,
  unsupported,
} from './dsl.js';
import type { CheckResult, Infer, Schema } from './dsl.js';
import { setOwn } from './tree.js';
import { LOG_LEVELS } from './types.js';
import type { Config, LogLevelName } from './types.js';

export type * from './types.js';
export { LOG_LEVELS } from './types.js';

/**
 * The ts2rtc config schema: go2rtc's keys and defaults (internal/*\/*.go `yaml:` tags, www/schema.json,
 * internal/app/README.md at go2rtc dc1685e), plus the `ts2rtc:` section for settings go2rtc lacks.
 */

const DEFAULT_ICE_SERVERS = [
  { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302'], username: '', credential: '' },
];

// go2rtc passes these to net.Listen: "[host]:port"; webrtc also takes a "/tcp" or "/udp" suffix.
const LISTEN = /^(\[[0-9A-Za-z:.%]*\]|[^\s:[\]/]*):(\d{1,5})$/;

function listenAddress(opts: { network?: boolean } = {}): (value: string) => CheckResult {
  return (value) => {
    if (value === '') return undefined;
    let address = value;
    if (opts.network) {
      const slash = value.lastIndexOf('/');
      if (slash >= 0) {
        const network = value.slice(slash + 1);
        if (network !== 'tcp' && network !== 'udp') {
          return { error: `expected a network suffix /tcp or /udp, got ${JSON.stringify(value)}` };
        }
        address = value.slice(0, slash);
      }
    }
    const m = LISTEN.exec(address);
    if (!m || Number(m[2]) > 65535) {
      return {
        error: `expected an address like ":1984" or "127.0.0.1:1984" ("" disables), got ${JSON.stringify(value)}`,
      };
    }
    return undefined;
  };
}

const listen = (def: string, opts: { network?: boolean } = {}): Schema<string> =>
  string({ default: def, check: listenAddress(opts) });

const allowPaths = () => nullableList(string());

const api = object({
  listen: listen(':1984'),
  username: string(),
  password: string(),
  local_auth: boolean(),
  base_path: string(),
  static_dir: string(),
  origin: string(),
  tls_listen: listen(''),
  tls_cert: string(),
  tls_key: string(),
  unix_listen: string(),
  allow_paths: allowPaths(),
});

const rtsp = object({
  listen: listen(':8554'),
  username: string(),
  password: string(),
  default_query: string({ default: 'video&audio' }),
  pkt_size: optional(port()),
});

const iceServer = object({
  urls: oneOrMany(string({ expected: 'a URL string', strict: true })),
  username: string(),
  credential: string(),
});

const webrtc = object({
  listen: listen(':8555', { network: true }),
  candidates: list(string()),
  ice_servers: list(iceServer, { default: DEFAULT_ICE_SERVERS }),
  filters: object({
    candidates: nullableList(string()),
    loopback: boolean(),
    interfaces: nullableList(string()),
    ips: nullableList(string()),
    networks: nullableList(oneOf(['tcp4', 'tcp6', 'udp4', 'udp6'])),
    udp_ports: nullableList(port(), {
      check: (ports) =>
        ports.length === 2 && (ports[0] ?? 0) <= (ports[1] ?? 0)
          ? undefined
          : { error: 'expected two port numbers [min, max]' },
    }),
  }),
});

const homekitEntry = object({
  pin: string(),
  name: string(),
  device_id: string(),
  device_private: string(),
  category_id: string(),
  pairings: nullableList(string()),
});

const LOG_OUTPUT = /^(|stdout|stderr|file(:.+)?)$/;
// zerolog.TimeFieldFormat values go2rtc documents; any other Go layout is read as UNIXMS with a warning.
const LOG_TIMES = [
  '',
  'UNIXMS',
  'UNIXMICRO',
  'UNIXNANO',
  '2006-01-02T15:04:05Z07:00',
  '2006-01-02T15:04:05.999999999Z07:00',
];

// "" is accepted as "not set" (go2rtc's zerolog reads it as NoLevel, which logs next to nothing).
const level = oneOf([...LOG_LEVELS, ''], {
  default: '',
  caseInsensitive: true,
  expected: `one of ${LOG_LEVELS.join(', ')}`,
});

const log = transform(
  object(
    {
      level,
      format: oneOf(['', 'color', 'text', 'json'], { default: '' }),
      output: string({
        default: 'stdout',
        check: (v) =>
          LOG_OUTPUT.test(v)
            ? undefined
            : { error: `expected stdout, stderr, "", file or file:<path>, got ${JSON.stringify(v)}` },
      }),
      time: string({
        default: 'UNIXMS',
        check: (v) =>
          LOG_TIMES.includes(v)
            ? undefined
            : { warning: `time layout ${JSON.stringify(v)} is not supported; using UNIXMS` },
      }),
    },
    { rest: { key: 'modules', schema: level } },
  ),
  (v) => {
    const modules: Record<string, LogLevelName> = {};
    for (const [name, lvl] of Object.entries(v.modules)) if (lvl !== '') setOwn(modules, name, lvl);
    return {
      level: v.level === '' ? 'info' : v.level,
      format: v.format,
      output: v.output,
      time: LOG_TIMES.includes(v.time) ? v.time : 'UNIXMS',
      modules,
    };
  },
);

const urls = () => oneOrMany(string({ expected: 'a URL string', strict: true }));

export const configSchema = object({
  api,
  app: object({ modules: nullableList(string()) }),
  rtsp,
  webrtc,
  streams: record(urls()),
  publish: record(urls()),
  preload: record(string()),
  ffmpeg: record(string(), { defaults: { bin: 'ffmpeg' } }),
  // url + token: Home Assistant's API for camera entities (hass:camera.x) outside the add-on.
  hass: object({ config: string(), url: string(), token: string() }),
  homekit: record(homekitEntry),
  ngrok: object({ command: string() }),
  log,
  srtp: object({ listen: listen(':8443') }),
  rtmp: object({ listen: listen('') }),
  env: record(string()),
  exec: object({ allow_paths: allowPaths() }),
  echo: object({ allow_paths: allowPaths() }),
  ts2rtc: object({ allow_insecure_api_sources: boolean() }),
  // go2rtc sections ts2rtc does not implement: a go2rtc config with them must still start.
  pinggy: unsupported('the pinggy module'),
  webtorrent: unsupported('the webtorrent module'),
  wyoming: unsupported('the wyoming module'),
  wyze: unsupported('the wyze source'),
  xiaomi: unsupported('the xiaomi source'),
});

type UnsupportedKeys = 'pinggy' | 'webtorrent' | 'wyoming' | 'wyze' | 'xiaomi';

/** `configSchema`'s output without the ignored go2rtc sections. */
export function stripUnsupported(parsed: Infer<typeof configSchema>): Config {
  const { pinggy: _p, webtorrent: _w, wyoming: _y, wyze: _z, xiaomi: _x, ...config } = parsed;
  return config;
}

// Compile-time: the schema produces exactly `Config` (assignable both ways), so neither can drift.
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesConfig: Mutual<Omit<Infer<typeof configSchema>, UnsupportedKeys>, Config> = true;
void schemaMatchesConfig;
