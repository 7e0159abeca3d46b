import assert from 'node:assert/strict';
import type { FrameCount } from '../peers/ffmpeg.js';

/**
 * At least `share` of the source's frames over the stream time the counted frames cover (their timestamps):
 * a reader's probing buffers its first second, HLS comes a segment at a time, and a live encoder starved of CPU
 * makes fewer frames per wall second without losing any, so wall-clock windows over- or under-count; the
 * timestamps show any frame that went missing. The window must also cover most of itself.
 */
export function assertNoGaps(name: string, count: FrameCount, fps: number, share = 0.9): void {
  const expected = (count.streamMs / 1000) * fps;
  console.log(
    `${name}: ${count.frames} frames covering ${count.streamMs} ms of stream (expected ${expected.toFixed(0)}) in a ${count.windowMs} ms window; first frame after ${count.firstFrameMs} ms`,
  );
  assert.ok(count.streamMs >= 0.75 * count.windowMs, `only ${count.streamMs} ms of stream in ${count.windowMs} ms`);
  assert.ok(
    count.frames >= share * expected,
    `${name}: ${count.frames} of ${expected.toFixed(0)} frames\n${count.stderr}`,
  );
}
