import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ts2rtcError } from '../../addon/src/core/errors.js';
import { parseMp4Query } from '../../addon/src/modules/mp4/codecs.js';
import { parseMediaQuery } from '../../addon/src/modules/streams/media-query.js';
import { parseSnapshotQuery } from '../../addon/src/pkg/ffmpeg/jpeg.js';
import { parseRequestUri } from '../../addon/src/pkg/rtsp/index.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * API query strings as the HTTP API and the RTSP server read them (go2rtc's `video=`/`audio=` filters,
 * stream.mp4's `mp4=`, frame.jpeg's sizes, an RTSP request URI's query): mutated real queries from go2rtc's
 * UI, Frigate and Home Assistant. Every parser may only throw a typed error (Ts2rtcError), never hang, and
 * the sizes it returns stay within their bounds.
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 8_000;
const SEED = 0x71727973; // 'qrys'

const QUERIES = [
  'src=cam&video=h264,h265&audio=aac,opus,pcmu&microphone=pcma',
  'src=front_door&video&audio',
  'src=x&video=copy&audio=all',
  'src=cam&mp4=flac&video=h264',
  'src=cam&width=640&h=360&rotate=90',
  'src=%3Cimg%20src%3Dx%3E&name=a%2Fb&dst=cam&src=rtsp%3A%2F%2Fu%3Ap%40h%2Fs',
].map((q) => Buffer.from(q, 'latin1'));

const params = (input: Buffer): URLSearchParams => new URLSearchParams(input.toString('latin1'));

const targets: FuzzTarget[] = [
  { name: 'parseMediaQuery', seeds: QUERIES, run: (input) => void parseMediaQuery(params(input)) },
  { name: 'parseMp4Query', seeds: QUERIES, run: (input) => void parseMp4Query(params(input)) },
  {
    name: 'parseSnapshotQuery',
    seeds: QUERIES,
    run: (input) => {
      const { width, height } = parseSnapshotQuery(params(input));
      assert.ok(width >= 0 && width <= 8192 && height >= 0 && height <= 8192, `size ${width}x${height}`);
    },
  },
  {
    name: 'parseRequestUri',
    seeds: QUERIES.map((q) => Buffer.concat([Buffer.from('rtsp://127.0.0.1:8554/cam?'), q])),
    run: (input) => void parseRequestUri(input.toString('latin1')),
  },
];

describe('API query string fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated queries per parser: only typed errors, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'query',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof Ts2rtcError,
    });
    for (const [name, s] of stats)
      assert.ok(s.ok + s.failed < 1000 || s.ok > 10, `${name}: ${s.ok} accepted, ${s.failed} rejected`);
    t.diagnostic(describeStats(stats));
  });
});
