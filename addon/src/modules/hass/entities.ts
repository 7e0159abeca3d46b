import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { lazy } from '../../core/lazy.js';
import type { Connection } from './ha-connection.js';
import { HassError } from './errors.js';

/** How to reach Home Assistant's own API for camera entities. */
export interface HassApiAccess {
  /** `ws://supervisor/core/websocket` in the add-on, `<hass.url>/api/websocket` standalone. */
  readonly wsUrl: string;
  /** The Supervisor's token, or a long-lived access token. */
  readonly token: string;
  /** Where the relative URLs Home Assistant hands out (`/api/hls/<token>/master_playlist.m3u8`) are fetched. */
  readonly httpBase: string;
}

/**
 * `hass.url` + `hass.token` (standalone) win; else, in the add-on (`SUPERVISOR_TOKEN`), the Supervisor's Core
 * WebSocket, with HLS fetched from Core itself at `http://homeassistant:8123` (its hostname on the Supervisor
 * network; the HLS links carry their own token, so no header is needed). `TS2RTC_SUPERVISOR_URL` and
 * `TS2RTC_HASS_HTTP` point both elsewhere (tests, development).
 */
export function hassApiAccess(
  config: { url?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv,
): HassApiAccess | undefined {
  const url = config.url?.trim().replace(/\/+$/, '');
  if (url && config.token)
    return { wsUrl: `${url.replace(/^http/i, 'ws')}/api/websocket`, token: config.token, httpBase: url };
  const supervisorToken = env.SUPERVISOR_TOKEN;
  if (!supervisorToken) return undefined;
  const supervisor = (env.TS2RTC_SUPERVISOR_URL ?? 'http://supervisor').replace(/\/+$/, '');
  return {
    wsUrl: `${supervisor.replace(/^http/i, 'ws')}/core/websocket`,
    token: supervisorToken,
    httpBase: (env.TS2RTC_HASS_HTTP ?? 'http://homeassistant:8123').replace(/\/+$/, ''),
  };
}

// The client library and `ws` load with the first camera entity played, not at start.
const haConnection = lazy(() => import('./ha-connection.js'));

/**
 * Camera entities through Home Assistant: one WebSocket connection (home-assistant-js-websocket, which keeps
 * it up and re-authenticates), opened on first use. `streamUrl` asks `camera/stream` for the entity's HLS
 * playlist (Home Assistant's stream integration; every camera that can stream has it) and returns it absolute.
 */
export class HassEntities {
  private connection: Promise<Connection> | undefined;

  constructor(
    private readonly access: HassApiAccess,
    private readonly log: Logger,
  ) {}

  async streamUrl(entityId: string): Promise<string> {
    const connection = await this.connect();
    let result: unknown;
    try {
      result = await connection.sendMessagePromise({ type: 'camera/stream', entity_id: entityId, format: 'hls' });
    } catch (err) {
      const message =
        typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : errorMessage(err);
      throw new HassError('HASS_ENTITY_FAILED', `${entityId}: camera/stream: ${message}`);
    }
    const url =
      typeof result === 'object' && result !== null && 'url' in result && typeof result.url === 'string'
        ? result.url
        : undefined;
    if (!url) throw new HassError('HASS_ENTITY_FAILED', `${entityId}: camera/stream gave no url`);
    return new URL(url, `${this.access.httpBase}/`).href;
  }

  close(): void {
    const pending = this.connection;
    this.connection = undefined;
    void pending?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  private connect(): Promise<Connection> {
    if (!this.connection) {
      const opening = haConnection().then(async ({ connectHass, ERR_INVALID_AUTH }) => {
        try {
          const connection = await connectHass(this.access);
          this.log.info({ url: this.access.wsUrl, version: connection.haVersion }, 'hass: connected to Home Assistant');
          return connection;
        } catch (err) {
          this.connection = undefined;
          const reason = err === ERR_INVALID_AUTH ? 'the token was refused (auth_invalid)' : errorMessage(err);
          throw new HassError('HASS_API_UNAVAILABLE', `Home Assistant at ${this.access.wsUrl}: ${reason}`);
        }
      });
      this.connection = opening;
    }
    return this.connection;
  }
}
