import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H264Depacketizer, H264Packetizer, h264PayloadKind, joinAvcc } from '../../addon/src/pkg/h264/index.js';
import { H265Depacketizer, H265Packetizer, h265PayloadKind } from '../../addon/src/pkg/h265/index.js';
import { JpegDepacketizer, JpegPacketizer, parseJpeg } from '../../addon/src/pkg/jpeg/index.js';
import {
  PayloadKind,
  RtpError,
  UnwatchedGop,
  parseRtp,
  rtpPacketToBuffer,
  rtpPayloadStart,
  splitAvccFrame,
  type PayloadClassifier,
  type RtpPacket,
} from '../../addon/src/pkg/rtp/index.js';
import { H264_CASES } from '../unit/pkg/h264/rtp-cases.js';
import { H265_CASES } from '../unit/pkg/h265/rtp-cases.js';
import { fixtureUrl, readFrames, readPackets, readSession } from '../unit/pkg/rtp/capture.js';
import { depacketizerTarget, rawSequence, type DepacketizerCounts, type DepacketizerTarget } from './depacketizers.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * H264, H265 and JPEG depacketizers on mutated packet sequences: the captured streams (rtph264pay,
 * rtph265pay, rtpjpegpay, ffmpeg) and the case tables. Sequences of 1-12 damaged packets (test/fuzz/depacketizers.ts); only RtpError; frames
 * are well-formed AVCC within the caps, or JPEG images that parse.
 */

/** Packet sequences (1-12 packets, damaged) per depacketizer; FUZZ_INPUTS for the long mode. */
const INPUTS = 3_000;
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
    make: () =>
      new H264Depacketizer({
        waitKeyframe: false,
        maxFrameSize: MAX_FRAME,
        maxNalus: 64,
        fmtp: 'sprop-parameter-sets=Z0LADNoMEbAWoMDA1KAAAAMAIAAABlHihVQ=,aM48gA==',
      }),
    seeds: [
      parsed(readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'))),
      parsed(readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels.get(0) ?? []),
      ...fromCases(
        (f) =>
          new H264Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 0, maxPayloadSize: 1000 })
            .packetize({ payload: f, timestamp: 0, keyframe: true })
            .map(rtpPacketToBuffer),
        H264_CASES,
      ),
    ],
    check: avccCheck('H264'),
  },
  {
    name: 'H265',
    make: () => new H265Depacketizer({ waitKeyframe: false, maxFrameSize: MAX_FRAME, maxNalus: 64 }),
    seeds: [
      parsed(readPackets(fixtureUrl('h265', 'gst_h265.rtp'))),
      ...fromCases(
        (f) =>
          new H265Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 0, maxPayloadSize: 900 })
            .packetize({ payload: f, timestamp: 0, keyframe: true })
            .map(rtpPacketToBuffer),
        H265_CASES,
      ),
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
          .packetize({
            payload: readFrames(fixtureUrl('jpeg', 'gst_jpeg420.frames'))[0] ?? Buffer.alloc(0),
            timestamp: 0,
            keyframe: true,
          })
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
    it(`${target.name}: corpus, then ${fuzzInputs(INPUTS)} mutated packet sequences, only RtpError, well-formed frames`, (t) => {
      const counts = { packets: 0, frames: 0, typed: 0 };
      const stats = fuzzTargets({
        parser: 'rtp-video',
        seed: 0x76696430 + n,
        targets: [depacketizerTarget(target, counts)],
        ciInputs: INPUTS,
        typed: (e) => e instanceof RtpError,
      });
      if (stats.size > 0) assert.ok(counts.frames > fuzzInputs(INPUTS) / 10, `${counts.frames} frames came out`);
      t.diagnostic(
        `${describeStats(stats)}; ${counts.packets} packets, ${counts.frames} frames, ${counts.typed} RtpError`,
      );
    });
  });
});

/**
 * A publisher nobody reads keeps its raw RTP since the last key picture (pkg/rtp/unwatched-gop.ts): on the
 * same damaged sequences, classifying and keeping never throw, never keep more than came, and what is kept
 * depacketizes as any sequence does (only RtpError).
 */
describe('unwatched GOP fuzz', () => {
  const kept: Array<{ target: DepacketizerTarget; classify: PayloadClassifier }> = [
    { target: targets[0]!, classify: h264PayloadKind },
    { target: targets[1]!, classify: h265PayloadKind },
  ];
  kept.forEach(({ target, classify }, n) => {
    it(`${target.name}: ${fuzzInputs(INPUTS)} mutated packet sequences kept raw, then depacketized`, (t) => {
      const counts: DepacketizerCounts = { packets: 0, frames: 0, typed: 0 };
      const base = depacketizerTarget(target, counts);
      let keptPackets = 0;
      const stats = fuzzTargets({
        parser: 'rtp-video',
        seed: 0x6b657030 + n,
        targets: [
          {
            ...base,
            name: `${target.name} unwatched`,
            run: (input) => {
              const packets = rawSequence(input);
              const keeper = new UnwatchedGop(classify, { maxPackets: 8 });
              for (const packet of packets) {
                const start = rtpPayloadStart(packet);
                if (start >= 0) {
                  const kind = classify(packet, start, packet.length);
                  assert.ok(
                    kind === PayloadKind.Other || kind === PayloadKind.ParameterSets || kind === PayloadKind.KeyPicture,
                  );
                }
                keeper.push(packet);
              }
              const taken = keeper.take();
              assert.ok(taken.length <= Math.min(8, packets.length), `${taken.length} of ${packets.length} kept`);
              keptPackets += taken.length;
              const d = target.make();
              for (const packet of taken) {
                try {
                  for (const frame of d.push(parseRtp(packet))) target.check(frame);
                } catch (error) {
                  if (!(error instanceof RtpError)) throw error;
                }
              }
            },
          },
        ],
        ciInputs: INPUTS,
        typed: (e) => e instanceof RtpError,
      });
      t.diagnostic(`${describeStats(stats)}; ${keptPackets} packets kept`);
    });
  });
});
