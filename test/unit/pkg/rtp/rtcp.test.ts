import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RtpError,
  buildReceiverReport,
  buildSenderReport,
  isRtcp,
  ntpFromUnixMs,
  ntpMiddle,
  parseRtcp,
  parseRtp,
  timestampDiff,
  type RtcpReportBlock,
} from '../../../../addon/src/pkg/rtp/index.js';
import { fixtureUrl, readSession } from './capture.js';

describe('RTCP from a real peer', () => {
  it('parses the sender reports ffmpeg sent while publishing: a bare SR for the SSRC of its RTP', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin'));
    for (const [rtpChannel, rtcpChannel] of [
      [0, 1],
      [2, 3],
    ] as const) {
      const rtp = channels.get(rtpChannel)?.[0];
      const rtcp = channels.get(rtcpChannel) ?? [];
      assert.ok(rtp !== undefined && rtcp.length === 1, `RTP on ${rtpChannel}, one RTCP packet on ${rtcpChannel}`);
      const packet = rtcp[0] as Buffer;
      assert.ok(isRtcp(packet) && !isRtcp(rtp));
      const ssrc = parseRtp(rtp).ssrc;
      // ffmpeg sends a bare SR, without the SDES RFC 3550 asks for.
      const [sr, ...rest] = parseRtcp(packet);
      assert.deepEqual(rest, []);
      assert.ok(sr?.type === 'sr', 'a sender report first');
      assert.equal(sr.ssrc, ssrc);
      assert.deepEqual(sr.reports, []);
      // ffmpeg sends the first SR before any RTP of the stream (it comes first in the capture).
      assert.ok(sr.packetCount === 0 && sr.octetCount === 0);
      const apart = Math.abs(timestampDiff(sr.rtpTimestamp, parseRtp(rtp).timestamp));
      assert.ok(apart < 90000, `its RTP time is within a second of the first packet's (${apart})`);
    }
  });
});

describe('building reports', () => {
  const block: RtcpReportBlock = {
    ssrc: 0x01020304,
    fractionLost: 25,
    packetsLost: -3,
    highestSequence: 0x0001fffe,
    jitter: 90,
    lastSr: 0xaabbccdd,
    delaySinceLastSr: 65536,
  };

  it('an empty RR is 8 bytes, with a CNAME an SDES follows', () => {
    assert.equal(buildReceiverReport({ ssrc: 0x1234 }).toString('hex'), '80c9000100001234');
    const withName = buildReceiverReport({ ssrc: 0x1234, cname: 'ts2rtc' });
    // 12 bytes of chunk, a null item ending the list, padding to 16.
    assert.equal(
      withName.toString('hex'),
      '80c9000100001234' + '81ca0004' + '00001234' + '0106' + Buffer.from('ts2rtc').toString('hex') + '00000000',
    );
    assert.deepEqual(parseRtcp(withName), [
      { type: 'rr', ssrc: 0x1234, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: 0x1234, items: [{ type: 1, text: 'ts2rtc' }] }] },
    ]);
  });

  it('SR and RR with report blocks round-trip', () => {
    const sr = buildSenderReport({
      ssrc: 9,
      ntpSeconds: 3_900_000_000,
      ntpFraction: 0x80000000,
      rtpTimestamp: 2 ** 32 + 10,
      packetCount: 100,
      octetCount: 12345,
      reports: [block],
    });
    assert.deepEqual(parseRtcp(sr), [
      {
        type: 'sr',
        ssrc: 9,
        ntpSeconds: 3_900_000_000,
        ntpFraction: 0x80000000,
        rtpTimestamp: 10,
        packetCount: 100,
        octetCount: 12345,
        reports: [block],
      },
    ]);
    assert.deepEqual(parseRtcp(buildReceiverReport({ ssrc: 7, reports: [block, { ...block, ssrc: 5 }] })), [
      { type: 'rr', ssrc: 7, reports: [block, { ...block, ssrc: 5 }] },
    ]);
  });

  it('NTP time helpers', () => {
    assert.deepEqual(ntpFromUnixMs(0), { seconds: 2_208_988_800, fraction: 0 });
    assert.deepEqual(ntpFromUnixMs(1500), { seconds: 2_208_988_801, fraction: 0x80000000 });
    assert.equal(ntpMiddle(0x12345678, 0x9abcdef0).toString(16), '56789abc');
  });
});

describe('parseRtcp errors and other packets', () => {
  const code = (fn: () => unknown, c: string) =>
    assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === c);

  it('keeps APP/feedback packets and reads BYE with a reason', () => {
    const pli = Buffer.from('81ce00020000000100000002', 'hex');
    assert.deepEqual(parseRtcp(pli), [
      { type: 'other', packetType: 206, count: 1, body: Buffer.from('0000000100000002', 'hex') },
    ]);
    const bye = Buffer.from('81cb0003' + '00000005' + '04' + '62796521' + '000000', 'hex');
    assert.deepEqual(parseRtcp(bye), [{ type: 'bye', ssrcs: [5], reason: 'bye!' }]);
  });

  it('rejects broken packets with typed codes', () => {
    code(() => parseRtcp(Buffer.alloc(3)), 'RTCP_BAD_PACKET');
    code(() => parseRtcp(Buffer.from('40c9000100001234', 'hex')), 'RTP_BAD_VERSION');
    code(() => parseRtcp(Buffer.from('80c9000500001234', 'hex')), 'RTCP_BAD_PACKET'); // length past the end
    code(() => parseRtcp(Buffer.from('81c9000100001234', 'hex')), 'RTCP_BAD_PACKET'); // one block announced, none there
    code(() => parseRtcp(Buffer.from('81ca000200001234' + '0105616263', 'hex').subarray(0, 12)), 'RTCP_BAD_PACKET');
    code(() => parseRtcp(Buffer.from('80c900010000123400', 'hex')), 'RTCP_BAD_PACKET'); // stray byte
  });
});
