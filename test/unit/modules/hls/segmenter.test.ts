import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Segmenter, type SegmentUnit } from '../../../../addon/src/modules/hls/segmenter.js';

function video(time: number, keyframe: boolean, tag: string): SegmentUnit {
  return { video: true, keyframe, time, parts: [Buffer.from(tag)] };
}

function audio(time: number, tag: string): SegmentUnit {
  return { video: false, keyframe: false, time, parts: [Buffer.from(tag)] };
}

/** 25 fps video with a key frame every `gop` frames, from `from` s; tag = V<frame index>. */
function frames(count: number, gop: number, from = 0): SegmentUnit[] {
  return Array.from({ length: count }, (_, i) => video(from + i * 0.04, i % gop === 0, `V${i},`));
}

describe('hls Segmenter', () => {
  it('cuts at key frames once a segment is 0.5 s long: 1 s GOP → 1 s segments with exact bytes', () => {
    const s = new Segmenter({ hasVideo: true });
    const done = frames(76, 25)
      .map((u) => s.push(u))
      .filter((x) => x !== undefined);
    assert.deepEqual(
      done.map((d) => [d.sequence, d.duration, d.independent]),
      [
        [0, 1, true],
        [1, 1, true],
        [2, 1, true],
      ],
    );
    assert.equal(done[0]?.data.toString(), Array.from({ length: 25 }, (_, i) => `V${i},`).join(''));
    assert.equal(s.nextSequence, 3);
    assert.equal(s.targetDuration, 1);
  });

  it('waits for a key frame to start, and keeps audio in the segment it arrives in', () => {
    const s = new Segmenter({ hasVideo: true });
    assert.equal(s.push(audio(0, 'A0,')), undefined);
    assert.equal(s.push(video(0.02, false, 'P,')), undefined);
    s.push(video(0.04, true, 'K0,'));
    s.push(audio(0.05, 'A1,'));
    s.push(video(0.08, false, 'P1,'));
    const done = s.push(video(0.6, true, 'K1,'));
    assert.equal(done?.data.toString(), 'K0,A1,P1,');
    assert.ok(Math.abs((done?.duration ?? 0) - 0.56) < 1e-9);
  });

  it('a long GOP is cut at 1 s without a key frame (segment not independent)', () => {
    const s = new Segmenter({ hasVideo: true });
    const done = frames(101, 100)
      .map((u) => s.push(u))
      .filter((x) => x !== undefined);
    assert.deepEqual(
      done.map((d) => [d.sequence, Number(d.duration.toFixed(3)), d.independent]),
      [
        [0, 1, true],
        [1, 1, false],
        [2, 1, false],
        [3, 1, false],
      ],
    );
  });

  it('keeps a window of at least 3 s after dropping the oldest, and serves retired segments a while', () => {
    const s = new Segmenter({ hasVideo: true, retainedSegments: 2 });
    for (const u of frames(25 * 8 + 1, 25)) s.push(u);
    // 8 segments of 1 s made; a segment leaves only while what stays lasts >= 3 s (RFC 8216 6.2.2).
    assert.deepEqual(
      s.segments.map((x) => x.sequence),
      [5, 6, 7],
    );
    assert.ok(s.get(4) && s.get(3));
    assert.equal(s.get(2), undefined);
    assert.equal(s.get(8), undefined);
  });

  it('audio only: every frame is a cut point; a prefix starts every segment', () => {
    let headers = 0;
    const s = new Segmenter({
      hasVideo: false,
      prefix: () => Buffer.from(`H${headers++},`),
    });
    const done = Array.from({ length: 40 }, (_, i) => s.push(audio(i * 0.064, `A${i},`))).filter(
      (x) => x !== undefined,
    );
    assert.equal(done[0]?.data.toString(), 'H0,A0,A1,A2,A3,A4,A5,A6,A7,');
    assert.ok(Math.abs((done[0]?.duration ?? 0) - 0.512) < 1e-9);
    assert.equal(done[1]?.data.toString().slice(0, 7), 'H1,A8,A');
  });

  it('a stall longer than the target raises TARGETDURATION to the rounded longest segment', () => {
    const s = new Segmenter({ hasVideo: true });
    s.push(video(0, true, 'K'));
    s.push(video(2.6, true, 'K'));
    assert.equal(s.targetDuration, 3);
  });
});
