import http from 'node:http';
import https from 'node:https';
import { IvideonError } from './errors.js';

/** go2rtc's endpoint; `TS2RTC_IVIDEON_API` replaces it (tests point it at a local fake). */
export const DEFAULT_API_BASE = 'https://openapi-alpha.ivideon.com';
const TIMEOUT_MS = 10_000;
const MAX_ANSWER = 64 * 1024;

/**
 * `ivideon:100-tu5dkUPct39cTp9oNEN2B6/0` → the API's camera id `100-tu5dkUPct39cTp9oNEN2B6:0` (server id,
 * camera index). Only the characters ids are made of: the id goes into the API path.
 */
export function cameraId(rest: string): string {
  const text = rest.trim();
  const match = /^([A-Za-z0-9_-]{1,128})[/:](\d{1,5})$/.exec(text);
  if (!match)
    throw new IvideonError(
      'IVIDEON_ID_INVALID',
      `camera id ${JSON.stringify(text.slice(0, 80))}: expected <server>/<camera>, like 100-tu5dkUPct39cTp9oNEN2B6/0`,
    );
  return `${match[1]}:${match[2]}`;
}

/** The live_stream request go2rtc makes: the public token, H264 video, fMP4 over WebSocket. */
export function liveStreamUrl(base: string, id: string): string {
  return `${base.replace(/\/+$/, '')}/cameras/${encodeURIComponent(id)}/live_stream?op=GET&access_token=public&q=2&video_codecs=h264&format=ws-fmp4`;
}

/**
 * The answer `{"success": true, "result": {"url": "wss://…"}}` → the WebSocket URL; `success: false` is
 * IVIDEON_UNAVAILABLE with the API's message (and code when it gives one).
 */
export function readLiveStreamAnswer(status: number, body: string): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new IvideonError('IVIDEON_API', `HTTP ${status}, not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null)
    throw new IvideonError('IVIDEON_API', `HTTP ${status}: unexpected answer`);
  const record = value as Record<string, unknown>;
  if (record['success'] !== true) {
    const message =
      typeof record['message'] === 'string' && record['message'] !== '' ? record['message'] : `HTTP ${status}`;
    const code = typeof record['code'] === 'string' ? ` (${record['code']})` : '';
    throw new IvideonError(
      'IVIDEON_UNAVAILABLE',
      `can't get live_stream: ${message.slice(0, 200)}${code.slice(0, 60)}`,
    );
  }
  const result = record['result'];
  const url = typeof result === 'object' && result !== null ? (result as Record<string, unknown>)['url'] : undefined;
  if (typeof url !== 'string' || !/^wss?:\/\//i.test(url))
    throw new IvideonError('IVIDEON_API', 'live_stream answered without a ws(s):// url');
  return url;
}

/** GET live_stream for a camera; the WebSocket URL of its fMP4 stream. */
export function fetchLiveStream(base: string, id: string): Promise<string> {
  const url = new URL(liveStreamUrl(base, id));
  return new Promise<string>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, {
      headers: { 'User-Agent': 'ts2rtc' },
      agent: false,
    });
    const timer = setTimeout(
      () => request.destroy(new IvideonError('IVIDEON_API', `${url.host}: no answer within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    request.once('error', (err) => {
      clearTimeout(timer);
      reject(
        err instanceof IvideonError
          ? err
          : new IvideonError('IVIDEON_API', `${url.host}: ${err.message}`, { cause: err }),
      );
    });
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER)
          request.destroy(new IvideonError('IVIDEON_API', `answer larger than ${MAX_ANSWER} bytes`));
        else chunks.push(chunk);
      });
      response.once('end', () => {
        clearTimeout(timer);
        try {
          resolve(readLiveStreamAnswer(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
  });
}
