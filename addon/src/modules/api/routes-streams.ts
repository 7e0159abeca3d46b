import { CoreError } from '../../core/errors.js';
import type { StreamHub } from '../streams/hub.js';
import type { SourceOrigin } from '../streams/source-url.js';
import { streamsDot } from './dot.js';
import type { AuthOptions } from './middleware.js';
import { presentsApiCredentials } from './credentials.js';
import { ApiError } from './errors.js';
import { ProbeConsumer, parseMediaQuery } from './probe.js';
import {
  queryParams,
  queryValue,
  queryValues,
  requireQuery,
  sendEmpty,
  sendJson,
  sendText,
  type ApiContext,
} from './request.js';
import type { RouteTable } from './routes.js';

/** Where API edits are written back; undefined when the server runs without a config file. */
export interface StreamPersistence {
  setStream(name: string, sources: readonly string[]): Promise<void>;
  deleteStream(name: string): Promise<void>;
}

export interface StreamRouteOptions {
  /** `api.username`/`password`; a request that presents them sees source URLs unmasked (see README). */
  auth?: AuthOptions | undefined;
}

/** `/api/streams`, `/api/streams.dot` and `/api/schemes`, with go2rtc's parameters (internal/streams/api.go). */
export function registerStreamRoutes(
  routes: RouteTable,
  hub: StreamHub,
  persistence: StreamPersistence | undefined,
  options: StreamRouteOptions = {},
): void {
  // What each PUT wrote to the config file, so an identical PUT can tell it has nothing to write.
  const written = new Map<string, string>();
  routes.add(['GET', 'PUT', 'PATCH', 'POST', 'DELETE'], 'api/streams', async (ctx) => {
    const src = queryValue(ctx, 'src');
    const mask = !presentsApiCredentials(ctx, options.auth);
    if (!src && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      sendJson(ctx, hub.toJSON(), { mask });
      return;
    }
    switch (ctx.method) {
      case 'GET':
      case 'HEAD':
        return getStream(ctx, hub, requireQuery(ctx, 'src'), mask);
      case 'PUT':
        return putStream(ctx, hub, persistence, written);
      case 'PATCH': {
        patchStream(hub, requireQuery(ctx, 'name'), queryValue(ctx, 'src') ?? '', 'api');
        sendEmpty(ctx);
        return;
      }
      case 'POST':
        return postStream(ctx, hub);
      case 'DELETE': {
        const name = requireQuery(ctx, 'src');
        await hub.delete(name);
        written.delete(name);
        await persistence?.deleteStream(name);
        sendEmpty(ctx);
        return;
      }
    }
  });

  routes.add('GET', 'api/streams.dot', (ctx) => {
    const names = queryValues(ctx, 'src');
    const streams = hub.toJSON();
    const selected = names.length > 0 ? names.filter((n) => Object.hasOwn(streams, n)) : Object.keys(streams);
    sendText(
      ctx,
      streamsDot(selected.map((name) => streams[name]).filter((s) => s !== undefined)),
      'text/vnd.graphviz',
    );
  });

  routes.add('GET', 'api/schemes', (ctx) => sendJson(ctx, hub.schemes()));
}

/**
 * One stream, pretty-printed. With `video=`/`audio=`/`microphone=` a probe consumer is attached first, so the
 * answer shows what those codecs would negotiate (which sources start, which tracks they give).
 */
async function getStream(ctx: ApiContext, hub: StreamHub, name: string, mask: boolean): Promise<void> {
  const stream = hub.get(name);
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const medias = parseMediaQuery(queryParams(ctx));
  if (medias.length === 0) {
    sendJson(ctx, stream.toJSON(), { pretty: true, mask });
    return;
  }
  const probe = new ProbeConsumer('probe', medias);
  await stream.addConsumer(probe);
  try {
    sendJson(ctx, stream.toJSON(), { pretty: true, mask });
  } finally {
    stream.removeConsumer(probe);
  }
}

/**
 * Creates or replaces a stream (`src` repeatable, `name` defaults to the first `src`) and persists it. A PUT
 * whose sources equal the stream's, in order, changes nothing: no source restarts, the config file is not
 * rewritten. Home Assistant's go2rtc integration re-sends its camera's stream on every view when it cannot
 * find the camera URL among the (masked) producer URLs; that PUT is this no-op.
 */
async function putStream(
  ctx: ApiContext,
  hub: StreamHub,
  persistence: StreamPersistence | undefined,
  written: Map<string, string>,
): Promise<void> {
  const sources = queryValues(ctx, 'src');
  const name = queryValue(ctx, 'name') || sources[0];
  if (!name || sources.length === 0) throw new ApiError(400, 'BAD_REQUEST', 'missing query parameter: src');
  const key = JSON.stringify(sources);
  const current = hub.get(name)?.configuredSources;
  const same =
    current !== undefined && current.length === sources.length && current.every((s, i) => s.raw === sources[i]);
  // Sources a PATCH put in memory only are still written by an equal PUT; the config's own, or a PUT's, are there.
  const persisted = current !== undefined && (current.every((s) => s.origin === 'config') || written.get(name) === key);
  if (same && persisted) {
    sendEmpty(ctx);
    return;
  }
  if (!same) hub.set(name, sources, 'api');
  await persistence?.setStream(name, sources);
  written.set(name, key);
  sendEmpty(ctx);
}

/**
 * go2rtc's `streams.Patch`: point stream `name` at one source, creating it if needed, in memory only.
 * A `src` equal to `name` of an existing stream is a no-op. A `src` naming another existing stream is an
 * alias in go2rtc (both names share one stream); the hub has no aliases yet, so that is refused with a code
 * rather than misread as a URL. An `rtsp://…/<existing name>` link is kept as a plain source: it reaches the
 * same stream through the RTSP server. An existing stream is pointed at `src` without restarting what plays,
 * and a `{input}` template source is filled with it (`StreamHub.patch`).
 */
export function patchStream(hub: StreamHub, name: string, src: string, origin: SourceOrigin): void {
  const target = hub.get(src);
  // A stream made on the fly for a URL is named by that URL: pointing another stream at it means the URL.
  const onTheFly = target?.configuredSources.length === 1 && target.configuredSources[0]?.raw === src;
  if (target && !onTheFly) {
    if (src === name) return;
    throw new ApiError(501, 'NOT_IMPLEMENTED', `streams: alias ${name} → ${src} is not supported yet`);
  }
  hub.patch(name, src, origin);
}

/**
 * POST `src`+`dst`: play `src` into stream `dst` (two-way audio, file playback) or publish stream `src` to the
 * `dst` URL. Neither is built yet, so both answer 501 after go2rtc's own checks (400 without `dst`, 404 when
 * neither side is a stream).
 */
function postStream(ctx: ApiContext, hub: StreamHub): void {
  const dst = requireQuery(ctx, 'dst');
  const src = queryValue(ctx, 'src') ?? '';
  if (hub.get(dst))
    throw new ApiError(501, 'NOT_IMPLEMENTED', 'streams: playing a source into a stream is not implemented yet');
  if (hub.get(src)) throw new ApiError(501, 'NOT_IMPLEMENTED', 'streams: publishing a stream is not implemented yet');
  throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
}
