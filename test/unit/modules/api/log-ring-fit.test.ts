import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MemoryLog } from '../../../../addon/src/modules/api/index.js';
import { LogRing } from '../../../../addon/src/modules/log/index.js';

it('the log module ring is what /api/log reads (no adapter needed in main)', () => {
  const ring: MemoryLog = new LogRing();
  assert.equal(ring.text(), '');
});
