import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  FlvDemuxer,
  FlvError,
  FlvMuxer,
  FlvReader,
  decodeAmf0,
  encodeAmf0,
  parseAudioTag,
  parseHevcRecord,
  parseVideoTag,
  type FlvTag,
} from '../../addon/src/pkg/flv/index.js';
import { buildHvcConfig } from '../../addon/src/pkg/h265/index.js';
import { splitAnnexB } from '../../addon/src/pkg/h264/index.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated FLV bytes (ffmpeg's file, its tags, AMF0 commands and metadata, an hvcC) through every FLV parser:
 * each may accept or reject, but only with FlvError, and no call hangs.
 */
/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 8_000;
const SEED = 0x666c7631; // 'flv1'

const FILE = readFileSync(new URL('../unit/pkg/flv/fixtures/ffmpeg_h264_aac_1s.flv', import.meta.url));
const TAGS: FlvTag[] = new FlvReader().push(FILE);
const type = (n: Buffer) => ((n[0] ?? 0) >> 1) & 0x3f;
const h265 = splitAnnexB(readFileSync(new URL('../unit/pkg/h265/fixtures/ffmpeg_ref.h265', import.meta.url)));
const HVCC = buildHvcConfig({
  vps: h265.filter((n) => type(n) === 32).slice(0, 1),
  sps: h265.filter((n) => type(n) === 33).slice(0, 1),
  pps: h265.filter((n) => type(n) === 34).slice(0, 1),
});

const fileSeeds = [FILE.subarray(0, 3000)];
const videoSeeds = TAGS.filter((t) => t.type === 9)
  .slice(0, 4)
  .map((t) => t.data.subarray(0, 400));
const audioSeeds = TAGS.filter((t) => t.type === 8)
  .slice(0, 3)
  .map((t) => t.data);
const amfSeeds = [
  TAGS[0]?.data ?? Buffer.alloc(0),
  encodeAmf0('connect', 1, { app: 'live', tcUrl: 'rtmp://h/live', fourCcList: ['avc1', 'hvc1'], n: null }),
  encodeAmf0('onStatus', 0, null, { level: 'error', code: 'NetStream.Play.StreamNotFound', when: new Date(0) }),
];

const targets: FuzzTarget[] = [
  {
    name: 'FlvReader+FlvDemuxer+FlvMuxer',
    seeds: fileSeeds,
    run: (input, rng) => {
      const reader = new FlvReader();
      const demuxer = new FlvDemuxer();
      const step = 1 + rng.below(700);
      const muxer = new FlvMuxer(
        { codec: 'H264', clockRate: 90000, channels: 0 },
        { codec: 'AAC', clockRate: 16000, channels: 1, fmtp: 'config=1408' },
      );
      for (let i = 0; i < input.length; i += step) {
        for (const tag of reader.push(input.subarray(i, i + step))) {
          for (const s of demuxer.push(tag)) {
            if (s.kind === 'video') muxer.videoTags(s.payload, s.keyframe, 0);
            else muxer.audioTags(s.payload, 0);
          }
        }
      }
    },
  },
  {
    name: 'parseVideoTag+demux',
    seeds: videoSeeds,
    run: (input) => {
      parseVideoTag(input);
      const demuxer = new FlvDemuxer();
      demuxer.push({ type: 9, timestamp: 0, data: TAGS.find((t) => t.type === 9)?.data ?? Buffer.alloc(0) });
      demuxer.push({ type: 9, timestamp: 40, data: input });
    },
  },
  {
    name: 'parseAudioTag+demux',
    seeds: audioSeeds,
    run: (input) => {
      parseAudioTag(input);
      new FlvDemuxer().push({ type: 8, timestamp: 0, data: input });
    },
  },
  { name: 'decodeAmf0', seeds: amfSeeds, run: (input) => void decodeAmf0(input) },
  { name: 'parseHevcRecord', seeds: [HVCC], run: (input) => void parseHevcRecord(input) },
];

describe('flv fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs per target: only FlvError, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'flv',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof FlvError,
    });
    for (const [name, s] of stats)
      assert.ok(
        s.ok + s.failed < 1000 || (s.ok > 10 && s.failed > 10),
        `${name}: ${s.ok} accepted, ${s.failed} rejected`,
      );
    t.diagnostic(describeStats(stats));
  });
});
