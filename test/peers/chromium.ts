import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { PeerError } from './errors.js';
import { requireProgram } from './process.js';

const require = createRequire(import.meta.url);

/**
 * Debian's Chromium driven by playwright-core (no browser download: the executable is the system one).
 * Fake camera and microphone (a beep), media permission granted, WebRTC allowed on loopback.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless without GPU or sandbox (a container has neither), no background traffic, fake media devices. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Chromium keeps only the last --disable-features, so this one also stands in for the list playwright-core
  // passes before it (the suite has always run that way). WebUIOmniboxPopup and WebUIOmniboxAimPopup: Chromium
  // 156 preloads the address bar's popup (chrome://omnibox-popup.top-chrome/) in a renderer of its own even when
  // headless, 0.6-0.8 s of CPU per launch, more than the rest of the browser takes to start.
  '--disable-features=WebRtcHideLocalIpsWithMdns,WebUIOmniboxPopup,WebUIOmniboxAimPopup',
];

/**
 * The window of a test that only plays video in a player page (stream.html, webrtc.html: the player fills the
 * window): the size of the demo stream and the GStreamer camera. At playwright's default 1280x720 the software
 * compositor scaled every frame up, 0.2 of a core in Chromium's GPU process while a video played; at this size
 * 0.05.
 */
export const PLAYER_VIEWPORT = { width: 640, height: 360 } as const;

export interface ChromiumOptions {
  /** Added after CHROMIUM_ARGS. */
  args?: readonly string[];
  /** The size of every page's window; defaults to playwright's 1280x720. */
  viewport?: { readonly width: number; readonly height: number };
  /** Defaults to microphone and camera. */
  permissions?: readonly string[];
  /** Launch timeout; defaults to 30000 ms. */
  timeoutMs?: number;
}

export interface ChromiumPeer {
  readonly context: BrowserContext;
  /** The first tab (a persistent context opens one). */
  readonly page: Page;
  /** The fresh profile folder, removed by stop(). */
  readonly userDataDir: string;
  /** Milliseconds the launch took. */
  readonly startupMs: number;
  /** Messages the pages printed with console.* (collected from every page). */
  readonly consoleMessages: string[];
  /** Closes the browser and removes the profile folder. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile. Rejects with PEER_MISSING when /usr/bin/chromium is not
 * installed, PEER_START_FAILED when it does not start.
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumPeer> {
  requireProgram(CHROMIUM_PATH, 'chromium');
  // Loaded here rather than at the top: the outer process of a test file run in a network namespace (netns.ts)
  // launches no browser. And require()d: playwright-core is CommonJS, and an ESM `import` of it makes node scan
  // its bundle for named exports, ~0.23 s of CPU more in every process that drives Chromium (measured).
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-chromium-'));
  const started = Date.now();
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      permissions: [...(options.permissions ?? ['microphone', 'camera'])],
      timeout: options.timeoutMs ?? 30000,
      ...(options.viewport ? { viewport: { ...options.viewport } } : {}),
      // playwright's own default flags include --headless (old mode); ours select the new one.
      headless: false,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new PeerError(
      'PEER_START_FAILED',
      `chromium did not start: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const consoleMessages: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (msg) => {
      if (consoleMessages.length < 10000) consoleMessages.push(`${msg.type()}: ${msg.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  let stopping: Promise<void> | undefined;
  return {
    context,
    page,
    userDataDir,
    startupMs: Date.now() - started,
    consoleMessages,
    stop: () => {
      stopping ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(userDataDir, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
}

export interface HtmlServer {
  /** `http://127.0.0.1:PORT/`: a secure context (getUserMedia and WebRTC work), unlike a data: URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `html` at every path on 127.0.0.1 (free port), for browser tests that need a secure page. */
export async function serveHtml(html: string): Promise<HtmlServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
