import { requireStructuredBody } from './cross-site.js';
import { ApiError } from './errors.js';
import { readBody, sendEmpty, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';

/** Config files are small, but a commented one with many cameras can pass 1 MiB. */
export const CONFIG_BODY_LIMIT = 4 * 1024 * 1024;

/** The config file, as `/api/config` edits it; undefined when the server runs without a file. */
export interface ConfigFileAccess {
  read(): Promise<string>;
  /** Replaces the file; throws `CONFIG_SYNTAX` for text that is not YAML. */
  replace(text: string): Promise<void>;
  /** Deep-merges the YAML into the file: maps merge, lists and scalars replace. */
  patch(text: string): Promise<void>;
}

/**
 * `/api/config` (go2rtc internal/api/config.go): 410 without a config file; GET the raw file as
 * `application/yaml`; POST replaces it and PATCH merges into it. Bad YAML is a 400 here where go2rtc's POST
 * answers 500, since it is the client's mistake. Other methods, PUT included, are accepted and do nothing,
 * as in go2rtc.
 */
export function registerConfigRoutes(routes: RouteTable, file: ConfigFileAccess | undefined): void {
  routes.add('*', 'api/config', async (ctx: ApiContext) => {
    if (!file) throw new ApiError(410, 'CONFIG_DISABLED', 'config file disabled');
    switch (ctx.method) {
      case 'GET':
      case 'HEAD': {
        let text: string;
        try {
          text = await file.read();
        } catch (err) {
          throw new ApiError(404, 'NOT_FOUND', 'config file not readable', { cause: err });
        }
        ctx.status = 200;
        ctx.type = 'application/yaml';
        ctx.body = text;
        return;
      }
      case 'POST':
        requireStructuredBody(ctx, 'application/yaml');
        await file.replace((await readBody(ctx, CONFIG_BODY_LIMIT)).toString('utf8'));
        sendEmpty(ctx);
        return;
      case 'PATCH':
        requireStructuredBody(ctx, 'application/yaml');
        await file.patch((await readBody(ctx, CONFIG_BODY_LIMIT)).toString('utf8'));
        sendEmpty(ctx);
        return;
      default:
        sendEmpty(ctx);
    }
  });
}
