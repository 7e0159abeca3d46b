import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Mp4Error, parseMp4, sampleData } from '../../addon/src/pkg/mp4/index.js';
import { INTERESTING_U32, Prng, flipBits, setBytes, setU32, splice, truncate } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Mutated copies of the demo clip's moov: parseMp4 may accept or reject each one, but it may
 * only ever throw Mp4Error, and never take long.
 */

/** FUZZ_INPUTS for the long mode. */
const INPUTS = 6_000;
const SEED = 0x75327274; // 'ts2rt'

const head = readFileSync(new URL('../unit/pkg/mp4/fixtures/demo_head.bin', import.meta.url));
const clip = readFileSync(new URL('../../addon/assets/demo.mp4', import.meta.url));

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf', 'udta']);
const TABLES = new Set(['stts', 'ctts', 'stsc', 'stsz', 'stco', 'co64', 'stss', 'elst', 'stsd']);

interface BoxAt {
  readonly type: string;
  readonly at: number;
  readonly size: number;
}

/** Every box header in the head, found independently of the code under test. */
function boxesIn(buf: Buffer, start: number, end: number, out: BoxAt[] = []): BoxAt[] {
  let pos = start;
  while (end - pos >= 8) {
    const size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (size < 8 || pos + size > end) break;
    out.push({ type, at: pos, size });
    if (CONTAINERS.has(type)) boxesIn(buf, pos + 8, pos + size, out);
    if (type === 'stsd') boxesIn(buf, pos + 16, pos + size, out);
    pos += size;
  }
  return out;
}

const boxes = boxesIn(head, 0, head.length);
const tables = boxes.filter((b) => TABLES.has(b.type));

function corruptBoxSize(rng: Prng, input: Buffer): Buffer {
  const b = rng.pick(boxes);
  const out = Buffer.from(input);
  const sizes = [0, 1, 7, 8, b.size - 1, b.size + 1, b.size * 2, 0xffffffff, rng.u32()];
  out.writeUInt32BE(rng.pick(sizes) >>> 0, b.at);
  return out;
}

/** Table counts and entries are where allocation and loop bounds come from. */
function corruptTable(rng: Prng, input: Buffer): Buffer {
  const t = rng.pick(tables);
  // Header (8) + version/flags (4), then the count(s) and entries.
  const field = t.at + 12 + 4 * rng.below(Math.max(1, Math.min(8, (t.size - 12) / 4)));
  return setU32(rng, input, Math.min(field, t.at + t.size - 4));
}

function randomInput(rng: Prng): Buffer {
  const body = rng.bytes(rng.below(256));
  // Half of them look like a moov from the outside, so the walk gets past the top level.
  if (rng.below(2) === 0) return body;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(rng.below(2) === 0 ? body.length + 8 : rng.pick(INTERESTING_U32));
  header.write(rng.pick(['moov', 'trak', 'stbl', 'ftyp']), 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** Every mutation starts from the head fixture (the target's one seed). */
function mutate(rng: Prng): Buffer {
  switch (rng.below(8)) {
    case 0:
      return flipBits(rng, head);
    case 1:
      return setBytes(rng, head);
    case 2:
      return truncate(rng, head);
    case 3:
      return corruptBoxSize(rng, head);
    case 4:
    case 5:
      return corruptTable(rng, head);
    case 6:
      return splice(rng, head);
    default:
      return randomInput(rng);
  }
}

describe('parseMp4 fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs: only Mp4Error, no call hangs`, (t) => {
    assert.ok(clip.subarray(0, head.length).equals(head), 'the head fixture is the head of the clip');
    const codes = new Map<string, number>();
    const stats = fuzzTargets({
      parser: 'mp4',
      seed: SEED,
      ciInputs: INPUTS,
      typed: (e) => e instanceof Mp4Error,
      targets: [
        {
          name: 'parseMp4/sampleData',
          seeds: [head],
          mutate: (rng) => mutate(rng),
          run: (mutated, rng) => {
            const requireSampleData = rng.below(4) === 0;
            // With sample data required, a same-length mutation is written over the head of the whole
            // clip (and undone below), so sampleData reads real samples without a 500 KB copy per input.
            const inPlace = requireSampleData && mutated.length === head.length;
            if (inPlace) mutated.copy(clip);
            const input = inPlace ? clip : mutated;
            let parsed = false;
            try {
              const movie = parseMp4(input, { requireSampleData });
              parsed = true;
              // Only a file whose samples were checked promises that they can be read.
              if (!requireSampleData) return;
              for (const track of movie.tracks) {
                const { samples } = track;
                for (const sample of [samples[0], samples[samples.length >> 1], samples[samples.length - 1]]) {
                  if (sample !== undefined) sampleData(input, sample);
                }
              }
            } catch (error) {
              assert.ok(!parsed, `sampleData refused a sample parseMp4 had checked: ${String(error)}`);
              if (error instanceof Mp4Error) codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
              throw error;
            } finally {
              if (inPlace) head.copy(clip);
            }
          },
        },
      ],
    });
    // The mix must reach both outcomes, or the mutations are too mild or too wild to test anything.
    for (const [name, s] of stats) {
      assert.ok(s.ok > (s.ok + s.failed) / 100, `${name}: accepted ${s.ok}`);
      assert.ok(codes.size >= 4, `codes seen: ${[...codes.keys()].join(', ')}`);
    }
    t.diagnostic(`${describeStats(stats)}; ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  });
});
