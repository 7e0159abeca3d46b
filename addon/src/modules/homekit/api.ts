import { randomUUID } from 'node:crypto';
import type { App } from '../../app.js';
import {
  formatHomekitUrl,
  generateEd25519,
  pairWithPin,
  parseHomekitTarget,
  parseHomekitUrl,
  HapClient,
  discoveryUrl,
} from '../../pkg/hap/index.js';
import { queryValue, requireQuery, sendJson, type ApiContext } from '../api/request.js';
import { configPersistence } from '../api/persistence.js';
import { browseHap } from './discovery.js';
import { HomekitError } from './errors.js';

/** The paired `homekit://` source of a stream, if it has one. */
function pairedSource(app: App, name: string): string | undefined {
  return app.streams
    .get(name)
    ?.configuredSources.find((s) => s.raw.startsWith('homekit://') && s.raw.includes('client_id='))?.raw;
}

/** The handlers of go2rtc's HomeKit API (routes in init.ts, which imports this file on the first request). */
export interface HomekitHandlers {
  discovery(ctx: ApiContext): Promise<void>;
  pair(ctx: ApiContext): Promise<void>;
  unpair(ctx: ApiContext): Promise<void>;
}

/**
 * go2rtc's HomeKit API:
 * - `GET /api/discovery/homekit`: `{"sources":[{name, info (model), url: homekit://ip:port?device_id&feature&status, location}]}`
 *   for cameras and doorbells seen over mDNS; `location` is the stream already paired with it, else " ".
 * - `POST /api/homekit?id=NAME&src=URL&pin=PIN`: pair-setup with the PIN, then the stream NAME gets the paired
 *   URL, in memory and in the config file.
 * - `DELETE /api/homekit?id=NAME`: remove our pairing from the accessory, then the stream.
 */
export function homekitHandlers(app: App): HomekitHandlers {
  const log = app.logger('homekit');
  const persistence = app.configPath ? configPersistence(app.configPath) : undefined;

  const discovery = async (ctx: ApiContext): Promise<void> => {
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
    const sources = found.map((ad) => ({
      name: ad.name,
      info: ad.txt.md ?? '',
      url: discoveryUrl(ad),
      location: paired.get(ad.txt.id ?? '') ?? ' ',
    }));
    sendJson(ctx, { sources });
  };

  const pair = async (ctx: ApiContext): Promise<void> => {
    const id = requireQuery(ctx, 'id');
    const src = requireQuery(ctx, 'src');
    const pin = requireQuery(ctx, 'pin');
    const target = parseHomekitTarget(src);
    if (app.streams.get(id) && !pairedSource(app, id))
      throw new HomekitError(
        'HOMEKIT_STREAM_EXISTS',
        `a stream named ${JSON.stringify(id)} exists and is not a HomeKit camera`,
      );
    const controller = { id: randomUUID().toUpperCase(), keys: generateEd25519() };
    const accessory = await pairWithPin(target.host, target.port, pin, controller);
    const url = formatHomekitUrl({ host: target.host, port: target.port, pairing: { controller, accessory } });
    app.streams.set(id, [url], 'api');
    await persistence?.setStream(id, [url]);
    log.info({ stream: id, accessory: accessory.id }, 'homekit: paired');
    ctx.status = 200;
    ctx.body = '';
  };

  const unpair = async (ctx: ApiContext): Promise<void> => {
    const id = requireQuery(ctx, 'id');
    if (!app.streams.get(id))
      throw new HomekitError('HOMEKIT_STREAM_NOT_FOUND', `no stream named ${JSON.stringify(id)}`);
    const raw = pairedSource(app, id);
    if (!raw)
      throw new HomekitError('HOMEKIT_NOT_PAIRED', `stream ${JSON.stringify(id)} has no paired homekit:// source`);
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
  };
  return { discovery, pair, unpair };
}
