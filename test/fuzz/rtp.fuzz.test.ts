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
import { assertBothOutcomes, describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated RTP and RTCP packets (captured from rtph264pay, ffmpeg and GStreamer's RTSP server, plus built
 * ones with CSRCs, extensions and padding) through parseRtp/parseRtcp, and parsed packets through the
 * reorder buffer: only RtpError, no call hangs. A parsed packet must serialize back to its header.
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 15_000;
const SEED = 0x72747020; // 'rtp '

const rtpSeeds = [
  ...readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp')).slice(0, 4),
  ...readPackets(fixtureUrl('aac', 'gst_aac_mp4g.rtp')).slice(0, 2),
  Buffer.concat([
    serializeRtpHeader({
      payloadType: 97,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      csrc: [4, 5],
      headerExtension: { profile: 0xbede, data: Buffer.alloc(8, 1) },
      paddingSize: 4,
    }),
    Buffer.from('aabbcc00000004', 'hex'),
  ]),
].map((p) => p.subarray(0, 300));
const session = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels;
const rtcpSeeds = [
  ...(session.get(1) ?? []),
  buildReceiverReport({
    ssrc: 1,
    cname: 'ts2rtc',
    reports: [
      { ssrc: 2, fractionLost: 3, packetsLost: -4, highestSequence: 5, jitter: 6, lastSr: 7, delaySinceLastSr: 8 },
    ],
  }),
  buildSenderReport({
    ssrc: 1,
    ntpSeconds: 2,
    ntpFraction: 3,
    rtpTimestamp: 4,
    packetCount: 5,
    octetCount: 6,
    cname: 'x',
  }),
  Buffer.from('81cb0003000000050462796521000000', 'hex'),
];

const reorder = new ReorderBuffer({ capacity: 16 });
const unwrap = new TimestampUnwrapper();
let released = 0;

const targets: FuzzTarget[] = [
  {
    name: 'parseRtp/ReorderBuffer',
    seeds: rtpSeeds,
    run: (input) => {
      const packet = parseRtp(input);
      // The header the parser saw serializes back to the bytes before the payload.
      const header = serializeRtpHeader({ ...packet, paddingSize: packet.padding ? 1 : 0 });
      assert.deepEqual(header, input.subarray(0, header.length));
      released += reorder.push(packet).length;
      unwrap.unwrap(packet.timestamp);
    },
  },
  { name: 'parseRtcp', seeds: rtcpSeeds, run: (input) => void parseRtcp(input) },
];

describe('rtp fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated RTP and RTCP packets each: only RtpError, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'rtp',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof RtpError,
    });
    assertBothOutcomes(stats, 1000);
    if (stats.has('parseRtp/ReorderBuffer')) assert.ok(released > 100, `${released} packets out of the reorder buffer`);
    t.diagnostic(`${describeStats(stats)}; ${released} released in order`);
  });
});
