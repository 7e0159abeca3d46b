import type { Logger } from 'pino';
import type { App } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import type { HassCamera } from '../../pkg/hass/index.js';
import type { SourceHandler } from '../streams/hub.js';
import type { HassCameras } from './cameras.js';
import { hassApiAccess, HassEntities, type HassApiAccess } from './entities.js';
import { HassError } from './errors.js';

/** The stream source of a Home Assistant camera: `hass:<entry title>`. */
export function hassLink(title: string): string {
  return `hass:${title}`;
}

/**
 * `hass:<title>[#options]`: a redirect to the camera's URL from the config entries, keeping the `#options`
 * (go2rtc's RedirectFunc). The URL opens with origin `hass` (never `config`): it was written in Home
 * Assistant, not in our config, so the network rules apply (no exec:, no local files through ffmpeg:).
 */
export function hassSourceHandler(app: App, cameras: HassCameras, entities: HassEntities | undefined): SourceHandler {
  // go2rtc's own links carry their access: `hass://host:8123?entity_id=camera.x&token=<LLAT>`.
  const perHost = new Map<string, HassEntities>();
  const ownAccess = (access: HassApiAccess, log: Logger): HassEntities => {
    const key = `${access.wsUrl} ${access.token}`;
    const existing = perHost.get(key);
    if (existing) return existing;
    const created = new HassEntities(access, log);
    perHost.set(key, created);
    app.onStop(() => created.close());
    return created;
  };
  const hash = (raw: string): string => (raw.includes('#') ? raw.slice(raw.indexOf('#')) : '');
  return async (url, context) => {
    const title = url.rest;
    const entity = entityLink(url.rest);
    if (entity) {
      const api =
        entity.access === undefined || entity.access === 'supervisor'
          ? entities
          : ownAccess(entity.access, context.log);
      if (!api)
        throw new HassError(
          'HASS_API_UNAVAILABLE',
          `${url.base}: no Home Assistant API: set hass.url and hass.token, or run as the add-on`,
        );
      // Asked on every open: Nest-style links change each time, and Home Assistant starts its stream on demand.
      return context.openSource((await api.streamUrl(entity.entityId)) + hash(url.raw), 'hass');
    }
    const camera = cameras.get(title);
    if (!camera) {
      const known = cameras.list().map((c) => c.title);
      throw new HassError(
        'HASS_CAMERA_NOT_FOUND',
        `no Home Assistant camera titled ${JSON.stringify(title)} in ${cameras.file}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      );
    }
    if (camera.domain === 'homekit_controller' && !app.streams.schemes().includes('homekit')) {
      throw new HassError(
        'HASS_HOMEKIT_UNSUPPORTED',
        `${title} is a HomeKit camera; the homekit source is not registered in this server`,
      );
    }
    return context.openSource(camera.url + hash(url.raw), 'hass');
  };
}

/**
 * `camera.x` (the configured or the add-on's API), `//supervisor?entity_id=camera.x` (the add-on's), or
 * `//host:8123?entity_id=camera.x&token=<LLAT>` (go2rtc's link with its own access); else not an entity.
 */
function entityLink(rest: string): { entityId: string; access: HassApiAccess | 'supervisor' | undefined } | undefined {
  if (/^camera\.[\w-]+$/.test(rest)) return { entityId: rest, access: undefined };
  if (!rest.startsWith('//')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(`http:${rest}`);
  } catch {
    return undefined;
  }
  const entityId = parsed.searchParams.get('entity_id');
  if (!entityId) return undefined;
  if (parsed.hostname === 'supervisor') return { entityId, access: 'supervisor' };
  const token = parsed.searchParams.get('token') ?? '';
  return { entityId, access: hassApiAccess({ url: `http://${parsed.host}`, token }, {}) };
}

/**
 * Keeps one stream per camera, named after its title with the source `hass:<title>`, in step with the file:
 * new cameras get a stream, removed ones lose theirs. A stream of the same name that we did not create (the
 * config's, or one added over the API) is left alone; so is ours once someone changed its sources.
 */
export class HassStreams {
  private readonly created = new Set<string>();

  constructor(private readonly app: App) {}

  sync(cameras: readonly HassCamera[]): void {
    const log = this.app.logger('hass');
    const titles = new Set(cameras.map((c) => c.title));
    for (const camera of cameras) {
      if (this.created.has(camera.title) || this.app.streams.get(camera.title)) continue;
      try {
        this.app.streams.set(camera.title, [hassLink(camera.title)], 'hass');
        this.created.add(camera.title);
        log.debug({ stream: camera.title, domain: camera.domain }, 'hass: stream added');
      } catch (err) {
        log.warn({ stream: camera.title, err: errorMessage(err) }, 'hass: cannot add a stream for this camera');
      }
    }
    for (const title of [...this.created]) {
      if (titles.has(title)) continue;
      this.created.delete(title);
      const sources = this.app.streams.get(title)?.configuredSources;
      if (sources?.length === 1 && sources[0]?.raw === hassLink(title) && sources[0].origin === 'hass') {
        void this.app.streams.delete(title);
        log.info({ stream: title }, 'hass: stream removed (camera gone from Home Assistant)');
      }
    }
  }
}
