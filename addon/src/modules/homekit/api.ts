import { randomUUID } from 'node:crypto';
import type { App } from '../../app.js';
import { formatHomekitUrl, generateEd25519, pairWithPin, parseHomekitTarget, parseHomekitUrl, HapClient, discoveryUrl } from '../../pkg/hap/index.js';
import type { ApiModule } from '../api/index.js';
import { queryValue, requireQuery, sendJson } from '../api/index.js';
import { configPersistence } from '../api/persistence.js';
import { browseHap } from './discovery.js';
import { HomekitError } from './errors.js';

/** The paired `homekit://` source of a stream, if it has one. */
function pairedSource(app: App, name: string): string | undefined {
  return app.streams.get(name)?.configuredSources.find((s) => s.raw.startsWith('homekit://') && s.raw.includes('client_id='))?.raw;
}

/**
 * go2rtc's HomeKit API:
 * - `GET /api/discovery/homekit`: `{"sources":[{name, info (model), url: homekit://ip:port?device_id&feature&status, location}]}`
 *   for cameras and doorbells seen over mDNS; `location` is the stream already paired with it, else " ".
 * - `POST /api/homekit?id=NAME&src=URL&pin=PIN`: pair-setup with the PIN, then the stream NAME gets the paired
 *   URL, in memory and in the config file.
 * - `DELETE /api/homekit?id=NAME`: remove our pairing from the accessory, then the stream.
 */
export function registerHomekitRoutes(app: App, api: ApiModule): void {
  const log = app.logger('homekit');
  const persistence = app.configPath ? configPersistence(app.configPath) : undefined;

  api.addRoute('GET', 'api/discovery/homekit', async (ctx) => {
    const found = await browseHap({ all: queryValue(ctx, 'all') !== undefined });
    const paired = new Map<string, string>();
    for (const name of app.streams.names()) {
      const raw = pairedSource(app, name);
      if (!raw) continue;
      try {
        paired.set(parseHomekitUrl(raw).pairing.accessory.id, name);
      } catch {
        // A broken URL pairs nothing.
      }
    }
    const sources = found.map((ad) => ({ name: ad.name, info: ad.txt.md ?? '', url: discoveryUrl(ad), location: paired.get(ad.txt.id ?? '') ?? ' ' }));
    sendJson(ctx, { sources });
  });

  api.addRoute('POST', 'api/homekit', async (ctx) => {
    const id = requireQuery(ctx, 'id');
    const src = requireQuery(ctx, 'src');
    const pin = requireQuery(ctx, 'pin');
    const target = parseHomekitTarget(src);
    if (app.streams.get(id) && !pairedSource(app, id)) throw new HomekitError('HOMEKIT_STREAM_EXISTS', `a stream named ${JSON.stringify(id)} exists and is not a HomeKit camera`);
    const controller = { id: randomUUID().toUpperCase(), keys: generateEd25519() };
    const accessory = await pairWithPin(target.host, target.port, pin, controller);
    const url = formatHomekitUrl({ host: target.host, port: target.port, pairing: { controller, accessory } });
    app.streams.set(id, [url], 'api');
    await persistence?.setStream(id, [url]);
    log.info({ stream: id, accessory: accessory.id }, 'homekit: paired');
    ctx.status = 200;
    ctx.body = '';
  });

  api.addRoute('DELETE', 'api/homekit', async (ctx) => {
    const id = requireQuery(ctx, 'id');
    if (!app.streams.get(id)) throw new HomekitError('HOMEKIT_STREAM_NOT_FOUND', `no stream named ${JSON.stringify(id)}`);
    const raw = pairedSource(app, id);
    if (!raw) throw new HomekitError('HOMEKIT_NOT_PAIRED', `stream ${JSON.stringify(id)} has no paired homekit:// source`);
    const url = parseHomekitUrl(raw);
    const client = await HapClient.open(url.host, url.port, url.pairing);
    try {
      await client.unpair();
    } finally {
      client.close();
    }
    await app.streams.delete(id);
    await persistence?.deleteStream(id);
    log.info({ stream: id, accessory: url.pairing.accessory.id }, 'homekit: unpaired');
    ctx.status = 200;
    ctx.body = '';
  });

  const statuses: Array<[string, number]> = [
    ['HAP_URL_INVALID', 400],
    ['HAP_PAIR_WRONG_PIN', 400],
    ['HAP_PAIR_ALREADY_PAIRED', 409],
    ['HAP_PAIR_FAILED', 502],
    ['HAP_VERIFY_FAILED', 502],
    ['HAP_CONNECTION_CLOSED', 502],
    ['HAP_HTTP_INVALID', 502],
    ['HAP_HTTP_STATUS', 502],
    ['HAP_FRAME_INVALID', 502],
    ['HAP_TIMEOUT', 504],
    ['HOMEKIT_STREAM_NOT_FOUND', 404],
    ['HOMEKIT_STREAM_EXISTS', 409],
    ['HOMEKIT_NOT_PAIRED', 400],
    ['HOMEKIT_NOT_CAMERA', 400],
    ['HOMEKIT_BUSY', 503],
    ['HOMEKIT_SETUP_FAILED', 502],
    ['HOMEKIT_NO_MEDIA', 502],
    ['HOMEKIT_DISCOVERY_FAILED', 500],
  ];
  for (const [code, status] of statuses) api.registerErrorStatus(code, status);
}
