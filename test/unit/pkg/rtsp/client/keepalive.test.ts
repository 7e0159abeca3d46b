import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepaliveIntervalMs } from '../../../../../addon/src/pkg/rtsp/client/keepalive.js';

describe('rtsp client keep-alive', () => {
  it('5 s before the session timeout, half of a short one, 25 s when none is given', () => {
    assert.equal(keepaliveIntervalMs(undefined), 25_000);
    assert.equal(keepaliveIntervalMs(60), 55_000);
    assert.equal(keepaliveIntervalMs(30), 25_000);
    assert.equal(keepaliveIntervalMs(10), 5_000);
    assert.equal(keepaliveIntervalMs(3), 1_500);
    assert.equal(keepaliveIntervalMs(1), 1_000);
  });
});
