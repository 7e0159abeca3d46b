import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { freePort } from '../../helpers/ports.js';
import { runTs2rtc, waitForListen, type Ts2rtcProcess } from '../cli/ts2rtc-process.js';

/**
 * go2rtc's CVE-2024-29191/29193 in kind: a stream name and a source URL carrying markup, from the config
 * file of the built server, opened in headless Chromium on every page of addon/www. No element may come
 * out of the markup and no handler may run (the pages also send a same-origin-only CSP, which would stop
 * an inline handler even where markup got in: the element count is what catches the injection itself).
 */

const NAME = '<img src=x onerror="window.__xss=1"><svg onload="window.__xss=2">';
const URL_MARKUP = 'rtsp://127.0.0.1:9/"><img src=x onerror="window.__xss=3">';
const PAGES = [
  './',
  `stream.html?src=${encodeURIComponent(NAME)}`,
  `links.html?src=${encodeURIComponent(NAME)}`,
  'add.html',
  'config.html',
  'log.html',
  'network.html',
];

describe('web UI: stream names and URLs are shown as text (built server, Chromium)', () => {
  let dir: string;
  let proc: Ts2rtcProcess;
  let chrome: ChromiumPeer;
  let base: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-xss-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}/`;
    const file = path.join(dir, 'ts2rtc.yaml');
    writeFileSync(
      file,
      [
        'api:',
        `  listen: "127.0.0.1:${port}"`,
        'log:',
        '  level: debug',
        'streams:',
        `  ${JSON.stringify(NAME)}: ${JSON.stringify(URL_MARKUP)}`,
        '',
      ].join('\n'),
    );
    proc = runTs2rtc(['-c', file], { cwd: dir });
    await waitForListen(proc, 20_000);
    // The name and URL reach the log page too: open the stream once so its error is logged.
    await fetch(`${base}api/frame.jpeg?src=${encodeURIComponent(NAME)}`).catch(() => undefined);
    chrome = await launchChromium();
  });
  after(async () => {
    await chrome?.stop();
    await proc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('no page turns the name or the URL into markup', async () => {
    for (const p of PAGES) {
      const page = await chrome.context.newPage();
      try {
        await page.goto(base + p);
        // Pages that poll or play never go network-idle: a short cap, then time for the first poll's answer.
        await page.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => undefined);
        await page.waitForTimeout(1000);
        const injected = await page.evaluate(
          '[document.querySelectorAll("img[src=x], svg[onload]").length, window.__xss ?? 0]',
        );
        assert.deepEqual(injected, [0, 0], `${p}: elements from markup, handler flag`);
        if (p === './' || p === 'config.html' || p === 'log.html') {
          assert.match(
            (await page.locator('body').innerText()) ?? '',
            /<img src=x onerror=/,
            `${p}: the name is shown as text`,
          );
        }
      } finally {
        await page.close();
      }
    }
  });
});
