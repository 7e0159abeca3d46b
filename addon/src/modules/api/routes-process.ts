import { ApiError } from './errors.js';
import { queryValue, sendEmpty, sendText, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';

/** The in-memory log `/api/log` shows: JSON lines, oldest first. The log module's `LogRing` is one. */
export interface MemoryLog {
  /** The retained lines, each a JSON object ending in `\n`. */
  text(): string;
  /** The newest `n` lines, without newlines, oldest first; without it `text()` is cut. */
  lastLines?(n: number): string[];
  clear(): void;
}

export interface ProcessControl {
  /** Ends the process with this code (0–125). Called after the answer has been sent. */
  exit(code: number): void;
  /** Re-executes the server in place; undefined when the host cannot (the endpoint then answers 501). */
  restart: (() => void) | undefined;
  log: MemoryLog | undefined;
}

/**
 * `/api/exit`, `/api/restart` and `/api/log` (go2rtc internal/api/api.go; `?tail=N` is ts2rtc's). The exit and restart actions run
 * once the response is flushed, so the caller gets its 200 before the socket goes away. Wrong methods are a
 * 405 (go2rtc says 400; no client relies on it).
 */
export function registerProcessRoutes(routes: RouteTable, control: ProcessControl): void {
  routes.add('POST', 'api/exit', (ctx) => {
    const text = queryValue(ctx, 'code') ?? '';
    // strconv.Atoi accepts an optional sign; the range is POSIX's for a normal exit status.
    const code = /^[+-]?\d{1,4}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(code) || code < 0 || code > 125) {
      throw new ApiError(400, 'EXIT_CODE_INVALID', 'Code must be in the range [0, 125]');
    }
    sendEmpty(ctx);
    afterResponse(ctx, () => control.exit(code));
  });

  routes.add('POST', 'api/restart', (ctx) => {
    const restart = control.restart;
    if (!restart) throw new ApiError(501, 'NOT_IMPLEMENTED', 'restart is not available in this process');
    sendEmpty(ctx);
    afterResponse(ctx, restart);
  });

  routes.add(['GET', 'DELETE'], 'api/log', (ctx) => {
    if (ctx.method === 'DELETE') {
      control.log?.clear();
      sendText(ctx, 'OK');
      return;
    }
    ctx.status = 200;
    ctx.type = 'application/jsonlines';
    // `?tail=N` (ts2rtc): only the newest N lines, so the log page can poll often without re-reading 1 MiB.
    const tail = queryValue(ctx, 'tail');
    if (tail !== undefined) {
      if (!/^\d{1,6}$/.test(tail)) throw new ApiError(400, 'BAD_REQUEST', 'tail must be a number of lines (0-999999)');
      const log = control.log;
      const n = Number(tail);
      const lines =
        !log || n === 0 ? [] : log.lastLines ? log.lastLines(n) : log.text().split('\n').slice(0, -1).slice(-n);
      ctx.body = lines.map((line) => `${line}\n`).join('');
      return;
    }
    ctx.body = control.log?.text() ?? '';
  });
}

function afterResponse(ctx: ApiContext, action: () => void): void {
  ctx.res.once('finish', action);
}
