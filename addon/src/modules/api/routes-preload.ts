import type { ConnectionJson } from '../../core/connection.js';
import { CoreError, Ts2rtcError } from '../../core/errors.js';
import type { StreamHub } from '../streams/hub.js';
import type { Stream } from '../streams/stream.js';
import { ProbeConsumer, parseMediaQuery } from './probe.js';
import { queryParams, requireQuery, sendEmpty, sendJson } from './request.js';
import type { RouteTable } from './routes.js';

export interface PreloadPersistence {
  /** `undefined` removes the entry. */
  setPreload(name: string, query: string | undefined): Promise<void>;
}

interface Preload {
  readonly stream: Stream;
  readonly consumer: ProbeConsumer;
  readonly query: string;
}

/** go2rtc's JSON for one preload (`internal/streams/preload.go`); HA's client reads `query`. */
export interface PreloadJson {
  consumer: ConnectionJson;
  query: string;
}

/**
 * Streams kept connected with no viewer: each preload is a probe consumer (format `preload`) attached to the
 * stream, so the hub starts and keeps its sources, reconnecting them as for any consumer.
 */
export class PreloadRegistry {
  private readonly preloads = new Map<string, Preload>();

  constructor(private readonly hub: StreamHub) {}

  /**
   * Starts (or restarts with a new query) the preload of stream `name`. `query` is the probe query, e.g.
   * `video&audio` (the default when empty) or `video=h264`. Throws `STREAM_NOT_FOUND`, or the stream's own
   * error when no source could give the requested media.
   */
  async add(name: string, query: string): Promise<void> {
    const stream = this.hub.get(name);
    if (!stream) throw new CoreError('STREAM_NOT_FOUND', `streams: stream not found: ${name}`);
    this.remove(name);
    const consumer = new ProbeConsumer('preload', parseMediaQuery(new URLSearchParams(query || 'video&audio')));
    await stream.addConsumer(consumer);
    const preload: Preload = { stream, consumer, query };
    this.preloads.set(name, preload);
    // The stream was deleted or replaced: its consumers are stopped, and the preload goes with them.
    consumer.onClose.once(() => {
      if (this.preloads.get(name) === preload) this.preloads.delete(name);
    });
  }

  /** Returns false when there was no preload of that name. */
  remove(name: string): boolean {
    const preload = this.preloads.get(name);
    if (!preload) return false;
    this.preloads.delete(name);
    preload.stream.removeConsumer(preload.consumer);
    return true;
  }

  toJSON(): Record<string, PreloadJson> {
    const json: Record<string, PreloadJson> = {};
    for (const [name, p] of this.preloads) json[name] = { consumer: p.consumer.toJSON(), query: p.query };
    return json;
  }

  stop(): void {
    for (const name of [...this.preloads.keys()]) this.remove(name);
  }
}

/** Only these keys of a PUT query are kept, as in go2rtc (HA's client sends others, which are dropped). */
const PRELOAD_KEYS = new Set(['video', 'audio', 'microphone']);

/** `GET/PUT/DELETE /api/preload` (go2rtc `apiPreload`). */
export function registerPreloadRoutes(
  routes: RouteTable,
  registry: PreloadRegistry,
  persistence: PreloadPersistence | undefined,
): void {
  routes.add(['GET', 'PUT', 'DELETE'], 'api/preload', async (ctx) => {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      sendJson(ctx, registry.toJSON(), { mask: true });
      return;
    }
    const name = requireQuery(ctx, 'src');
    if (ctx.method === 'PUT') {
      const kept = new URLSearchParams();
      for (const [key, value] of queryParams(ctx)) if (PRELOAD_KEYS.has(key)) kept.append(key, value);
      // Go's url.Values.Encode sorts by key; the stored query reads the same as go2rtc's.
      kept.sort();
      const query = kept.toString();
      await registry.add(name, query);
      await persistence?.setPreload(name, query);
    } else {
      if (!registry.remove(name)) throw new Ts2rtcError('PRELOAD_NOT_FOUND', `streams: preload not found: ${name}`);
      await persistence?.setPreload(name, undefined);
    }
    sendEmpty(ctx);
  });
}
