import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ts2rtcError } from '../../addon/src/core/errors.js';
import {
  DEFAULT_TEMPLATES,
  buildFfmpegArgs,
  checkUntrustedSource,
  splitArgs,
} from '../../addon/src/pkg/ffmpeg/index.js';
import { JpegStreamSplitter, MjpegError, jpegSize } from '../../addon/src/pkg/mjpeg/index.js';
import { Prng, flipBits, setBytes, splice, truncate } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Mutated JPEG streams through the splitter and the size parser, and mutated ffmpeg source URLs through the
 * argument builder and the network check: only typed errors, no call hangs, and the splitter never holds
 * more than its cap.
 */
/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 10_000;
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
  it(`splitter and jpegSize: corpus, then ${fuzzInputs(INPUTS)} mutated streams, only MjpegError, memory within the cap`, (t) => {
    let frames = 0;
    const stats = fuzzTargets({
      parser: 'mjpeg',
      seed: 0x6d6a7067,
      ciInputs: INPUTS,
      typed: (e) => e instanceof MjpegError,
      targets: [
        {
          name: 'JpegStreamSplitter',
          seeds,
          mutate,
          run: (input, rng) => {
            const splitter = new JpegStreamSplitter(256 * 1024);
            const cut = rng.below(input.length + 1);
            for (const frame of [...splitter.push(input.subarray(0, cut)), ...splitter.push(input.subarray(cut))]) {
              assert.equal(frame[0], 0xff, 'a frame starts with SOI');
              frames++;
            }
            assert.ok(splitter.pendingBytes <= 256 * 1024 + input.length, `held ${splitter.pendingBytes}`);
          },
        },
        { name: 'jpegSize', seeds, mutate, run: (input) => void jpegSize(input) },
      ],
    });
    t.diagnostic(`${describeStats(stats)}; ${frames} frames split`);
  });
});

describe('fuzz: pkg/ffmpeg', () => {
  const urls = [
    'rtsp://admin:pw@cam/1#video=h264#audio=opus',
    'cam1#audio=opus#query=log_level=debug',
    'device?video=0&resolution=1280x720#video=h264',
    '/media/a b.mp4#raw=-vf "transpose=1"#video=h264#width=1280',
    'https://x/y.m3u8#input=http#audio=pcmu/16000#audio=aac/16000',
  ].map((url) => Buffer.from(url, 'latin1'));
  const ctx = {
    templates: DEFAULT_TEMPLATES,
    isStream: (n: string) => n === 'cam1',
    localRtsp: 'rtsp://127.0.0.1:8554',
  };
  const spec = (text: string) => {
    const [input = '', ...rest] = text.split('#');
    return {
      input,
      options: rest.map((p): [string, string] => [p.split('=')[0] ?? '', p.split('=').slice(1).join('=')]),
    };
  };
  it(`argument building and the network check: corpus, then ${fuzzInputs(INPUTS)} mutated URLs each, only typed errors`, (t) => {
    const stats = fuzzTargets({
      parser: 'ffmpeg',
      seed: 0x66666d70,
      ciInputs: INPUTS,
      typed: (e) => e instanceof Ts2rtcError,
      targets: [
        { name: 'splitArgs', seeds: urls, mutate, run: (input) => void splitArgs(input.toString('latin1')) },
        {
          name: 'buildFfmpegArgs',
          seeds: urls,
          mutate,
          run: (input) => void buildFfmpegArgs(spec(input.toString('latin1')), ctx),
        },
        {
          name: 'checkUntrustedSource',
          seeds: urls,
          mutate,
          run: (input) => void checkUntrustedSource(spec(input.toString('latin1')), DEFAULT_TEMPLATES, ctx.isStream),
        },
      ],
    });
    t.diagnostic(describeStats(stats));
  });
});
