import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { loadConfig } from '../../../addon/src/config/load.js';
import { createLogging, type Logging } from '../../../addon/src/modules/log/index.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { screenshotDir } from '../../helpers/screenshots.js';
import { startFakeIngress, type FakeIngress } from './fake-ingress.js';

/** The panel's tests share: the editor bundle, a real ts2rtc (every module) with a config file, fake-ingress. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WWW_DIR = path.join(ROOT, 'addon', 'www');
const EDITOR_BUNDLE = path.join(WWW_DIR, 'dist', 'editor.js');
export const SCREENSHOT_DIR = screenshotDir(path.join(ROOT, 'docs', 'screenshots'));

/** The browser reaches fake-ingress by this name (mapped to 127.0.0.1), so the page is not a secure context. */
export const INGRESS_HOST = 'homeassistant.test';
export const CHROMIUM_UI_ARGS = [
  `--host-resolver-rules=MAP ${INGRESS_HOST} 127.0.0.1`,
  '--autoplay-policy=no-user-gesture-required',
];

/** Builds www/dist/editor.js (`addon/scripts/build-www.mjs`) when it is missing or older than its source. */
export function ensureEditorBuilt(): void {
  const source = path.join(WWW_DIR, 'src');
  const newest = Math.max(...readdirSync(source).map((f) => statSync(path.join(source, f)).mtimeMs));
  if (existsSync(EDITOR_BUNDLE) && statSync(EDITOR_BUNDLE).mtimeMs >= newest) return;
  const result = spawnSync(process.execPath, [path.join(ROOT, 'addon', 'scripts', 'build-www.mjs')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`editor build failed: ${result.stderr}${result.stdout}`);
}

/** The config the tests start with; line numbers matter to the config test. */
export const START_CONFIG = `# ts2rtc test config
api:
  listen: 127.0.0.1:0
rtsp:
  listen: 127.0.0.1:0
webrtc:
  listen: ""
  ice_servers: []
log:
  level: debug
hass:
  config: ha
streams:
  demo: "demo:"
`;

/** The Home Assistant camera the add page offers. */
export const HASS_CAMERA = 'Porch Camera';
const HASS_ENTRIES = {
  version: 1,
  minor_version: 5,
  key: 'core.config_entries',
  data: {
    entries: [
      {
        entry_id: 'e0',
        domain: 'generic',
        title: HASS_CAMERA,
        source: 'user',
        version: 1,
        data: {},
        options: { stream_source: 'rtsp://127.0.0.1:9/porch', still_image_url: '' },
      },
    ],
  },
};

export interface UiServer {
  readonly server: Server;
  readonly logging: Logging;
  readonly dir: string;
  readonly configPath: string;
  readonly ingress: FakeIngress;
  /** The panel under fake-ingress, by the non-secure host name. */
  readonly url: string;
  /** The panel under fake-ingress on 127.0.0.1 (a secure context). */
  readonly secureUrl: string;
  close(): Promise<void>;
}

/** The real server (`startServer`, every module) reading a config file in a fresh folder, behind fake-ingress. */
export async function startUiServer(): Promise<UiServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-ui-'));
  const configPath = path.join(dir, 'ts2rtc.yaml');
  writeFileSync(configPath, START_CONFIG);
  // Home Assistant's config folder as the add-on sees it: a generic camera in .storage/core.config_entries,
  // written the way Home Assistant writes it (the hass module reads it; its camera is never opened here).
  mkdirSync(path.join(dir, 'ha', '.storage'), { recursive: true });
  writeFileSync(path.join(dir, 'ha', '.storage', 'core.config_entries'), JSON.stringify(HASS_ENTRIES, null, 2));
  const loaded = loadConfig([configPath], { cwd: dir, env: {} });
  const logging = createLogging(loaded.config.log, null, { secrets: loaded.secrets });
  const server = await startServer({
    config: loaded.config,
    configPath: loaded.writablePath,
    logging,
    tuning: { api: { exit: () => {} }, hass: { cwd: dir } },
  });
  const port = server.addresses.http?.port;
  if (port === undefined) throw new Error('no http port');
  const ingress = await startFakeIngress(port, { host: INGRESS_HOST });
  return {
    server,
    logging,
    dir,
    configPath,
    ingress,
    url: ingress.url,
    secureUrl: ingress.url.replace(INGRESS_HOST, '127.0.0.1'),
    async close() {
      await ingress.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Records every request (and WebSocket) a page makes that leaves fake-ingress's origin (another host, a CDN, a data fetch);
 * `data:` and `blob:` URLs stay in the page and are allowed.
 */
export function watchForeignRequests(page: Page, allowedOrigins: readonly string[]): string[] {
  const foreign: string[] = [];
  const check = (url: string): void => {
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    const origin = new URL(url).origin.replace(/^ws/, 'http');
    if (!allowedOrigins.includes(origin)) foreign.push(url);
  };
  page.on('request', (request: Request) => check(request.url()));
  // WebSockets are not requests to playwright; the player's api/ws must stay on this origin too.
  page.on('websocket', (ws) => check(ws.url()));
  return foreign;
}

/**
 * Saves `name`-light.png and `name`-dark.png of the page as it is now, when the committed screenshots are being
 * remade (UPDATE_SCREENSHOTS=1). In other runs they went to a scratch folder nobody reads, and the twelve
 * pictures (three of them whole pages) were ~1.5 s of the panel test's ~8 s of CPU; no test looks at them.
 */
export async function screenshots(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env['UPDATE_SCREENSHOTS'] !== '1') return;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Let the theme listeners (the editor's) run before the picture.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, `${name}-${scheme}.png`),
      fullPage: opts.fullPage ?? false,
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
