/**
 * The validated ts2rtc config, after defaults. Keys keep go2rtc's YAML spelling (snake_case) so that a
 * module author can read go2rtc's docs and this type side by side. `schema.ts` builds this from YAML, and a
 * compile-time check there keeps the two in step.
 */

/** zerolog's level names, which go2rtc accepts (case-insensitive). `panic` acts as `fatal` here. */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'panic' | 'disabled';
export const LOG_LEVELS: readonly LogLevelName[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'panic',
  'disabled',
];

/** "" picks colour on a terminal and plain text elsewhere (go2rtc's default); json is one object a line. */
export type LogFormat = '' | 'color' | 'text' | 'json';

export interface ApiConfig {
  /** HTTP API and web UI; "" disables it. Defaults to ":1984". */
  listen: string;
  /** HTTP Basic auth; both empty (the default) means no auth. */
  username: string;
  password: string;
  /** Also ask loopback and unix-socket clients for credentials. Defaults to false. */
  local_auth: boolean;
  /** Prefix for every `api/...` path, e.g. "/go2rtc". Defaults to "". */
  base_path: string;
  /** Serve the web UI from this folder instead of the built-in one. Defaults to "". */
  static_dir: string;
  /** "*" enables CORS and accepts WebSockets from any origin. Defaults to "". */
  origin: string;
  /** HTTPS listener, used only when tls_cert and tls_key are set too. Defaults to "". */
  tls_listen: string;
  /** PEM text or a file path, as go2rtc. */
  tls_cert: string;
  tls_key: string;
  /** Unix socket path. Defaults to "". */
  unix_listen: string;
  /** Only these API paths are registered; null (the default) registers all. */
  allow_paths: string[] | null;
}

export interface AppConfig {
  /** Modules to start; null (the default) starts all. */
  modules: string[] | null;
}

export interface RtspConfig {
  /** Defaults to ":8554"; "" disables the RTSP server. */
  listen: string;
  username: string;
  password: string;
  /** Tracks a client gets when its URL has no query. Defaults to "video&audio". */
  default_query: string;
  /** Maximum RTP packet size for RTSP clients; undefined means the module's own default. */
  pkt_size: number | undefined;
}

export interface IceServer {
  /** A single string in the YAML is read as a one-item list. */
  urls: string[];
  username: string;
  credential: string;
}

export type WebrtcNetwork = 'tcp4' | 'tcp6' | 'udp4' | 'udp6';

/** Every list here is null when not set, which means "no filter" (an empty list filters out everything). */
export interface WebrtcFilters {
  candidates: string[] | null;
  loopback: boolean;
  interfaces: string[] | null;
  ips: string[] | null;
  networks: WebrtcNetwork[] | null;
  /** [min, max] range for random UDP ports. */
  udp_ports: number[] | null;
}

export interface WebrtcConfig {
  /** Fixed TCP+UDP port, ":8555/tcp" or ":8555/udp" for one network, "" for random UDP ports only. Defaults to ":8555". */
  listen: string;
  /** Extra host candidates "host:port", or "stun:port" for the public address found by STUN. */
  candidates: string[];
  /** Defaults to Cloudflare's and Google's public STUN servers; [] or null disables them. */
  ice_servers: IceServer[];
  filters: WebrtcFilters;
}

export interface HomekitEntry {
  /** "" means the module's default PIN (go2rtc: 19550224). */
  pin: string;
  name: string;
  device_id: string;
  device_private: string;
  category_id: string;
  pairings: string[] | null;
}

export interface LogConfig {
  /** Defaults to "info". */
  level: LogLevelName;
  /** Defaults to "". */
  format: LogFormat;
  /** "stdout" (default), "stderr", "" (memory only, for /api/log), "file" or "file:<path>". */
  output: string;
  /** "UNIXMS" (default), "UNIXMICRO", "UNIXNANO", an RFC 3339 Go layout, or "" for no timestamps. */
  time: string;
  /** Every other key under `log:` is a module name with its own level, e.g. `api: trace`. */
  modules: Record<string, LogLevelName>;
}

export interface AllowPathsConfig {
  /** Only these executables may run; null (the default) allows any. */
  allow_paths: string[] | null;
}

/** Settings go2rtc does not have. Kept under their own key so they can never clash with a future go2rtc key. */
export interface Ts2rtcConfig {
  /**
   * Allow command-running sources (exec:, echo:, expr:) in streams created through the API, WebSocket or
   * RTSP publish, not just in the config file. go2rtc always refuses them there. Defaults to false.
   */
  allow_insecure_api_sources: boolean;
}

export interface Config {
  api: ApiConfig;
  app: AppConfig;
  rtsp: RtspConfig;
  webrtc: WebrtcConfig;
  /** Stream name → source URLs in order. A single URL or null in the YAML is read as a list. */
  streams: Record<string, string[]>;
  /** Stream name → destination URLs (rtmp://...) to push to at startup. */
  publish: Record<string, string[]>;
  /** Stream name → probe query ("video&audio" when empty) to keep connected. */
  preload: Record<string, string>;
  /** Template name → ffmpeg arguments, over the ffmpeg module's built-in presets. `bin` defaults to "ffmpeg". */
  ffmpeg: { bin: string } & Record<string, string>;
  hass: { config: string; url: string; token: string };
  /** Stream name → HomeKit server settings. */
  homekit: Record<string, HomekitEntry>;
  ngrok: { command: string };
  log: LogConfig;
  /** SRTP server for HomeKit cameras. Defaults to ":8443". */
  srtp: { listen: string };
  /** RTMP server; "" (the default) disables it. */
  rtmp: { listen: string };
  /** Values for `${NAME}` substitution, also settable through the API. */
  env: Record<string, string>;
  exec: AllowPathsConfig;
  echo: AllowPathsConfig;
  ts2rtc: Ts2rtcConfig;
}
