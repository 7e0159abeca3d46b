import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AacBitWriter,
  AacDepacketizer,
  AacPacketizer,
  LatmDepacketizer,
  LatmPacketizer,
} from '../../addon/src/pkg/aac/index.js';
import { OpusDepacketizer } from '../../addon/src/pkg/opus/index.js';
import { PcmDepacketizer } from '../../addon/src/pkg/pcm/index.js';
import { RtpError, parseRtp, rtpPacketToBuffer, type RtpPacket } from '../../addon/src/pkg/rtp/index.js';
import { AAC_CASES } from '../unit/pkg/aac/rtp-cases.js';
import { fixtureUrl, readPackets, readSession } from '../unit/pkg/rtp/capture.js';
import { depacketizerTarget, type DepacketizerTarget } from './depacketizers.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * AAC (mpeg4-generic in the AAC-hbr and AAC-lbr layouts, MP4A-LATM), Opus and PCM depacketizers on mutated
 * packet sequences from GStreamer and ffmpeg captures and the AAC case table. Sequences of 1-12 damaged packets (test/fuzz/depacketizers.ts);
 * only RtpError; every AU within the cap.
 */

/** Packet sequences (1-12 packets, damaged) per depacketizer; FUZZ_INPUTS for the long mode. */
const INPUTS = 3_000;
const MAX_AU = 4096;

const parsed = (buffers: readonly Buffer[]): RtpPacket[] => buffers.map((b) => parseRtp(b));
const capped = (name: string) => (frame: { payload: Buffer }) =>
  assert.ok(frame.payload.length <= MAX_AU * 2, `${name}: AU of ${frame.payload.length}`);
const ffmpegAac = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels.get(2) ?? [];
const ffmpegLatm = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_latm.bin')).channels.get(2) ?? [];

/** Packets in the many-fields layout: AU headers with CTS/DTS deltas, RAP and stream state, an aux section. */
function fieldPackets(): RtpPacket[] {
  const out: RtpPacket[] = [];
  for (let n = 0; n < 8; n++) {
    const sizes = [3 + n, 4];
    const w = new AacBitWriter();
    sizes.forEach((size, i) => {
      w.u(13, size);
      w.u(3, 0); // index, then index delta
      w.u(1, i); // CTS flag (present on the second)
      if (i === 1) w.u(4, 5);
      w.u(1, 1 - i); // DTS flag (present on the first)
      if (i === 0) w.u(4, 2);
      w.u(1, 1 - i); // RAP
      w.u(2, n & 3); // stream state
    });
    const headers = w.toBuffer();
    const bits = sizes.length * (13 + 3 + 1 + 1 + 1 + 2) + 4 + 4;
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bits);
    const aux = Buffer.from([8, 0xaa]); // 8 bits of auxiliary data
    const payload = Buffer.concat([length, headers, aux, Buffer.alloc(sizes[0] ?? 0, n), Buffer.alloc(4, 0xee)]);
    out.push(parseRtp(Buffer.concat([Buffer.from([0x80, 0xe1, 0, n, 0, 0, 4 * n, 0, 0, 0, 0, 1]), payload])));
  }
  return out;
}

const targets: DepacketizerTarget[] = [
  {
    name: 'AAC-hbr',
    make: () =>
      new AacDepacketizer({
        fmtp: 'mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408',
        clockRate: 16000,
        maxFrameSize: MAX_AU,
      }),
    seeds: [
      parsed(readPackets(fixtureUrl('aac', 'gst_aac_mp4g.rtp'))),
      parsed(ffmpegAac),
      ...AAC_CASES.map((c) =>
        parsed(
          new AacPacketizer({ payloadType: 97, ssrc: 1, initialSequence: 0, maxPayloadSize: c.maxPayloadSize ?? 1200 })
            .packetize({ payload: c.au, timestamp: 0, keyframe: true })
            .map(rtpPacketToBuffer),
        ),
      ),
    ],
    check: capped('AAC-hbr'),
  },
  {
    name: 'AAC with CTS/DTS/RAP/aux fields',
    make: () =>
      new AacDepacketizer({
        fmtp: 'mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;ctsdeltalength=4;dtsdeltalength=4;randomaccessindication=1;streamstateindication=2;auxiliarydatasizelength=8;config=1408',
        maxFrameSize: MAX_AU,
      }),
    seeds: [fieldPackets(), parsed(ffmpegAac)],
    check: capped('AAC fields'),
  },
  {
    name: 'AAC-lbr',
    make: () =>
      new AacDepacketizer({
        fmtp: 'mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2;config=1408',
        maxFrameSize: MAX_AU,
      }),
    seeds: [parsed(ffmpegAac), parsed(readPackets(fixtureUrl('aac', 'gst_aac_mp4g.rtp')))],
    check: capped('AAC-lbr'),
  },
  {
    name: 'MP4A-LATM',
    make: () =>
      new LatmDepacketizer({ fmtp: 'cpresent=0;config=400028103fc0', clockRate: 16000, maxFrameSize: MAX_AU }),
    seeds: [
      parsed(readPackets(fixtureUrl('aac', 'gst_aac_latm.rtp'))),
      parsed(ffmpegLatm),
      parsed(
        new LatmPacketizer({ payloadType: 97, ssrc: 1, initialSequence: 0, maxPayloadSize: 200 })
          .packetize({ payload: Buffer.alloc(700, 5), timestamp: 0, keyframe: true })
          .map(rtpPacketToBuffer),
      ),
    ],
    check: capped('LATM'),
  },
  {
    name: 'Opus',
    make: () => new OpusDepacketizer(),
    seeds: [parsed(readPackets(fixtureUrl('opus', 'gst_opus.rtp')))],
    check: capped('Opus'),
  },
  {
    name: 'PCM',
    make: () => new PcmDepacketizer(),
    seeds: [
      parsed(readPackets(fixtureUrl('pcm', 'gst_pcmu.rtp'))),
      parsed(readPackets(fixtureUrl('pcm', 'gst_l16.rtp'))),
    ],
    check: capped('PCM'),
  },
];

describe('audio depacketizer fuzz', () => {
  targets.forEach((target, n) => {
    it(`${target.name}: corpus, then ${fuzzInputs(INPUTS)} mutated packet sequences, only RtpError, AUs within the cap`, (t) => {
      const counts = { packets: 0, frames: 0, typed: 0 };
      const stats = fuzzTargets({
        parser: 'rtp-audio',
        seed: 0x61756430 + n,
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
