/**
 * A publisher nobody reads keeps its video's raw RTP since the last key picture instead of depacketizing it
 * (pkg/rtp/unwatched-gop.ts): the classifiers on exact bytes, and the kept packets against real captures
 * (ffmpeg publishing H.264 and H.265 over RTSP): they start at the last key picture's access unit and give
 * the same frames as depacketizing everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H264Depacketizer, h264PayloadKind } from '../../../../addon/src/pkg/h264/index.js';
import { H265Depacketizer, h265PayloadKind } from '../../../../addon/src/pkg/h265/index.js';
import {
  PayloadKind,
  UnwatchedGop,
  rtpPayloadStart,
  serializeRtpHeader,
  type PayloadClassifier,
  type RtpDepacketizer,
} from '../../../../addon/src/pkg/rtp/index.js';
import { depacketizeAll, fixtureUrl, readSession } from './capture.js';

const kindOf = (classify: PayloadClassifier, bytes: number[]): PayloadKind =>
  classify(Buffer.from(bytes), 0, bytes.length);

function rtp(timestamp: number, sequence: number, payload: number[]): Buffer {
  return Buffer.concat([
    serializeRtpHeader({ marker: false, payloadType: 96, sequence, timestamp, ssrc: 1 }),
    Buffer.from(payload),
  ]);
}

describe('RTP payload kinds', () => {
  it('H.264: single units, STAP-A by what it aggregates, FU-A by its first fragment', () => {
    assert.equal(kindOf(h264PayloadKind, [0x65, 0x88]), PayloadKind.KeyPicture); // IDR
    assert.equal(kindOf(h264PayloadKind, [0x67, 0x42]), PayloadKind.ParameterSets); // SPS
    assert.equal(kindOf(h264PayloadKind, [0x68, 0xce]), PayloadKind.ParameterSets); // PPS
    assert.equal(kindOf(h264PayloadKind, [0x41, 0x9a]), PayloadKind.Other); // non-IDR slice
    assert.equal(kindOf(h264PayloadKind, [0x06, 0x05]), PayloadKind.Other); // SEI
    // STAP-A: SPS (2 bytes) + PPS (1 byte), then the same with an IDR behind them.
    assert.equal(kindOf(h264PayloadKind, [0x78, 0, 2, 0x67, 0x42, 0, 1, 0x68]), PayloadKind.ParameterSets);
    assert.equal(kindOf(h264PayloadKind, [0x78, 0, 1, 0x67, 0, 2, 0x65, 0x88]), PayloadKind.KeyPicture);
    // FU-A: start fragment of an IDR, a middle fragment of it, the start of a non-IDR slice.
    assert.equal(kindOf(h264PayloadKind, [0x7c, 0x85, 0x88]), PayloadKind.KeyPicture);
    assert.equal(kindOf(h264PayloadKind, [0x7c, 0x05, 0x88]), PayloadKind.Other);
    assert.equal(kindOf(h264PayloadKind, [0x5c, 0x81, 0x9a]), PayloadKind.Other);
    // Cut short: never a throw.
    assert.equal(kindOf(h264PayloadKind, [0x7c]), PayloadKind.Other);
    assert.equal(kindOf(h264PayloadKind, [0x78, 0, 9]), PayloadKind.Other);
    assert.equal(kindOf(h264PayloadKind, []), PayloadKind.Other);
  });

  it('H.265: IRAP pictures and VPS/SPS/PPS, AP by what it aggregates, FU by its first fragment', () => {
    assert.equal(kindOf(h265PayloadKind, [0x26, 0x01, 0xaf]), PayloadKind.KeyPicture); // IDR_W_RADL (19)
    assert.equal(kindOf(h265PayloadKind, [0x2a, 0x01, 0xaf]), PayloadKind.KeyPicture); // CRA (21)
    assert.equal(kindOf(h265PayloadKind, [0x40, 0x01, 0x0c]), PayloadKind.ParameterSets); // VPS (32)
    assert.equal(kindOf(h265PayloadKind, [0x02, 0x01, 0xd0]), PayloadKind.Other); // TRAIL_R (1)
    // AP (48): VPS + SPS, then PPS + IDR_W_RADL.
    assert.equal(kindOf(h265PayloadKind, [0x60, 0x01, 0, 2, 0x40, 0x01, 0, 2, 0x42, 0x01]), PayloadKind.ParameterSets);
    assert.equal(
      kindOf(h265PayloadKind, [0x60, 0x01, 0, 2, 0x44, 0x01, 0, 3, 0x26, 0x01, 0xaf]),
      PayloadKind.KeyPicture,
    );
    // FU (49): start of an IDR_W_RADL, its end, the start of a TRAIL_R.
    assert.equal(kindOf(h265PayloadKind, [0x62, 0x01, 0x93, 0xaf]), PayloadKind.KeyPicture);
    assert.equal(kindOf(h265PayloadKind, [0x62, 0x01, 0x53, 0xaf]), PayloadKind.Other);
    assert.equal(kindOf(h265PayloadKind, [0x62, 0x01, 0x81, 0xd0]), PayloadKind.Other);
    assert.equal(kindOf(h265PayloadKind, [0x62, 0x01]), PayloadKind.Other);
    assert.equal(kindOf(h265PayloadKind, [0x26]), PayloadKind.Other);
  });

  it('finds the payload after CSRCs and a header extension, and refuses a header that is not whole', () => {
    assert.equal(rtpPayloadStart(rtp(0, 0, [0x65])), 12);
    const withCsrcAndExtension = Buffer.from([0x92, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
    const extension = Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]);
    assert.equal(rtpPayloadStart(Buffer.concat([withCsrcAndExtension, extension, Buffer.from([0x65])])), 28);
    assert.equal(rtpPayloadStart(Buffer.concat([withCsrcAndExtension, extension.subarray(0, 6)])), -1);
    assert.equal(rtpPayloadStart(Buffer.alloc(11)), -1);
  });
});

describe('UnwatchedGop', () => {
  /** Frames of the capture depacketized in full, and from what the keeper kept after all its packets. */
  function compare(
    file: string,
    channel: number,
    depacketizer: () => RtpDepacketizer,
    classify: PayloadClassifier,
  ): { all: number; kept: number } {
    const packets = readSession(fixtureUrl('rtsp', file)).channels.get(channel) ?? [];
    const all = depacketizeAll(depacketizer(), packets);
    const keeper = new UnwatchedGop(classify);
    for (const p of packets) keeper.push(p);
    const kept = keeper.take();
    assert.equal(keeper.size, 0);
    const frames = depacketizeAll(depacketizer(), kept);
    const lastKey = all.findLastIndex((f) => f.keyframe);
    assert.ok(lastKey > 0, 'the capture has a key frame after its first frame');
    assert.ok(frames[0]?.keyframe, 'the kept packets start with a key frame');
    assert.deepEqual(
      frames.map((f) => [f.timestamp, f.keyframe, f.payload.toString('hex')]),
      all.slice(lastKey).map((f) => [f.timestamp, f.keyframe, f.payload.toString('hex')]),
    );
    return { all: packets.length, kept: kept.length };
  }

  it('keeps the packets from the last key picture on (ffmpeg publishing H.264), the same frames as in full', () => {
    const { all, kept } = compare('ffmpeg_announce_h264_aac.bin', 0, () => new H264Depacketizer(), h264PayloadKind);
    assert.ok(kept < all, `${kept} of ${all} packets kept`);
  });

  it('the same for H.265 (ffmpeg publishing H.265)', () => {
    const { all, kept } = compare('ffmpeg_announce_h265_opus.bin', 0, () => new H265Depacketizer(), h265PayloadKind);
    assert.ok(kept <= all, `${kept} of ${all} packets kept`);
  });

  it('starts the GOP at parameter sets sent under a timestamp of their own, and keeps all before the first key', () => {
    const keeper = new UnwatchedGop(h264PayloadKind);
    const earlier = rtp(100, 1, [0x41, 0x9a]); // a slice before any key picture: kept until one comes
    const sps = rtp(200, 2, [0x67, 0x42]);
    const pps = rtp(200, 3, [0x68, 0xce]);
    const idr = rtp(300, 4, [0x65, 0x88]);
    const next = rtp(400, 5, [0x41, 0x9a]);
    keeper.push(earlier);
    assert.equal(keeper.size, 1);
    assert.ok(keeper.continuous);
    for (const p of [sps, pps, idr, next]) keeper.push(p);
    assert.ok(!keeper.continuous, 'the slice before the key picture was dropped');
    assert.deepEqual(keeper.take(), [sps, pps, idr, next]);
    assert.ok(keeper.continuous);
    // A second key picture drops the first GOP; an SEI ahead of the IDR in its access unit stays.
    for (const p of [sps, pps, idr, next]) keeper.push(p);
    const sei = rtp(500, 6, [0x06, 0x05]);
    const idr2 = rtp(500, 7, [0x65, 0x88]);
    for (const p of [sei, idr2]) keeper.push(p);
    assert.deepEqual(keeper.take(), [sei, idr2]);
  });

  it('drops everything past its caps, then keeps again', () => {
    const keeper = new UnwatchedGop(h264PayloadKind, { maxPackets: 3 });
    keeper.push(rtp(1, 1, [0x65, 0x88]));
    for (let i = 2; i <= 3; i++) keeper.push(rtp(i, i, [0x41, 0x9a]));
    assert.equal(keeper.size, 3);
    keeper.push(rtp(4, 4, [0x41, 0x9a]));
    assert.equal(keeper.size, 0);
    assert.ok(!keeper.continuous);
    keeper.push(rtp(5, 5, [0x65, 0x88]));
    assert.equal(keeper.size, 1);
    const bytes = new UnwatchedGop(h264PayloadKind, { maxBytes: 30 });
    bytes.push(rtp(1, 1, [0x65, ...Buffer.alloc(10)]));
    bytes.push(rtp(2, 2, [0x41, ...Buffer.alloc(10)]));
    assert.equal(bytes.size, 0);
  });
});
