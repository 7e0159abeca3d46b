import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  MOOF_DECODE_TIME_OFFSET,
  MOOF_FIRST_DURATION_OFFSET,
  Mp4Error,
  Mp4Muxer,
  TrackTimeline,
  type MuxerTrack,
} from '../../../../addon/src/pkg/mp4/index.js';

describe('TrackTimeline', () => {
  it('places the first sample by arrival against the origin, then follows the timestamps exactly', () => {
    const t = new TrackTimeline({ timescale: 90000, origin: 10 });
    assert.deepEqual(t.next(123456, 10.5), { decodeTime: 45000, duration: 3600, anchored: true });
    assert.deepEqual(t.next(123456 + 3000, 10.52), { decodeTime: 48000, duration: 3000, anchored: false });
    assert.deepEqual(t.next(123456 + 6600, 10.56), { decodeTime: 51600, duration: 3600, anchored: false });
    assert.equal(t.end, 55200);
  });

  it('never places a sample before the origin', () => {
    const t = new TrackTimeline({ timescale: 1000, origin: 10 });
    assert.equal(t.next(0, 9).decodeTime, 0);
  });

  it("uses the codec's own duration for audio", () => {
    const t = new TrackTimeline({ timescale: 48000, origin: 0 });
    assert.equal(t.next(0, 0, 960).duration, 960);
    const second = t.next(960, 0.02, 960);
    assert.deepEqual(second, { decodeTime: 960, duration: 960, anchored: false });
  });

  it('keeps timestamps when frames arrive in a burst after a stall', () => {
    const t = new TrackTimeline({ timescale: 90000, origin: 0 });
    t.next(0, 0);
    // Five seconds of network stall, then 40 ms frames back to back: source time wins.
    assert.deepEqual(t.next(3600, 5), { decodeTime: 3600, duration: 3600, anchored: false });
    assert.deepEqual(t.next(7200, 5), { decodeTime: 7200, duration: 3600, anchored: false });
  });

  it('re-anchors when the source time jumps back (reconnect) and continues without a gap', () => {
    const t = new TrackTimeline({ timescale: 90000, origin: 0 });
    t.next(900000, 0);
    t.next(903600, 0.04);
    const after = t.next(12, 0.05);
    assert.equal(after.anchored, true);
    assert.equal(after.decodeTime, 7200, 'right after the last sample (3600 + 3600)');
    assert.deepEqual(t.next(3612, 0.09), { decodeTime: 10800, duration: 3600, anchored: false });
  });

  it('re-anchors on a forward jump bigger than the real time passed plus 2 s, by the real time', () => {
    const t = new TrackTimeline({ timescale: 1000, origin: 0 });
    t.next(0, 0, 20);
    const jumped = t.next(1_000_000, 1, 20);
    assert.equal(jumped.anchored, true);
    assert.equal(jumped.decodeTime, 1000, 'one real second later');
    // Up to 2 s more than real time is still the source's own pace (a low-fps camera).
    assert.equal(t.next(1_002_900, 2, 20).anchored, false);
  });

  it('keeps decode times strictly increasing for equal timestamps', () => {
    const t = new TrackTimeline({ timescale: 90000, origin: 0 });
    t.next(100, 0);
    assert.equal(t.next(100, 0).decodeTime, 1);
  });
});

const AVCC = readFileSync(new URL('../h264/fixtures/demo_avcC.bin', import.meta.url));
const TRACKS: MuxerTrack[] = [
  { kind: 'video', codec: 'H264', timescale: 90000, width: 640, height: 360, config: AVCC, mimeCodec: 'avc1.4d401e' },
  { kind: 'audio', codec: 'OPUS', timescale: 48000, sampleRate: 48000, channels: 2 },
];

describe('Mp4Muxer', () => {
  it('builds one moof + mdat per frame with rising sequence numbers and per-track times', () => {
    const muxer = new Mp4Muxer(TRACKS, { origin: 100 });
    const v = muxer.write(0, { data: Buffer.from([0, 0, 0, 1, 0x65]), timestamp: 0, keyframe: true, arrival: 100 });
    const a = muxer.write(1, {
      data: [Buffer.from([0xf8]), Buffer.from([1, 2])],
      timestamp: 480,
      keyframe: true,
      arrival: 100.01,
      duration: 960,
    });
    const v2 = muxer.write(0, {
      data: Buffer.from([0, 0, 0, 1, 0x41]),
      timestamp: 3600,
      keyframe: false,
      arrival: 100.04,
    });
    assert.deepEqual(
      [v, a, v2].map((f) => [f.trackIndex, f.sequence, f.decodeTime, f.duration, f.keyframe]),
      [
        [0, 1, 0, 3600, true],
        [1, 2, 480, 960, false],
        [0, 3, 3600, 3600, false],
      ],
    );
    assert.deepEqual(a.mdat, Buffer.from([0, 0, 0, 11, 0x6d, 0x64, 0x61, 0x74, 0xf8, 1, 2]));
    assert.equal(a.moof.readUInt32BE(44), 2, 'track ID');
    assert.equal(Number(v2.moof.readBigUInt64BE(MOOF_DECODE_TIME_OFFSET)), 3600);
    assert.equal(v2.moof.readUInt32BE(MOOF_FIRST_DURATION_OFFSET), 3600);
  });

  it('returns the same init segment buffer until options ask for another', () => {
    const muxer = new Mp4Muxer(TRACKS);
    assert.equal(muxer.init(), muxer.init());
    assert.notEqual(muxer.init({ rotate: 180 }), muxer.init());
    assert.equal(muxer.mimeType, 'video/mp4; codecs="avc1.4d401e,opus"');
  });

  it('refuses unknown tracks', () => {
    const muxer = new Mp4Muxer(TRACKS);
    assert.throws(() => muxer.write(2, { data: Buffer.alloc(1), timestamp: 0, keyframe: true, arrival: 0 }), Mp4Error);
    assert.throws(() => new Mp4Muxer([]), Mp4Error);
  });
});
