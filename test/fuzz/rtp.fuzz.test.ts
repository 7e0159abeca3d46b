import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ReorderBuffer,
  RtpError,
  TimestampUnwrapper,
  buildReceiverReport,
  buildSenderReport,
  parseRtcp,
  parseRtp,
  serializeRtpHeader,
} from '../../addon/src/pkg/rtp/index.js';
import { fixtureUrl, readPackets, readSession } from '../unit/pkg/rtp/capture.js';
import { Prng, mutateSeed as mutate, timed, HANG_MS } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated RTP and RTCP packets (captured from rtph264pay, ffmpeg and GStreamer's RTSP server, plus built
 * ones with CSRCs, extensions and padding) through parseRtp/parseRtcp, and parsed packets through the
 * reorder buffer: only RtpError, each call under 50 ms. A parsed packet must serialize back to its header.
 */

const ITERATIONS = fuzzInputs(150_000);
const MAX_CALL_MS = HANG_MS;
const SEED = 0x72747020; // 'rtp '

const rtpSeeds = [
  ...readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp')).slice(0, 4),
  ...readPackets(fixtureUrl('aac', 'gst_aac_mp4g.rtp')).slice(0, 2),
  Buffer.concat([
    serializeRtpHeader({ payloadType: 97, sequence: 1, timestamp: 2, ssrc: 3, csrc: [4, 5], headerExtension: { profile: 0xbede, data: Buffer.alloc(8, 1) }, paddingSize: 4 }),
    Buffer.from('aabbcc00000004', 'hex'),
  ]),
].map((p) => p.subarray(0, 300));
const session = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels;
const rtcpSeeds = [
  ...(session.get(1) ?? []),
  buildReceiverReport({ ssrc: 1, cname: 'ts2rtc', reports: [{ ssrc: 2, fractionLost: 3, packetsLost: -4, highestSequence: 5, jitter: 6, lastSr: 7, delaySinceLastSr: 8 }] }),
  buildSenderReport({ ssrc: 1, ntpSeconds: 2, ntpFraction: 3, rtpTimestamp: 4, packetCount: 5, octetCount: 6, cname: 'x' }),
  Buffer.from('81cb0003000000050462796521000000', 'hex'),
];

describe('rtp fuzz', () => {
  it(`${ITERATIONS} mutated RTP/RTCP packets: only RtpError, no call hangs`, (t) => {
    const rng = new Prng(SEED);
    const reorder = new ReorderBuffer({ capacity: 16 });
    const unwrap = new TimestampUnwrapper();
    const counts = { rtpOk: 0, rtpBad: 0, rtcpOk: 0, rtcpBad: 0, released: 0 };
    let slowest = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const rtcp = rng.below(3) === 0;
      const input = mutate(rng, rng.pick(rtcp ? rtcpSeeds : rtpSeeds));
      const { ms, error } = timed(() => {
        if (rtcp) {
          parseRtcp(input);
          return;
        }
        const packet = parseRtp(input);
        // The header the parser saw serializes back to the bytes before the payload.
        const header = serializeRtpHeader({ ...packet, paddingSize: packet.padding ? 1 : 0 });
        assert.deepEqual(header, input.subarray(0, header.length));
        counts.released += reorder.push(packet).length;
        unwrap.unwrap(packet.timestamp);
      });
      slowest = Math.max(slowest, ms);
      assert.ok(ms < MAX_CALL_MS, `iteration ${i} took ${ms.toFixed(1)} ms`);
      if (error !== undefined && !(error instanceof RtpError)) assert.fail(`iteration ${i} threw ${String(error)}`);
      if (rtcp) counts[error === undefined ? 'rtcpOk' : 'rtcpBad']++;
      else counts[error === undefined ? 'rtpOk' : 'rtpBad']++;
    }
    for (const [name, n] of Object.entries(counts)) assert.ok(n > 1000, `${name}: ${n}`);
    t.diagnostic(`slowest ${slowest.toFixed(2)} ms; ${JSON.stringify(counts)}`);
  });
});
