import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H264Depacketizer, H264Packetizer, joinAvcc } from '../../addon/src/pkg/h264/index.js';
import { H265Depacketizer, H265Packetizer } from '../../addon/src/pkg/h265/index.js';
import { JpegDepacketizer, JpegPacketizer, parseJpeg } from '../../addon/src/pkg/jpeg/index.js';
import { parseRtp, rtpPacketToBuffer, splitAvccFrame, type RtpPacket } from '../../addon/src/pkg/rtp/index.js';
import { H264_CASES } from '../unit/pkg/h264/rtp-cases.js';
import { H265_CASES } from '../unit/pkg/h265/rtp-cases.js';
import { fixtureUrl, readFrames, readPackets, readSession } from '../unit/pkg/rtp/capture.js';
import { fuzzDepacketizer, type DepacketizerTarget } from '../unit/pkg/rtp/fuzz-harness.js';
import { HANG_MS } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * H264, H265 and JPEG depacketizers on mutated packet sequences: the captured streams (rtph264pay,
 * rtph265pay, rtpjpegpay, ffmpeg) and the case tables. At least 100k packets each; only RtpError; frames
 * are well-formed AVCC within the caps, or JPEG images that parse.
 */

const PACKETS = fuzzInputs(100_000);
const MAX_CALL_MS = HANG_MS;
const MAX_FRAME = 64 * 1024;

const parsed = (buffers: readonly Buffer[]): RtpPacket[] => buffers.map((b) => parseRtp(b));
const fromCases = (packetize: (frame: Buffer) => Buffer[], cases: ReadonlyArray<{ nalus: Buffer[] }>) =>
  cases.map((c) => parsed(packetize(joinAvcc(c.nalus))));

const avccCheck = (name: string) => (frame: { payload: Buffer }) => {
  assert.ok(frame.payload.length <= MAX_FRAME + 1024, `${name}: frame of ${frame.payload.length} bytes`);
  assert.ok(splitAvccFrame(frame.payload).length <= 64, `${name}: NAL unit cap`);
};

const targets: DepacketizerTarget[] = [
  {
    name: 'H264',
    make: () => new H264Depacketizer({ waitKeyframe: false, maxFrameSize: MAX_FRAME, maxNalus: 64, fmtp: 'sprop-parameter-sets=Z0LADNoMEbAWoMDA1KAAAAMAIAAABlHihVQ=,aM48gA==' }),
    seeds: [
      parsed(readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'))),
      parsed(readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels.get(0) ?? []),
      ...fromCases((f) => new H264Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 0, maxPayloadSize: 1000 }).packetize({ payload: f, timestamp: 0, keyframe: true }).map(rtpPacketToBuffer), H264_CASES),
    ],
    check: avccCheck('H264'),
  },
  {
    name: 'H265',
    make: () => new H265Depacketizer({ waitKeyframe: false, maxFrameSize: MAX_FRAME, maxNalus: 64 }),
    seeds: [
      parsed(readPackets(fixtureUrl('h265', 'gst_h265.rtp'))),
      ...fromCases((f) => new H265Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 0, maxPayloadSize: 900 }).packetize({ payload: f, timestamp: 0, keyframe: true }).map(rtpPacketToBuffer), H265_CASES),
    ],
    check: avccCheck('H265'),
  },
  {
    name: 'H265 with DONL',
    make: () => new H265Depacketizer({ waitKeyframe: false, maxFrameSize: MAX_FRAME, fmtp: 'sprop-max-don-diff=2' }),
    seeds: [parsed(readPackets(fixtureUrl('h265', 'gst_h265.rtp')))],
    check: avccCheck('H265 DONL'),
  },
  {
    name: 'JPEG',
    make: () => new JpegDepacketizer({ maxFrameSize: MAX_FRAME }),
    seeds: [
      parsed(readPackets(fixtureUrl('jpeg', 'gst_jpeg420.rtp'))),
      parsed(readPackets(fixtureUrl('jpeg', 'gst_jpeg422.rtp'))),
      parsed(readSession(fixtureUrl('rtsp', 'ffmpeg_announce_mjpeg_pcmu.bin')).channels.get(0) ?? []).slice(0, 12),
      parsed(
        new JpegPacketizer({ payloadType: 26, ssrc: 1, initialSequence: 0, maxPayloadSize: 600 })
          .packetize({ payload: readFrames(fixtureUrl('jpeg', 'gst_jpeg420.frames'))[0] ?? Buffer.alloc(0), timestamp: 0, keyframe: true })
          .map(rtpPacketToBuffer),
      ),
    ],
    check: (frame) => {
      // Whatever arrived, the rebuilt image is a JPEG whose headers parse.
      parseJpeg(frame.payload);
    },
  },
];

describe('video depacketizer fuzz', () => {
  targets.forEach((target, n) => {
    it(`${target.name}: ${PACKETS} mutated packets, only RtpError, well-formed frames`, (t) => {
      const result = fuzzDepacketizer(target, { seed: 0x76696430 + n, minPackets: PACKETS, maxCallMs: MAX_CALL_MS });
      assert.ok(result.frames > 1000, `${result.frames} frames came out`);
      t.diagnostic(`${result.packets} packets, ${result.frames} frames, slowest push ${result.slowest.toFixed(2)} ms`);
    });
  });
});
