import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { screenshotDir } from '../../helpers/screenshots.js';
import { waitFor } from '../../helpers/wait.js';
import { freePort } from '../../helpers/ports.js';
import { runTs2rtc, waitForListen, type Ts2rtcProcess } from '../cli/ts2rtc-process.js';

/** Everything the card e2e tests share: the built card, a real ts2rtc process, the test page and its hass. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CARD_DIR = path.join(ROOT, 'custom_cards');
export const CARD_FILE = path.join(CARD_DIR, 'dist', 'webrtc-camera.js');
export const SCREENSHOT_DIR = screenshotDir(path.join(CARD_DIR, 'docs'));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    // Only the sources: a transpiled test mirror (scripts/test-mirror.mjs) adds fresh .js files beside them.
    if (!entry.isDirectory() && entry.name.endsWith('.js')) continue;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the card (`node custom_cards/build.mjs`) when the bundle is missing or older than its sources. */
export function ensureCardBuilt(): void {
  const built = existsSync(CARD_FILE) ? statSync(CARD_FILE).mtimeMs : 0;
  if (built >= newestMtime(path.join(CARD_DIR, 'src'))) return;
  const result = spawnSync(process.execPath, [path.join(CARD_DIR, 'build.mjs')], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`card build failed: ${result.stderr}${result.stdout}`);
}

export interface RunningTs2rtc {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  proc: Ts2rtcProcess;
  /** SIGTERM and wait (the port is then free for `start` again). */
  stop(): Promise<void>;
  /** Starts the server again on the same port with the same config. */
  start(): Promise<void>;
  /** Stops it and removes its config folder. */
  close(): Promise<void>;
}

/**
 * The built ts2rtc (`addon/dist/main.js`, `npm run build`) as a child process on a free port, with these
 * streams; WebRTC on loopback (the tests run in a private network namespace), any page origin allowed on the
 * socket (`api.origin: "*"`: the card's page is another origin, as a dashboard is to a server).
 */
export async function startTs2rtc(streams: Record<string, string>): Promise<RunningTs2rtc> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-card-'));
  const port = await freePort();
  const file = path.join(dir, 'ts2rtc.yaml');
  const lines = [
    'api:',
    `  listen: "127.0.0.1:${port}"`,
    '  origin: "*"',
    'webrtc:',
    '  ice_servers: []',
    '  filters: { loopback: true }',
    'streams:',
    ...Object.entries(streams).map(([name, src]) => `  ${name}: ${JSON.stringify(src)}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const launch = async (): Promise<Ts2rtcProcess> => {
    const proc = runTs2rtc(['-c', file], { cwd: dir });
    await waitForListen(proc, 20_000);
    return proc;
  };
  const running: RunningTs2rtc = {
    url: `http://127.0.0.1:${port}`,
    port,
    proc: await launch(),
    async stop() {
      await running.proc.stop();
    },
    async start() {
      running.proc = await launch();
    },
    async close() {
      await running.proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return running;
}

/**
 * The test page: the built card as a module, and `hass` objects whose `callWS` signs paths through the
 * fake-ha-proxy (`POST /test/sign`) as Home Assistant's `auth/sign_path` does. `addCard(id, config,
 * components, beforeHtml)` puts a card in the page; `components` is what `hass.config.components` lists.
 */
export const TEST_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>webrtc-camera test</title>
<style>
  body { margin: 0; background: #e9ecef; font-family: Roboto, 'Noto Sans', sans-serif; }
  .slot { width: 560px; padding: 12px; box-sizing: border-box; }
  .spacer { height: 3000px; }
</style></head>
<body><div id="cards"></div><div class="spacer"></div>
<script type="module">
  import '/webrtc-camera.js';
  window.serviceCalls = [];
  window.makeHass = (components) => ({
    states: { 'light.porch': { state: 'on', attributes: {} } },
    config: { components },
    callWS: async (msg) => {
      if (msg.type !== 'auth/sign_path') throw { code: 'unknown_command', message: msg.type };
      const res = await fetch('/test/sign?path=' + encodeURIComponent(msg.path), { method: 'POST' });
      return res.json();
    },
    callService: async (domain, service, data) => { window.serviceCalls.push([domain, service, data]); },
    hassUrl: (p = '') => location.origin + p,
  });
  window.addCard = (id, config, components) => {
    const slot = document.createElement('div');
    slot.className = 'slot';
    const card = document.createElement('webrtc-camera');
    card.id = id;
    card.setConfig({ type: 'custom:webrtc-camera', ...config });
    card.hass = window.makeHass(components);
    slot.append(card);
    document.getElementById('cards').append(slot);
    return true;
  };
  window.cardReady = true;
</script></body></html>`;

/** What the card's `stats()` returns (custom_cards/src/card.ts CardStats). */
export interface CardStats {
  phase: string;
  label: string;
  error: string;
  frames: number;
  firstFrameMs: number;
  openToFrameMs: number;
  connections: number;
  socketOpen: boolean;
  microphone: { available: boolean; on: boolean; error: string };
  mime: string;
  stream: number;
}

export async function addCard(
  page: Page,
  id: string,
  config: Record<string, unknown>,
  components: string[],
): Promise<void> {
  await page.waitForFunction('window.cardReady === true', undefined, { timeout: 10_000 });
  await page.evaluate(
    `window.addCard(${JSON.stringify(id)}, ${JSON.stringify(config)}, ${JSON.stringify(components)})`,
  );
}

export async function cardStats(page: Page, id: string): Promise<CardStats> {
  return (await page.evaluate(`document.getElementById(${JSON.stringify(id)}).stats()`)) as CardStats;
}

export async function waitCard(
  page: Page,
  id: string,
  ok: (s: CardStats) => boolean,
  timeoutMs: number,
  what: string,
): Promise<CardStats> {
  let last: CardStats | undefined;
  try {
    return await waitFor(
      async () => {
        last = await cardStats(page, id);
        return ok(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `${id}: ${what}` },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last stats ${JSON.stringify(last)}`, {
      cause: err,
    });
  }
}

/** Frames the card shows over `ms` of page time (a window measured in the page, after a first frame). */
export async function framesOver(
  page: Page,
  id: string,
  ms: number,
): Promise<{ frames: number; ms: number; mediaMs: number }> {
  return (await page.evaluate(`(async () => {
    const card = document.getElementById(${JSON.stringify(id)});
    const video = card.player && card.player.video;
    const a = await card.stats();
    const m0 = video ? video.currentTime : 0;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ${ms}));
    const b = await card.stats();
    const wall = performance.now() - t0;
    return { frames: b.frames - a.frames, ms: wall, mediaMs: video ? (video.currentTime - m0) * 1000 : wall };
  })()`)) as { frames: number; ms: number; mediaMs: number };
}

export { freePort };
