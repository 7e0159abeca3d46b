import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  H265Depacketizer,
  H265Error,
  H265NalUnitType,
  H265Packetizer,
  buildH265Fmtp,
  h265NalType,
  isH265Keyframe,
  isIrapType,
  parseH265Fmtp,
  splitH265Frame,
} from '../../../../addon/src/pkg/h265/index.js';
import { RtpError, parseRtp, rtpPacketToBuffer, type RtpErrorCode } from '../../../../addon/src/pkg/rtp/index.js';
import { joinAvcc, splitAnnexB } from '../../../../addon/src/pkg/h264/index.js';
import { H265_CASES, IDR, PPS, SPS, TRAIL, VPS, hex } from './rtp-cases.js';
import {
  accessUnits,
  depacketizeAll,
  fixtureUrl,
  packetizeAll,
  readFrames,
  readPackets,
  readSession,
} from '../rtp/capture.js';

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 96;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  return Buffer.concat([h, payload]);
}

function throwsCode(fn: () => unknown, code: RtpErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === code);
}

const types = (frame: Buffer) => splitH265Frame(frame).map(h265NalType);

describe('H265 packetizer and depacketizer, case table', () => {
  for (const c of H265_CASES) {
    it(c.name, () => {
      const frame = joinAvcc(c.nalus);
      const packetizer = new H265Packetizer({
        payloadType: 96,
        ssrc: 1,
        initialSequence: 7,
        maxPayloadSize: c.maxPayloadSize ?? 1200,
      });
      const packets = packetizer.packetize({ payload: frame, timestamp: 1234, keyframe: true });
      assert.deepEqual(
        packets.map((p) => Buffer.concat(p.payload).toString('hex')),
        c.payloads,
      );
      assert.deepEqual(
        packets.map((p) => p.marker),
        c.payloads.map((_, i) => i === c.payloads.length - 1),
      );
      const frames = depacketizeAll(new H265Depacketizer({ waitKeyframe: false }), packets.map(rtpPacketToBuffer));
      assert.deepEqual(
        frames.map((f) => f.payload.toString('hex')),
        [frame.toString('hex')],
      );
    });
  }
});

describe('H265 depacketizer on real streams', () => {
  it('rtph265pay (AP, FU, single): the access units x265enc produced, IRAP pictures as key frames', () => {
    const frames = depacketizeAll(new H265Depacketizer(), readPackets(fixtureUrl('h265', 'gst_h265.rtp')));
    const encoded = readFrames(fixtureUrl('h265', 'gst_h265.frames'));
    assert.ok(frames.length >= 12, `${frames.length} access units`);
    const isParameterSet = (t: number) => t >= H265NalUnitType.VPS && t <= H265NalUnitType.PPS;
    frames.forEach((f, i) => {
      const theirs = splitAnnexB(encoded[i] as Buffer);
      const ours = splitH265Frame(f.payload);
      assert.deepEqual(
        ours.filter((n) => !isParameterSet(h265NalType(n))),
        theirs.filter((n) => !isParameterSet(h265NalType(n))),
        `access unit ${i}`,
      );
      assert.equal(
        f.keyframe,
        theirs.some((n) => isIrapType(h265NalType(n))),
      );
    });
    assert.deepEqual(types(frames[0]?.payload ?? Buffer.alloc(0)).slice(0, 3), [32, 33, 34]);
    assert.ok(frames[0]?.keyframe);
  });

  it('ffmpeg -f rtsp: every NAL unit of the H.265 file it streamed, in order', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h265_opus.bin'));
    const frames = depacketizeAll(new H265Depacketizer(), channels.get(0) ?? []);
    const file = splitAnnexB(readFileSync(fixtureUrl('h265', 'ffmpeg_ref.h265')));
    // ffmpeg's packetizer keeps the zero byte before each 4-byte start code; splitAnnexB drops it.
    const trimmed = (n: Buffer) => n.subarray(0, n.length - (n[n.length - 1] === 0 ? 1 : 0));
    assert.deepEqual(
      frames.flatMap((f) => splitH265Frame(f.payload).map(trimmed)),
      file,
    );
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      frames.map((_, i) => i % 4 === 0),
      'IDR every 4 frames',
    );
  });
});

describe('H265 depacketizer details', () => {
  it('reads DONL fields when sprop-max-don-diff > 0 (single, AP with DOND, FU)', () => {
    const d = new H265Depacketizer({ fmtp: 'sprop-max-don-diff=2', waitKeyframe: false });
    const single = Buffer.concat([TRAIL.subarray(0, 2), hex('0001'), TRAIL.subarray(2)]);
    assert.deepEqual(
      d.push(parseRtp(rtp(1, 10, true, single))).map((f) => f.payload.toString('hex')),
      [joinAvcc([TRAIL]).toString('hex')],
    );
    const ap = hex('6001' + '0002' + '0007' + PPS.toString('hex') + '01' + '0006' + TRAIL.toString('hex'));
    assert.deepEqual(
      d.push(parseRtp(rtp(2, 20, true, ap))).map((f) => types(f.payload)),
      [[34, 1]],
    );
    const fuStart = Buffer.concat([hex('6201' + '81' + '0003'), TRAIL.subarray(2, 4)]);
    const fuEnd = Buffer.concat([hex('6201' + '41'), TRAIL.subarray(4)]);
    assert.deepEqual(
      depacketizeAll(d, [rtp(3, 30, false, fuStart), rtp(4, 30, true, fuEnd)]).map((f) => f.payload.toString('hex')),
      [joinAvcc([TRAIL]).toString('hex')],
    );
  });

  it('inserts VPS/SPS/PPS from the fmtp before an IRAP picture that lacks them', () => {
    const d = new H265Depacketizer({ fmtp: buildH265Fmtp({ vps: [VPS], sps: [SPS], pps: [PPS] }) });
    const frames = depacketizeAll(d, [
      rtp(1, 0, true, TRAIL),
      rtp(2, 10, true, hex('2a01aa')),
      rtp(3, 20, true, TRAIL),
    ]);
    assert.deepEqual(
      frames.map((f) => types(f.payload)),
      [[32, 33, 34, 21], [1]],
      'the leading TRAIL waits for the key frame',
    );
  });

  it('rejects PACI and malformed payloads with typed codes', () => {
    const d = new H265Depacketizer({ waitKeyframe: false });
    throwsCode(() => d.push(parseRtp(rtp(1, 0, true, hex('6401aabb')))), 'RTP_UNSUPPORTED');
    throwsCode(() => d.push(parseRtp(rtp(2, 0, true, hex('6201')))), 'RTP_BAD_PAYLOAD');
    throwsCode(() => d.push(parseRtp(rtp(3, 0, true, hex('6001' + '0009' + '0201')))), 'RTP_BAD_PAYLOAD');
    throwsCode(() => d.push(parseRtp(rtp(4, 0, true, hex('02')))), 'RTP_BAD_PAYLOAD');
  });

  it('re-packetized real access units come back identical', () => {
    const original = depacketizeAll(new H265Depacketizer(), readPackets(fixtureUrl('h265', 'gst_h265.rtp')));
    const again = depacketizeAll(
      new H265Depacketizer(),
      packetizeAll(new H265Packetizer({ payloadType: 96, maxPayloadSize: 400 }), original),
    );
    assert.deepEqual(accessUnits(again), accessUnits(original));
  });
});

describe('H265 bitstream helpers', () => {
  it('fmtp round trip and key frame detection', () => {
    const fmtp = parseH265Fmtp(
      'sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8koCQ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oBggIFlkqSTK8BaAgAAAAwCAAAAMhA==; sprop-pps=RAHBcrRiQA==',
    );
    assert.deepEqual([fmtp.vps.length, fmtp.sps.length, fmtp.pps.length, fmtp.maxDonDiff], [1, 1, 1, 0]);
    assert.deepEqual(fmtp.vps.map(h265NalType), [32]);
    assert.deepEqual(parseH265Fmtp(buildH265Fmtp(fmtp)), fmtp);
    assert.equal(isH265Keyframe(joinAvcc([VPS, IDR])), true);
    assert.equal(isH265Keyframe(joinAvcc([TRAIL])), false);
    assert.throws(
      () => splitH265Frame(hex('000000ff02')),
      (e: unknown) => e instanceof H265Error && e.code === 'H265_TRUNCATED',
    );
    assert.throws(
      () => h265NalType(hex('02')),
      (e: unknown) => e instanceof H265Error && e.code === 'H265_BAD_NALU',
    );
  });
});
