import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocationSites, type SamplingNode } from '../../../bench/lib/alloc-sites.js';

const node = (functionName: string, url: string, selfSize: number, children: SamplingNode[] = []): SamplingNode => ({
  callFrame: { functionName, url, lineNumber: 9 },
  selfSize,
  children,
});

describe('bench alloc-sites', () => {
  it('groups bytes by the nearest ts2rtc frame and the allocating frame under it', () => {
    const ours = 'file:///repo/addon/dist/pkg/rtp/packet.js';
    const head = node('(root)', '', 0, [
      node('read', 'file:///repo/addon/dist/pkg/rtsp/connection.js', 0, [
        node('parseRtp', ours, 100, [
          node('wrappedFn', 'node:internal/errors', 40),
          node('Uint8Array', '', 10),
          node('wrappedFn', 'node:internal/errors', 2),
        ]),
      ]),
      node('onStreamRead', 'node:internal/stream_base_commons', 7),
    ]);
    const { total, sites } = allocationSites(head);
    assert.equal(total, 159);
    assert.deepEqual(
      [...sites].sort((a, b) => b[1] - a[1]),
      [
        ['parseRtp rtp/packet.js:10', 100],
        ['parseRtp rtp/packet.js:10 <= wrappedFn node:internal/errors:10', 42],
        ['parseRtp rtp/packet.js:10 <= Uint8Array', 10],
        ['(no ts2rtc frame) <= onStreamRead node:internal/stream_base_commons:10', 7],
      ],
    );
  });
});
