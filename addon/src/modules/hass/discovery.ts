import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';

/** The discovery service name, as in addon/config.yaml `discovery:` and the integration's manifest. */
export const DISCOVERY_SERVICE = 'ts2rtc';

export interface SupervisorAccess {
  /** `http://supervisor` inside an add-on. */
  readonly url: string;
  readonly token: string;
}

/**
 * The Supervisor as an add-on sees it: `SUPERVISOR_TOKEN` set by the Supervisor, at `http://supervisor`.
 * `TS2RTC_SUPERVISOR_URL` points elsewhere (tests, development); without a token there is no Supervisor.
 */
export function supervisorFromEnv(env: NodeJS.ProcessEnv): SupervisorAccess | undefined {
  const token = env.SUPERVISOR_TOKEN;
  if (!token) return undefined;
  return { url: (env.TS2RTC_SUPERVISOR_URL ?? 'http://supervisor').replace(/\/+$/, ''), token };
}

/** What Home Assistant's config flow receives as `discovery_info.config`. */
export interface DiscoveryConfig {
  /** How Home Assistant reaches the add-on: its Supervisor hostname (`<repo>-ts2rtc`). */
  host: string;
  /** The API port (1984 unless `api.listen` says otherwise). */
  port: number;
  /** The add-on's name, for the config entry's title. */
  addon: string;
}

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000, 60_000];
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Announces the running server to Home Assistant through the Supervisor (`POST /discovery` with
 * `{"service":"ts2rtc","config":{host,port,addon}}`, answer `{"result":"ok","data":{"uuid"}}`), so the
 * integration's `async_step_hassio` offers to set it up; withdraws it (`DELETE /discovery/<uuid>`) at stop.
 * A Supervisor that is not reachable yet is retried with backoff; nothing here delays or stops the server.
 */
export class SupervisorDiscovery {
  private uuid: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly supervisor: SupervisorAccess,
    private readonly log: Logger,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Starts announcing `port`; returns at once. */
  announce(port: number): void {
    void this.attempt(port, 0);
  }

  async withdraw(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const uuid = this.uuid;
    this.uuid = undefined;
    if (!uuid) return;
    try {
      await this.request('DELETE', `/discovery/${encodeURIComponent(uuid)}`);
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'discovery: withdraw failed');
    }
  }

  private async attempt(port: number, tries: number): Promise<void> {
    if (this.stopped) return;
    try {
      const self = await this.selfInfo();
      const config: DiscoveryConfig = { host: self.hostname, port, addon: self.name };
      const data = await this.request('POST', '/discovery', { service: DISCOVERY_SERVICE, config });
      const uuid = typeof data?.uuid === 'string' ? data.uuid : undefined;
      if (!uuid) throw new Error('answer without data.uuid');
      if (this.stopped) {
        this.uuid = uuid;
        await this.withdraw();
        return;
      }
      this.uuid = uuid;
      this.log.info(
        { service: DISCOVERY_SERVICE, host: config.host, port, uuid },
        'discovery: announced to Home Assistant',
      );
    } catch (err) {
      const delay = this.retryDelaysMs[Math.min(tries, this.retryDelaysMs.length - 1)] ?? 60_000;
      this.log.warn(
        { code: 'SUPERVISOR_DISCOVERY_FAILED', err: errorMessage(err), retryMs: delay },
        'discovery: cannot announce to the Supervisor',
      );
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.attempt(port, tries + 1), delay);
      this.timer.unref();
    }
  }

  /** The add-on's hostname and name from `/addons/self/info`; the container's hostname when that fails. */
  private async selfInfo(): Promise<{ hostname: string; name: string }> {
    try {
      const data = await this.request('GET', '/addons/self/info');
      const host = typeof data?.hostname === 'string' && data.hostname !== '' ? data.hostname : hostname();
      const name = typeof data?.name === 'string' && data.name !== '' ? data.name : DISCOVERY_SERVICE;
      return { hostname: host, name };
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'discovery: no add-on info; using the container hostname');
      return { hostname: hostname(), name: DISCOVERY_SERVICE };
    }
  }

  /** One Supervisor API call; its `data` on `{"result":"ok"}`, else an error with the Supervisor's message. */
  private async request(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
    const res = await fetch(`${this.supervisor.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.supervisor.token}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    const record = isRecord(json) ? json : undefined;
    if (!res.ok || record?.result !== 'ok') {
      const message = typeof record?.message === 'string' ? record.message : text.slice(0, 200);
      throw new Error(`${method} ${path}: ${res.status} ${message}`);
    }
    return isRecord(record.data) ? record.data : undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
