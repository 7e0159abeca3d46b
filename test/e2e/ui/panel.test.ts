import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { waitFor } from '../../helpers/wait.js';
import {
  CHROMIUM_UI_ARGS,
  HASS_CAMERA,
  START_CONFIG,
  ensureEditorBuilt,
  screenshots,
  startUiServer,
  watchForeignRequests,
  type UiServer,
} from './harness.js';

/**
 * The panel in headless Chromium, served by the real server (every module) behind fake-ingress, a stand-in
 * for Home Assistant's Ingress proxy (path prefix `/api/hassio_ingress/<token>/` stripped, Host passed
 * through). The browser reaches it as http://homeassistant.test:PORT (mapped to 127.0.0.1), so the pages are
 * not a secure context, as a panel opened over plain http from another machine. Every test fails when a page
 * requests anything from another origin.
 */

describe('web UI under an Ingress-like path prefix', () => {
  let ui: UiServer;
  let chrome: ChromiumPeer;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  async function open(path: string, opts: { secure?: boolean; width?: number; height?: number } = {}): Promise<Page> {
    const page = await chrome.context.newPage();
    await page.setViewportSize({ width: opts.width ?? 1280, height: opts.height ?? 800 });
    const base = opts.secure ? ui.secureUrl : ui.url;
    const seen = watchForeignRequests(page, [new URL(ui.url).origin, new URL(ui.secureUrl).origin]);
    page.on('pageerror', (err) => pageErrors.push(`${path}: ${err.message}`));
    page.on('close', () => foreign.push(...seen));
    await page.goto(new URL(path, base).href);
    return page;
  }

  before(async () => {
    ensureEditorBuilt();
    ui = await startUiServer();
    chrome = await launchChromium({ args: CHROMIUM_UI_ARGS });
  });
  after(async () => {
    await chrome?.stop();
    await ui?.close();
    assert.deepEqual(foreign, [], 'requests that left the server');
    assert.deepEqual(pageErrors, [], 'uncaught page errors');
  });

  it('config: a wrong type is marked at its line and not saved; fixed, it saves and the new stream appears', async (t) => {
    const page = await open('config.html');
    try {
      await page.locator('.cm-editor').waitFor({ timeout: 10_000 });
      await page.locator('#problems-none', { hasText: 'None' }).waitFor({ timeout: 10_000 });
      const wrong = START_CONFIG.replace('rtsp:\n  listen: 127.0.0.1:0', 'rtsp:\n  listen: [1, 2]');
      const wrongLine = wrong.split('\n').indexOf('  listen: [1, 2]') + 1;
      await replaceEditorText(page, wrong);
      const item = page.locator(`#problems li[data-line="${wrongLine}"]`);
      await item.waitFor({ timeout: 5000 });
      const text = await item.textContent();
      t.diagnostic(`problem shown: ${text}`);
      assert.match(text ?? '', /rtsp\.listen/);
      assert.match(text ?? '', /expected a string/);
      // The editor marks that line: a lint marker in the gutter on the line's row, and the text underlined.
      assert.ok((await page.locator('.cm-lintRange-error').count()) >= 1, 'error range marked in the text');
      const markedLine = await page.evaluate(`(() => {
        const marker = document.querySelector('.cm-lint-marker-error');
        if (!marker) return 0;
        const gutter = marker.closest('.cm-gutterElement');
        const lines = [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement')];
        const top = gutter.getBoundingClientRect().top;
        const hit = lines.find((l) => Math.abs(l.getBoundingClientRect().top - top) < 2);
        return hit ? Number(hit.textContent) : 0;
      })()`);
      assert.equal(markedLine, wrongLine, 'gutter marker on the wrong line');
      assert.equal(await page.locator('#save').isDisabled(), true, 'save disabled while a problem is left');
      await screenshots(page, 'config-error');
      // The server refuses it too, whatever a client does: 400 with the line and key, file unchanged.
      const refused =
        await page.evaluate(`fetch('api/config', {method: 'POST', headers: {'Content-Type': 'application/yaml'}, body: ${JSON.stringify(wrong)}})
        .then(async (r) => ({ status: r.status, body: await r.json() }))`);
      const answer = refused as {
        status: number;
        body: { code: string; errors: Array<{ line: number; path: string }> };
      };
      assert.equal(answer.status, 400);
      assert.equal(answer.body.code, 'CONFIG_INVALID');
      assert.deepEqual(
        answer.body.errors.map((e) => [e.line, e.path]),
        [[wrongLine, 'rtsp.listen']],
      );
      assert.equal(readFileSync(ui.configPath, 'utf8'), START_CONFIG, 'file unchanged');

      const fixed = `${START_CONFIG}  garden: "demo:"\n`;
      await replaceEditorText(page, fixed);
      await page.locator('#problems-none', { hasText: 'None' }).waitFor({ timeout: 5000 });
      await page.locator('#save:not([disabled])').waitFor({ timeout: 5000 });
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => navigations.push(frame.url()));
      await page.click('#save');
      await page.locator('#banner', { hasText: 'Saved.' }).waitFor({ timeout: 5000 });
      const banner = await page.locator('#banner').textContent();
      t.diagnostic(`after save: ${banner}`);
      assert.match(banner ?? '', /added garden/);
      await page.locator('#running li[data-stream="garden"]').waitFor({ timeout: 5000 });
      assert.deepEqual(navigations, [], 'no page reload');
      assert.equal(readFileSync(ui.configPath, 'utf8'), fixed);
      assert.equal(readFileSync(`${ui.configPath}.bak`, 'utf8'), START_CONFIG, 'previous file kept');
      assert.ok(ui.server.app.streams.get('garden'), 'stream running in the server');
      await screenshots(page, 'config');
    } finally {
      await page.close();
    }
  });

  it('log: a new line shows within 1 s, secrets masked, level filter', async (t) => {
    const page = await open('log.html');
    try {
      await page.locator('#log tbody tr').first().waitFor({ timeout: 5000 });
      const log = ui.logging.module('ui-test');
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        const marker = `marker-${i}-${Math.random().toString(36).slice(2)}`;
        const started = Date.now();
        log.info({ camera: 'rtsp://admin:hunter2@10.0.0.9/live' }, marker);
        await page.locator('#log td.message', { hasText: marker }).waitFor({ timeout: 5000 });
        delays.push(Date.now() - started);
      }
      delays.sort((a, b) => a - b);
      t.diagnostic(`new line visible after ${delays.join(', ')} ms`);
      assert.ok((delays[2] ?? Infinity) < 1000, `median ${delays[2]} ms`);
      const shown = (await page.locator('#log tbody').textContent()) ?? '';
      assert.ok(!shown.includes('hunter2'), 'password masked');
      assert.match(shown, /rtsp:\/\/\*\*\*@10\.0\.0\.9/);
      log.warn('a warning for the filter');
      await page.locator('#log td.message', { hasText: 'a warning for the filter' }).waitFor({ timeout: 5000 });
      await page.selectOption('#level', 'warn');
      assert.equal(await page.locator('#log tbody tr.lvl-info').count(), 0, 'info hidden at warn level');
      assert.ok((await page.locator('#log tbody tr.lvl-warn').count()) >= 1);
      await page.selectOption('#level', 'trace');
      await screenshots(page, 'log');
    } finally {
      await page.close();
    }
  });

  it('add: discovery lists answer; a Home Assistant camera is added when the hass module is there', async (t) => {
    const page = await open('add.html');
    try {
      const settled = (id: string) =>
        page.locator(`#source-${id} .body`).filter({ hasNotText: 'Loading…' }).waitFor({ timeout: 20_000 });
      for (const id of ['hass', 'devices', 'homekit', 'onvif']) await settled(id);
      const devices = (await page.locator('#source-devices .body').textContent()) ?? '';
      t.diagnostic(`devices: ${devices}`);
      // No camera device on these machines: the list answers, empty.
      assert.match(devices, /No capture device/);
      // Nothing answers on these machines' network: each list says so (or, for a module not built yet, why).
      assert.match((await page.locator('#source-onvif .body').textContent()) ?? '', /No ONVIF camera answered/);
      assert.match(
        (await page.locator('#source-homekit .body').textContent()) ?? '',
        /No HomeKit camera|Not available: .*not implemented/,
      );
      // The hass module lists Home Assistant's cameras; one click adds one as a stream in the config file.
      const row = page.locator('#source-hass tr', { hasText: HASS_CAMERA });
      await row.locator('button', { hasText: 'Add' }).click();
      await row.locator('.ok', { hasText: 'Added as' }).waitFor({ timeout: 5000 });
      const name = (await row.locator('.ok a').textContent()) ?? '';
      t.diagnostic(`added ${name}`);
      const stream = ui.server.app.streams.get(name);
      assert.ok(stream, `stream ${name} added`);
      assert.deepEqual(
        stream.sources.map((u) => u.raw),
        [`hass:${HASS_CAMERA}`],
      );
      assert.match(readFileSync(ui.configPath, 'utf8'), new RegExp(`hass:${HASS_CAMERA}`));
      await page.click('#source-hardware button');
      await page.locator('#source-hardware table').waitFor({ timeout: 60_000 });
      const hardware = (await page.locator('#source-hardware table').textContent()) ?? '';
      t.diagnostic(`hardware: ${hardware.replace(/\s+/g, ' ')}`);
      assert.match(hardware, /#hardware=/);
      await screenshots(page, 'add', { fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('stream page: stats move while a viewer plays; the microphone says why it is off on http', async (t) => {
    const page = await open('links.html?src=demo&mode=mse');
    try {
      const consumerBytes = async (): Promise<number> => {
        const values = await page.locator('#consumers td.packets').allTextContents();
        return values.reduce((sum, v) => sum + Number(v || 0), 0);
      };
      await waitFor(async () => (await consumerBytes()) > 0, { timeoutMs: 20_000, what: 'consumer packets' });
      const first = await consumerBytes();
      await waitFor(async () => (await consumerBytes()) > first, {
        timeoutMs: 10_000,
        what: 'consumer packets moving',
      });
      await waitFor(
        async () => (await page.locator('#consumers td.bitrate').allTextContents()).some((v) => /[1-9]/.test(v)),
        {
          timeoutMs: 10_000,
          what: 'a bitrate',
        },
      );
      const producerRates = await page.locator('#producers td.bitrate').allTextContents();
      const consumerRates = await page.locator('#consumers td.bitrate').allTextContents();
      t.diagnostic(`producer ${producerRates.join(' / ')}; consumer ${consumerRates.join(' / ')}`);
      assert.ok(
        producerRates.some((v) => /[1-9]/.test(v)),
        'producer bitrate',
      );
      assert.ok(
        ui.ingress.proxied.some((p) => p.startsWith('/api/ws?src=demo')),
        'the player WebSocket went through fake-ingress',
      );
      assert.equal(await page.locator('#mic').isDisabled(), true);
      assert.match((await page.locator('#mic-note').textContent()) ?? '', /HTTPS/);
      const links = (await page.locator('#links').textContent()) ?? '';
      assert.match(
        links,
        new RegExp(`${ui.url.replace(/[.?*+^$()[\]{}|\\/]/g, '\\$&')}stream\\.html\\?src=demo&mode=webrtc`),
      );
      assert.match(links, /rtsp:\/\/homeassistant\.test:\d+\/demo/);
      await screenshots(page, 'stream', { fullPage: true });
    } finally {
      await page.close();
    }
    const secure = await open('links.html?src=demo&mode=mse', { secure: true });
    try {
      assert.equal(await secure.locator('#mic').isDisabled(), false, 'microphone offered in a secure context');
    } finally {
      await secure.close();
    }
  });

  it('network page and streams page; text from the server is shown as text', async () => {
    const tricky = '<img src=x onerror=alert(1)>';
    const page = await open('./');
    try {
      await page.locator('.stream h3', { hasText: 'garden' }).waitFor({ timeout: 5000 });
      await screenshots(page, 'streams', { fullPage: true });
      ui.server.app.streams.set(tricky, ['demo:'], 'api');
      // The list refreshes itself every 2 s.
      await page.locator('.stream h3', { hasText: tricky }).waitFor({ timeout: 5000 });
      assert.equal(await page.locator('.stream h3 img').count(), 0, 'no markup from a stream name');
    } finally {
      await page.close();
    }
    await ui.server.app.streams.delete(tricky);
    const net = await open('network.html');
    try {
      await net.locator('#listen td', { hasText: '127.0.0.1:0' }).first().waitFor({ timeout: 5000 });
      const listen = (await net.locator('#listen').textContent()) ?? '';
      assert.match(listen, new RegExp(`127\\.0\\.0\\.1:${ui.server.addresses.http?.port}`));
      assert.match((await net.locator('#ice').textContent()) ?? '', /none/);
      await screenshots(net, 'network');
    } finally {
      await net.close();
    }
    // On a phone (390 px wide) no page scrolls sideways: tables scroll inside their box, long links wrap.
    for (const path of ['./', 'add.html', 'config.html', 'log.html', 'links.html?src=demo&mode=mse', 'network.html']) {
      const phone = await open(path, { width: 390, height: 844 });
      try {
        await phone.locator('body > header nav').waitFor({ timeout: 5000 });
        if (path === 'config.html') await phone.locator('.cm-editor').waitFor({ timeout: 10_000 });
        // Pages that poll or play never go network-idle: a short cap (the default is 30 s) lets them settle
        // without waiting for nothing. The log polls every 250 ms, so it always waited out the cap: its rows are
        // what it loads.
        if (path === 'log.html') await phone.locator('#log tbody tr').first().waitFor({ timeout: 5000 });
        else await phone.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => undefined);
        const overflow = await phone.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        assert.ok(Number(overflow) <= 1, `${path}: ${String(overflow)} px of sideways scrolling on a phone`);
        if (path === 'config.html') await screenshots(phone, 'config-phone');
        if (path.startsWith('links.html')) await screenshots(phone, 'stream-phone');
      } finally {
        await phone.close();
      }
    }
  });
});

/** Replaces the whole editor text as a user would (select all, type). */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}
