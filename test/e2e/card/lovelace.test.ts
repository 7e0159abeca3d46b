import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { startFakeHaProxy, type FakeHaProxy } from './fake-ha-proxy.js';
import { addCard, CARD_FILE, ensureCardBuilt, TEST_PAGE } from './harness.js';

// The Lovelace side of the built card in Chromium: what Home Assistant's frontend calls (setConfig errors,
// getStubConfig, getCardSize, getConfigElement + config-changed, window.customCards) and what the overlay
// controls do with `hass` (PTZ and shortcut service calls, templates). No stream is needed here: the cards
// point at a closed port and show that error.
describe('webrtc-camera card: the Lovelace API and controls', () => {
  let browser: ChromiumPeer;
  let proxy: FakeHaProxy;
  let page: Page;
  const NO_SERVER = 'http://127.0.0.1:9';

  before(async () => {
    ensureCardBuilt();
    proxy = await startFakeHaProxy({ html: TEST_PAGE, cardFile: CARD_FILE, upstream: () => NO_SERVER });
    browser = await launchChromium();
    page = browser.page;
    await page.goto(proxy.url);
    await page.waitForFunction('window.cardReady === true');
  });
  after(async () => {
    await browser?.stop();
    await proxy?.close();
  });

  it('setConfig throws the parse error (Home Assistant shows it in an error card); stub config; card size; picker entry', async () => {
    const message = await page.evaluate(`(() => {
      try { document.createElement('webrtc-camera').setConfig({ type: 'custom:webrtc-camera', url: 'a', intersecton: 0 }); return 'accepted'; }
      catch (e) { return e.message; }
    })()`);
    assert.equal(message, 'webrtc-camera: unknown key `intersecton` (did you mean `intersection`?)');
    const Card = 'customElements.get("webrtc-camera")';
    assert.deepEqual(await page.evaluate(`${Card}.getStubConfig()`), { url: 'demo' });
    assert.equal(await page.evaluate('document.createElement("webrtc-camera").getCardSize()'), 5);
    assert.deepEqual(await page.evaluate('window.customCards.map((c) => c.type)'), ['webrtc-camera']);
  });

  it('the visual editor shows the basic keys and fires config-changed, keeping the other keys', async () => {
    const result = (await page.evaluate(`(async () => {
      const editor = customElements.get('webrtc-camera').getConfigElement();
      editor.setConfig({ type: 'custom:webrtc-camera', url: 'door', ptz: { service: 'onvif.ptz' } });
      document.body.append(editor);
      await editor.updateComplete;
      const names = [...editor.shadowRoot.querySelectorAll('input')].map((i) => i.name);
      const changed = new Promise((resolve) => editor.addEventListener('config-changed', (ev) => resolve(ev.detail.config), { once: true }));
      const title = editor.shadowRoot.querySelector('input[name=title]');
      title.value = 'Front door';
      title.dispatchEvent(new Event('change'));
      const config = await changed;
      editor.remove();
      return { names, config };
    })()`)) as { names: string[]; config: Record<string, unknown> };
    for (const key of [
      'url',
      'entity',
      'server',
      'title',
      'poster',
      'mode',
      'media',
      'intersection',
      'muted',
      'ui',
      'background',
    ]) {
      assert.ok(result.names.includes(key), key);
    }
    assert.deepEqual(result.config, {
      type: 'custom:webrtc-camera',
      url: 'door',
      ptz: { service: 'onvif.ptz' },
      title: 'Front door',
    });
  });

  it("PTZ: press/release/click call the service with AlexxIT's data_start_/data_end_/data_ keys (templates rendered)", async () => {
    await addCard(
      page,
      'ptz',
      {
        url: 'door',
        server: NO_SERVER,
        intersection: 0,
        ptz: {
          service: 'onvif.ptz',
          data_start_left: { move: 'start' },
          data_end_left: { move: 'stop' },
          data_left: { pan: 'LEFT', stream: '${ this.streamName }' },
          data_long_left: { pan: 'LONG' },
        },
      },
      [],
    );
    await page.evaluate('window.serviceCalls.length = 0');
    await page.locator('#ptz .ptz .left').click();
    const calls = await page.evaluate('window.serviceCalls');
    assert.deepEqual(calls, [
      ['onvif', 'ptz', { move: 'start' }],
      ['onvif', 'ptz', { move: 'stop' }],
      ['onvif', 'ptz', { pan: 'LEFT', stream: 'S0' }],
    ]);
  });

  it('shortcuts call their service; a templated icon follows the states', async () => {
    await addCard(
      page,
      'shortcuts',
      {
        url: 'door',
        server: NO_SERVER,
        intersection: 0,
        shortcuts: [
          {
            name: "${ states['light.porch'].state === 'on' ? 'Porch on' : 'Porch off' }",
            icon: 'mdi:lamp',
            service: 'light.toggle',
            service_data: { entity_id: 'light.porch' },
          },
        ],
      },
      [],
    );
    await page.evaluate('window.serviceCalls.length = 0');
    const shortcut = page.locator('#shortcuts .shortcuts .shortcut');
    assert.equal(await shortcut.getAttribute('title'), 'Porch on');
    await shortcut.click();
    assert.deepEqual(await page.evaluate('window.serviceCalls'), [['light', 'toggle', { entity_id: 'light.porch' }]]);
  });

  it('"paused by default": an empty first stream shows only the poster; the mode label switches to the next stream', async () => {
    await addCard(
      page,
      'paused',
      {
        poster: 'https://example.invalid/door.jpg',
        server: NO_SERVER,
        intersection: 0,
        streams: [{ url: '' }, { url: 'door', name: 'Live' }],
      },
      [],
    );
    await page.waitForFunction(`document.getElementById('paused').stats().then((s) => s.phase === 'poster')`);
    const shown = await page.evaluate(
      `(() => { const r = document.getElementById('paused').shadowRoot; return [r.querySelector('.mode').textContent, r.querySelector('video').poster]; })()`,
    );
    assert.deepEqual(shown, ['IMG', 'https://example.invalid/door.jpg']);
    await page.locator('#paused .mode').click();
    await page.waitForFunction(
      `document.getElementById('paused').stats().then((s) => s.stream === 1 && s.phase !== 'poster')`,
    );
  });

  it("`style:` overrides the card's own CSS (AlexxIT-style `.mode {display: none}`)", async () => {
    await addCard(
      page,
      'styled',
      { url: 'door', server: NO_SERVER, intersection: 0, style: '.mode {display: none} video {object-fit: fill}' },
      [],
    );
    const styles = await page.evaluate(`(() => {
      const root = document.getElementById('styled').shadowRoot;
      return [getComputedStyle(root.querySelector('.mode')).display, getComputedStyle(root.querySelector('video')).objectFit];
    })()`);
    assert.deepEqual(styles, ['none', 'fill']);
  });
});
