import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ts2rtcError } from '../../addon/src/core/errors.js';
import { DEFAULT_TEMPLATES, buildFfmpegArgs, checkUntrustedSource, splitArgs } from '../../addon/src/pkg/ffmpeg/index.js';
import { JpegStreamSplitter, MjpegError, jpegSize } from '../../addon/src/pkg/mjpeg/index.js';
import { Prng, flipBits, setBytes, splice, timed, truncate, HANG_MS } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated JPEG streams through the splitter and the size parser, and mutated ffmpeg source URLs through the
 * argument builder and the network check: only typed errors, no call over 50 ms, and the splitter never holds
 * more than its cap.
 */
const ITERATIONS = fuzzInputs(20_000);
const MAX_CALL_MS = HANG_MS;
const fixture = (name: string): Buffer => readFileSync(new URL(`../unit/pkg/mjpeg/fixtures/${name}`, import.meta.url));
const seeds = [fixture('ffmpeg_160x90.jpg'), fixture('ffmpeg_64x48_3frames.mjpeg')];

function mutate(rng: Prng, seed: Buffer): Buffer {
  switch (rng.below(4)) {
    case 0:
      return flipBits(rng, seed);
    case 1:
      return truncate(rng, seed);
    case 2:
      return setBytes(rng, seed);
    default:
      return splice(rng, seed);
  }
}

describe('fuzz: pkg/mjpeg', () => {
  it(`splitter and jpegSize survive ${ITERATIONS} mutated streams`, () => {
    const rng = new Prng(0x6d6a7067);
    const splitter = new JpegStreamSplitter(256 * 1024);
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(rng, rng.pick(seeds));
      const run = timed(() => {
        const cut = rng.below(input.length + 1);
        for (const frame of [...splitter.push(input.subarray(0, cut)), ...splitter.push(input.subarray(cut))]) {
          assert.equal(frame[0], 0xff, `iteration ${i}: a frame starts with SOI`);
        }
        try {
          jpegSize(input);
        } catch (err) {
          if (!(err instanceof MjpegError)) throw err;
        }
      });
      assert.ifError(run.error);
      assert.ok(run.ms < MAX_CALL_MS, `iteration ${i}: ${run.ms.toFixed(1)} ms`);
      assert.ok(splitter.pendingBytes <= 256 * 1024 + input.length, `iteration ${i}: held ${splitter.pendingBytes}`);
    }
  });
});

describe('fuzz: pkg/ffmpeg', () => {
  const urls = [
    'rtsp://admin:pw@cam/1#video=h264#audio=opus',
    'cam1#audio=opus#query=log_level=debug',
    'device?video=0&resolution=1280x720#video=h264',
    '/media/a b.mp4#raw=-vf "transpose=1"#video=h264#width=1280',
    'https://x/y.m3u8#input=http#audio=pcmu/16000#audio=aac/16000',
  ];
  it(`argument building and the network check survive ${ITERATIONS} mutated URLs`, () => {
    const rng = new Prng(0x66666d70);
    const ctx = { templates: DEFAULT_TEMPLATES, isStream: (n: string) => n === 'cam1', localRtsp: 'rtsp://127.0.0.1:8554' };
    for (let i = 0; i < ITERATIONS; i++) {
      const text = mutate(rng, Buffer.from(rng.pick(urls), 'latin1')).toString('latin1');
      const [input = '', ...rest] = text.split('#');
      const spec = { input, options: rest.map((p): [string, string] => [p.split('=')[0] ?? '', p.split('=').slice(1).join('=')]) };
      const run = timed(() => {
        for (const call of [() => splitArgs(text), () => buildFfmpegArgs(spec, ctx), () => checkUntrustedSource(spec, DEFAULT_TEMPLATES, ctx.isStream)]) {
          try {
            call();
          } catch (err) {
            if (!(err instanceof Ts2rtcError)) throw err;
          }
        }
      });
      assert.ifError(run.error);
      assert.ok(run.ms < MAX_CALL_MS, `iteration ${i}: ${run.ms.toFixed(1)} ms`);
    }
  });
});
