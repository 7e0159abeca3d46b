import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { startFakeHaProxy, type FakeHaProxy } from './fake-ha-proxy.js';
import { CARD_FILE, ensureCardBuilt } from './harness.js';

// Both cards loaded on one dashboard (ours from the ts2rtc integration, AlexxIT's from his): neither script
// throws and every `webrtc-camera` works. The other card is a stand-in that registers the name the way
// AlexxIT's webrtc-camera.js does (an unguarded customElements.define, then window.customCards.push).
const STAND_IN = `
  class OtherCard extends HTMLElement {
    setConfig(config) { this.config = config; }
    set hass(hass) { this.textContent = 'other card'; }
  }
  customElements.define('webrtc-camera', OtherCard);
  window.otherLoaded = true;
  (window.customCards ||= []).push({ type: 'webrtc-camera', name: 'WebRTC Camera' });
`;

function page(order: 'ours-first' | 'theirs-first'): string {
  const ours = `<script type="module">import '/webrtc-camera.js'; window.oursLoaded = true;</script>`;
  const theirs = `<script type="module">${STAND_IN}</script>`;
  return `<!doctype html><html><body>${order === 'ours-first' ? ours + theirs : theirs + ours}
    <script type="module">
      const card = document.createElement('webrtc-camera');
      card.setConfig({ type: 'custom:webrtc-camera', url: 'demo', server: 'http://127.0.0.1:9' });
      document.body.append(card);
      // Ours has the editor hook (class names are minified in the bundle).
      window.cardClass = typeof customElements.get('webrtc-camera').getConfigElement === 'function' ? 'ours' : 'theirs';
      window.editorDefined = !!customElements.get('ts2rtc-webrtc-camera-editor');
      window.done = true;
    </script></body></html>`;
}

describe("webrtc-camera registered twice (AlexxIT's card also loaded)", () => {
  let browser: ChromiumPeer;
  const proxies: FakeHaProxy[] = [];
  before(async () => {
    ensureCardBuilt();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.stop();
    for (const p of proxies) await p.close();
  });

  for (const order of ['ours-first', 'theirs-first'] as const) {
    it(`${order}: no script error, both scripts finish, the first definition serves the cards`, async () => {
      const proxy = await startFakeHaProxy({
        html: page(order),
        cardFile: CARD_FILE,
        upstream: () => 'http://127.0.0.1:9',
      });
      proxies.push(proxy);
      const tab = await browser.context.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (err) => errors.push(err.message));
      await tab.goto(proxy.url);
      await tab.waitForFunction('window.done === true', undefined, { timeout: 10_000 });
      assert.deepEqual(errors, []);
      assert.equal(await tab.evaluate('window.oursLoaded && window.otherLoaded'), true);
      assert.equal(await tab.evaluate('window.cardClass'), order === 'ours-first' ? 'ours' : 'theirs');
      assert.equal(await tab.evaluate('window.editorDefined'), true);
      const entries = (await tab.evaluate(
        'window.customCards.filter((c) => c.type === "webrtc-camera").length',
      )) as number;
      assert.ok(entries >= 1);
      await tab.close();
    });
  }
});
