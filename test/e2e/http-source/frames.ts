import assert from 'node:assert/strict';
import type { FrameCount } from '../../peers/ffmpeg.js';

/**
 * ≥ 90 % of the camera's frames over the stream time the counted frames cover (their timestamps): the reader's
 * probing buffers its first second and HLS comes a segment at a time, so wall-clock windows over- or
 * under-count; the timestamps show any frame that went missing. The window must also cover most of itself.
 */
export function assertNoGaps(name: string, count: FrameCount, fps: number): void {
  const expected = (count.streamMs / 1000) * fps;
  console.log(`${name}: ${count.frames} frames covering ${count.streamMs} ms of stream (expected ${expected.toFixed(0)}) in a ${count.windowMs} ms window; first frame after ${count.firstFrameMs} ms`);
  assert.ok(count.streamMs >= 0.75 * count.windowMs, `only ${count.streamMs} ms of stream in ${count.windowMs} ms`);
  assert.ok(count.frames >= 0.9 * expected, `${count.frames} of ${expected.toFixed(0)} frames`);
}
