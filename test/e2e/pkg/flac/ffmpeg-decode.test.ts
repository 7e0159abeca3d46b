import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { FlacEncoder } from '../../../../addon/src/pkg/flac/index.js';
import { FFMPEG_SKIP } from '../rtp/ffmpeg.js';

describe('FLAC through ffmpeg', { skip: FFMPEG_SKIP }, () => {
  it('FlacEncoder output decodes back to the same samples with FFmpeg', () => {
    const encoder = new FlacEncoder({ sampleRate: 16000, channels: 2 });
    const input = new Int16Array(2 * 16000);
    for (let i = 0; i < 16000; i++) {
      input[2 * i] = Math.round(20000 * Math.sin((2 * Math.PI * 440 * i) / 16000));
      input[2 * i + 1] = ((i * 7919) % 65536) - 32768;
    }
    // Uneven blocks, as RTP packets of different sizes would give.
    const frames: Buffer[] = [];
    for (let start = 0, n = 0; start < 16000; n++) {
      const size = Math.min([160, 320, 17, 4000][n % 4] ?? 160, 16000 - start);
      frames.push(encoder.encode(input.subarray(2 * start, 2 * (start + size))));
      start += size;
    }
    const file = Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), encoder.streamInfo(), ...frames]);
    const run = spawnSync('ffmpeg', ['-v', 'error', '-f', 'flac', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], {
      input: file,
      maxBuffer: 1 << 24,
    });
    assert.equal(run.status, 0, run.stderr.toString());
    assert.equal(run.stderr.toString(), '', 'no decoder warnings');
    const output = new Int16Array(run.stdout.buffer, run.stdout.byteOffset, run.stdout.length / 2);
    assert.deepEqual(output, input);
  });
});
