import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceptionStats } from '../../../../../addon/src/pkg/rtsp/client/rtcp-stats.js';
import { buildReceiverReport, parseRtcp } from '../../../../../addon/src/pkg/rtp/rtcp.js';

describe('ReceptionStats (RFC 3550 A.3, A.8)', () => {
  it('no loss, steady arrival: zero loss and zero jitter; the highest sequence extends over the wrap', () => {
    const stats = new ReceptionStats(0x11223344, 8000);
    // 20 ms PCMU packets (160 ticks) arriving exactly on time, across the 16-bit sequence wrap.
    for (let i = 0; i < 100; i++) stats.onRtp((65500 + i) & 0xffff, 1000 + i * 160, 10_000 + i * 20);
    assert.deepEqual(stats.reportBlock(12_000), {
      ssrc: 0x11223344,
      fractionLost: 0,
      packetsLost: 0,
      highestSequence: 65500 + 99, // 0x1_0017: one cycle, sequence 23
      jitter: 0,
      lastSr: 0,
      delaySinceLastSr: 0,
    });
  });

  it('loss: cumulative and the fraction since the previous report', () => {
    const stats = new ReceptionStats(1, 90000);
    for (let seq = 0; seq < 100; seq++) if (seq % 4 !== 3) stats.onRtp(seq, seq * 3600, seq * 40);
    const first = stats.reportBlock(4000);
    // Every 4th packet missing: the highest seen is 98, so 0..98 were expected (99) and 24 are missing.
    assert.equal(first.packetsLost, 24);
    assert.equal(first.highestSequence, 98);
    assert.equal(first.fractionLost, Math.floor((24 * 256) / 99));
    for (let seq = 100; seq < 200; seq++) stats.onRtp(seq, seq * 3600, seq * 40);
    const second = stats.reportBlock(8000);
    // Now 99 is known lost too: 1 of the 101 expected since the last report.
    assert.equal(second.packetsLost, 25);
    assert.equal(second.fractionLost, Math.floor(256 / 101));
  });

  it('jitter: a packet 10 ms late moves the estimate by 1/16 of the difference each time', () => {
    const stats = new ReceptionStats(1, 8000);
    stats.onRtp(0, 0, 0);
    stats.onRtp(1, 160, 30); // 10 ms = 80 ticks late: jitter 80/16 = 5
    assert.equal(stats.reportBlock(100).jitter, 5);
    stats.onRtp(2, 320, 40); // back on time: |−80| → 5 + (80 − 5)/16 = 9.6875
    assert.equal(stats.reportBlock(100).jitter, 9);
  });

  it('echoes the middle 32 bits of the last SR and the delay since it in 1/65536 s', () => {
    const stats = new ReceptionStats(7, 90000);
    stats.onRtp(1, 0, 0);
    stats.onSenderReport(0xaabbccdd, 0x11223344, 1000);
    const block = stats.reportBlock(1500);
    assert.equal(block.lastSr, 0xccdd1122);
    assert.equal(block.delaySinceLastSr, 32768);
    // What goes on the wire parses back the same.
    const rr = parseRtcp(buildReceiverReport({ ssrc: 99, reports: [block], cname: 'ts2rtc' }));
    assert.equal(rr[0]?.type, 'rr');
    assert.deepEqual(rr[0]?.type === 'rr' ? rr[0].reports[0] : undefined, block);
  });
});
