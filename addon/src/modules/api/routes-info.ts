import type { App } from '../../app.js';
import { sendJson, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';

/** JSON-serialisable values other modules may publish in `GET /api` (go2rtc's `app.Info` map). */
export type InfoValue = string | number | boolean | null | InfoValue[] | { [key: string]: InfoValue };

/**
 * `GET /api` (any method, as in go2rtc): `{"version", "revision", "host", ...}`. `host` is the request's Host
 * header; other modules add keys (`rtsp: {listen, default_query}`, `config_path`). Home Assistant only reads
 * `version` and needs it in [1.9.13, 2.0.0).
 */
export function registerInfoRoutes(routes: RouteTable, app: App, info: Map<string, InfoValue>): void {
  routes.add('*', 'api', (ctx: ApiContext) => {
    const body: Record<string, InfoValue> = {};
    for (const [key, value] of info) body[key] = value;
    body.version = app.version;
    body.host = ctx.get('Host');
    sendJson(ctx, body);
  });
}
