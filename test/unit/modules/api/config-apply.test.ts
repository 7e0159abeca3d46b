import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../../../addon/src/config/load.js';
import { applyStreams } from '../../../../addon/src/modules/api/config-apply.js';
import { createTestApp } from '../../../helpers/app.js';

const config = (text: string) => loadConfigText(text, { env: {} }).config;

describe('applyStreams: a saved config brought into the running hub', () => {
  it('adds, changes and removes only what the file changed; other streams stay the same objects', async () => {
    const app = createTestApp({ config: { streams: { a: 'test:a', b: 'test:b', gone: 'test:gone' } } });
    try {
      app.streams.set('from-api', ['test:x'], 'api');
      const a = app.streams.get('a');
      const before = config('streams:\n  a: test:a\n  b: test:b\n  gone: test:gone\n');
      const after = config(
        'streams:\n  a: test:a\n  b: [test:b, test:b2]\n  c: test:c\nwebrtc:\n  candidates: [1.2.3.4:8555]\n',
      );
      const report = applyStreams(app.streams, before, after);
      assert.deepEqual(report.streams, { added: ['c'], changed: ['b'], removed: ['gone'], failed: [] });
      assert.deepEqual(report.restartRequired, ['webrtc']);
      assert.equal(app.streams.get('a'), a);
      assert.deepEqual(
        app.streams.get('b')?.sources.map((u) => u.raw),
        ['test:b', 'test:b2'],
      );
      assert.equal(app.streams.get('gone'), undefined);
      assert.ok(app.streams.get('from-api'), 'a stream the file never named is left alone');
    } finally {
      await app.stop();
    }
  });

  it('an old text that did not validate removes nothing and asks no restart', async () => {
    const app = createTestApp({ config: { streams: { a: 'test:a' } } });
    try {
      const report = applyStreams(app.streams, undefined, config('streams:\n  b: test:b\n'));
      assert.deepEqual(report.streams, { added: ['b'], changed: [], removed: [], failed: [] });
      assert.deepEqual(report.restartRequired, []);
      assert.ok(app.streams.get('a'));
    } finally {
      await app.stop();
    }
  });

  it('a name the hub refuses is reported, the others applied', async () => {
    const app = createTestApp();
    try {
      const report = applyStreams(
        app.streams,
        config('{}'),
        config('streams:\n  ok: test:ok\n  "bad\\u0001": test:x\n'),
      );
      assert.deepEqual(report.streams.added, ['ok']);
      assert.deepEqual(
        report.streams.failed.map((f) => f.name),
        ['bad\u0001'],
      );
    } finally {
      await app.stop();
    }
  });
});
