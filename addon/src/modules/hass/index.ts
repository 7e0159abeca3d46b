import type { App, Module } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import { sendJson, sendText } from '../api/index.js';
import { HassCameras } from './cameras.js';
import { configEntriesPath, resolveHassConfigDir } from './config-dir.js';
import { SupervisorDiscovery, supervisorFromEnv, type SupervisorAccess } from './discovery.js';
import { hassApiAccess, HassEntities } from './entities.js';
import { HassStreams, hassLink, hassSourceHandler } from './source.js';

export { HassError, type HassErrorCode } from './errors.js';
export {
  DISCOVERY_SERVICE,
  SupervisorDiscovery,
  supervisorFromEnv,
  type DiscoveryConfig,
  type SupervisorAccess,
} from './discovery.js';
export { HassEntities, hassApiAccess, type HassApiAccess } from './entities.js';
export { resolveHassConfigDir, configEntriesPath, ADDON_HASS_DIR, LEGACY_HASS_DIR } from './config-dir.js';

export interface HassModuleOptions {
  /** How often the config entries file is polled for changes; defaults to 2000 ms (tests shorten it). */
  watchIntervalMs?: number;
  /** Defaults to `process.cwd()`. */
  cwd?: string;
  /** The Supervisor for discovery; defaults to the environment (`SUPERVISOR_TOKEN`), null for none. */
  supervisor?: SupervisorAccess | null;
  /** The environment (`SUPERVISOR_TOKEN`, `TS2RTC_SUPERVISOR_URL`, `TS2RTC_HASS_HTTP`); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Discovery retry delays; tests shorten them. */
  discoveryRetryMs?: readonly number[];
}

export interface HassModule {
  readonly cameras: HassCameras;
}

/** Pairing keys in a `homekit://` URL are secrets like passwords: `/api/hass` shows them masked. */
function maskLocation(url: string): string {
  return maskCredentials(url);
}

/**
 * "Module: Hass", the config-entries part, plus Supervisor discovery in the add-on: generic and HomeKit cameras
 * of Home Assistant become streams named after their entry titles (`hass:<title>` works in any stream too),
 * `GET /api/hass` lists them in go2rtc's shape, and the file is read at start (after the config's streams,
 * whose names win) and re-read when it changes. Once the API listens, the add-on announces its port to Home
 * Assistant through Supervisor discovery.
 */
export function init(app: App): HassModule {
  const options: HassModuleOptions = app.tuning.hass ?? {};
  const api = app.module('api');
  const log = app.logger('hass');
  const location = resolveHassConfigDir(app.config.hass.config, options.cwd ?? process.cwd());
  const expectFile = location.explicit || (options.env ?? process.env).SUPERVISOR_TOKEN !== undefined;
  const cameras = new HassCameras(configEntriesPath(location.dir), log, expectFile);
  // hass.url + hass.token (standalone), else the add-on's Supervisor token: Home Assistant's API for entities.
  const access = hassApiAccess(app.config.hass, options.env ?? process.env);
  const entities = access ? new HassEntities(access, log) : undefined;
  if (entities) app.onStop(() => entities.close());
  app.streams.registerSource('hass', hassSourceHandler(app, cameras, entities));
  const streams = new HassStreams(app);
  cameras.onChange.subscribe((list) => streams.sync(list));
  api.registerErrorStatus('HASS_CAMERA_NOT_FOUND', 404);
  api.registerErrorStatus('HASS_HOMEKIT_UNSUPPORTED', 501);
  api.registerErrorStatus('HASS_API_UNAVAILABLE', 502);
  api.registerErrorStatus('HASS_ENTITY_FAILED', 502);
  // go2rtc: 404 "no hass config" when the file could not be read, 404 "no sources" when it lists none, else
  // {"sources":[{"name","url":"hass:<name>","location"}]}.
  api.addRoute('GET', 'api/hass', (ctx) => {
    if (!cameras.loaded) {
      sendText(ctx, 'no hass config\n');
      ctx.status = 404;
      return;
    }
    const sources = cameras
      .list()
      .map((c) => ({ name: c.title, url: hassLink(c.title), location: maskLocation(c.url) }));
    if (sources.length === 0) {
      sendText(ctx, 'no sources\n');
      ctx.status = 404;
      return;
    }
    sendJson(ctx, { sources });
  });
  app.onStop(() => cameras.stop());
  const supervisor =
    options.supervisor === undefined
      ? supervisorFromEnv(options.env ?? process.env)
      : (options.supervisor ?? undefined);
  const discovery = supervisor ? new SupervisorDiscovery(supervisor, log, options.discoveryRetryMs) : undefined;
  if (discovery) {
    api.onListen.once((addresses) => {
      if (addresses.http) discovery.announce(addresses.http.port);
    });
    app.onStop(() => discovery.withdraw());
  }
  app.onStart(async () => {
    await cameras.load();
    cameras.watch(options.watchIntervalMs);
  });
  return { cameras };
}

export const hass: Module<'hass'> = { name: 'hass', init };
