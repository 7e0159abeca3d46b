import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Module } from '../../addon/src/app.js';
import { MODULES } from '../../addon/src/server.js';
import { createTestApp } from '../helpers/app.js';

/** Every listener off: these tests run `init` only, and nothing may bind a port. */
const NO_LISTENERS = { api: { listen: '' }, rtsp: { listen: '' }, webrtc: { listen: '' }, rtmp: { listen: '' } };

describe('module contract', () => {
  it("MODULES' order satisfies every app.module() dependency, and each init returns what ModuleExports says", async () => {
    const app = createTestApp({ config: NO_LISTENERS });
    try {
      for (const module of MODULES) app.add(module);
      assert.deepEqual(
        MODULES.map((m) => m.name),
        [
          'api',
          'demo',
          'rtsp',
          'exec',
          'echo',
          'ffmpeg',
          'http',
          'homekit',
          'rtmp',
          'onvif',
          'ivideon',
          'streams',
          'webrtc',
          'ngrok',
          'mp4',
          'hls',
          'mjpeg',
          'hass',
        ],
      );
      assert.equal(typeof app.module('api').addRoute, 'function');
      assert.equal(typeof app.module('exec').processes.stopAll, 'function');
      assert.ok(Array.isArray(app.module('webrtc').settings.candidates));
      assert.equal(app.module('mp4').sessions, app.module('mp4').sessions);
      assert.equal(app.module('demo'), undefined);
      // Every source module registered its schemes before `streams` made the config's streams.
      for (const scheme of [
        'demo',
        'rtsp',
        'rtsps',
        'exec',
        'echo',
        'ffmpeg',
        'http',
        'homekit',
        'rtmp',
        'onvif',
        'ivideon',
        'hass',
      ]) {
        assert.ok(app.streams.schemes().includes(scheme), `scheme ${scheme}`);
      }
    } finally {
      await app.stop();
    }
  });

  it('a module used before its init ran is an ordering error with its code, not undefined', async () => {
    const app = createTestApp({ config: NO_LISTENERS });
    try {
      const exec = MODULES.find((m) => m.name === 'exec');
      assert.ok(exec);
      assert.throws(() => app.add(exec), { code: 'MODULE_ORDER', message: /module rtsp is used before its init ran/ });
      const api = MODULES.find((m) => m.name === 'api');
      assert.ok(api);
      app.add(api);
      assert.throws(() => app.add(api), { code: 'MODULE_ORDER', message: /module api is initialised twice/ });
    } finally {
      await app.stop();
    }
  });

  it('onStart handlers run in registration order, onStop handlers in reverse', async () => {
    const app = createTestApp();
    const calls: string[] = [];
    const step = (name: string): Module<'demo'> => ({
      name: 'demo',
      init(a) {
        a.onStart(() => void calls.push(`start ${name}`));
        a.onStop(() => void calls.push(`stop ${name}`));
        return undefined;
      },
    });
    step('first').init(app);
    step('second').init(app);
    await app.start();
    await app.stop();
    assert.deepEqual(calls, ['start first', 'start second', 'stop second', 'stop first']);
  });
});
