import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FlvError } from '../../addon/src/pkg/flv/index.js';
import {
  ChunkReader,
  ClientHandshake,
  HANDSHAKE_SIZE,
  RtmpError,
  ServerHandshake,
  parseCommand,
} from '../../addon/src/pkg/rtmp/index.js';
import { IncomingMedia } from '../../addon/src/modules/rtmp/incoming.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated RTMP bytes (ffmpeg publishing and nginx-rtmp playing, as captured) through the chunk reader, the
 * command parser, the media probe and both handshakes: only RtmpError / FlvError, and no call hangs.
 */
/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 8_000;
const SEED = 0x72746d70; // 'rtmp'
const AFTER = 1 + 2 * HANDSHAKE_SIZE;

const fixture = (name: string) => readFileSync(new URL(`../unit/pkg/rtmp/fixtures/${name}`, import.meta.url));
const PUBLISH = fixture('ffmpeg_publish_c2s.bin');
const PLAY = fixture('nginx_play_s2c.bin');
// Short seeds keep each input cheap: the start of each conversation (commands, metadata, sequence headers).
const chunkSeeds = [
  PUBLISH.subarray(AFTER, AFTER + 1200),
  PLAY.subarray(AFTER, AFTER + 1500),
  PLAY.subarray(AFTER + 1500, AFTER + 3000),
];
const commandSeeds = new ChunkReader()
  .push(PUBLISH.subarray(AFTER, AFTER + 1200))
  .filter((m) => m.type === 20)
  .map((m) => m.payload);
const RANDOM = Buffer.alloc(HANDSHAKE_SIZE - 8, 1);

const targets: FuzzTarget[] = [
  {
    name: 'ChunkReader+IncomingMedia',
    seeds: chunkSeeds,
    run: (input, rng) => {
      const reader = new ChunkReader();
      const media = new IncomingMedia();
      const step = 1 + rng.below(600);
      for (let i = 0; i < input.length; i += step) {
        for (const m of reader.push(input.subarray(i, i + step))) {
          if (!media.push(m) && (m.type === 20 || m.type === 17)) parseCommand(m.type, m.payload);
        }
      }
      media.probe(undefined, true);
    },
  },
  { name: 'parseCommand', seeds: commandSeeds, run: (input) => void parseCommand(20, input) },
  {
    name: 'handshakes',
    seeds: [PUBLISH.subarray(0, AFTER + 40), PLAY.subarray(0, AFTER + 40)],
    run: (input, rng) => {
      const step = 1 + rng.below(2000);
      const machine = rng.below(2) === 0 ? new ServerHandshake(RANDOM) : new ClientHandshake(RANDOM);
      for (let i = 0; i < input.length; i += step) if (machine.push(input.subarray(i, i + step)).done) break;
    },
  },
];

describe('rtmp fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs per target: only RtmpError/FlvError, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'rtmp',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof RtmpError || e instanceof FlvError,
    });
    for (const [name, s] of stats)
      assert.ok(
        s.ok + s.failed < 1000 || (s.ok > 10 && s.failed > 10),
        `${name}: ${s.ok} accepted, ${s.failed} rejected`,
      );
    t.diagnostic(describeStats(stats));
  });
});
