import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { init } from '../../../../addon/src/modules/streams/index.js';
import { createTestApp } from '../../../helpers/app.js';

describe('streams from the config', () => {
  it('`name: ""` and empty list items declare a stream that waits for a publisher, as in go2rtc', async () => {
    const app = createTestApp();
    try {
      app.config.streams = { waiting: [''], mixed: ['', 'test:one', ''], none: [] };
      init(app);
      assert.deepEqual(app.streams.get('waiting')?.sources, []);
      assert.deepEqual(
        app.streams.get('mixed')?.sources.map((s) => s.raw),
        ['test:one'],
      );
      assert.deepEqual(app.streams.get('none')?.sources, []);
    } finally {
      await app.stop();
    }
  });
});
