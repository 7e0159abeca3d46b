/**
 * Shared by the depacketizer fuzz tests (test/fuzz/rtp-*-depacketizers.fuzz.test.ts): windows of real
 * packet sequences, mutated in their payloads and headers (loss, duplicates, reordering, marker and
 * timestamp changes), fed to a fresh depacketizer. Only RtpError may be thrown; every frame that comes out
 * must pass the target's check; a push slower than the limit is replayed once (the replay decides).
 */
import assert from 'node:assert/strict';
import { RtpError, type RtpDepacketizer, type RtpFrame, type RtpPacket } from '../../../../addon/src/pkg/rtp/index.js';
import { Prng, flipBits, setBytes, setU32, splice, timed, truncate } from '../../../fuzz/mutate.js';

export interface DepacketizerTarget {
  readonly name: string;
  make(): RtpDepacketizer;
  /** Packet sequences as a sender sent them. */
  readonly seeds: readonly (readonly RtpPacket[])[];
  /** Throws (an AssertionError) when a frame breaks the format's promises. */
  check(frame: RtpFrame): void;
}

function mutatePayload(rng: Prng, payload: Buffer): Buffer {
  switch (rng.below(6)) {
    case 0:
    case 1:
      return flipBits(rng, payload);
    case 2:
      return setBytes(rng, payload);
    case 3:
      return truncate(rng, payload);
    case 4:
      return setU32(rng, payload);
    default:
      return splice(rng, payload);
  }
}

function mutateSequence(rng: Prng, packets: RtpPacket[]): RtpPacket[] {
  const out = packets.slice();
  const at = rng.below(out.length);
  const p = out[at];
  if (p === undefined) return out;
  switch (rng.below(9)) {
    case 0:
    case 1:
    case 2:
      out[at] = { ...p, payload: mutatePayload(rng, p.payload) };
      break;
    case 3:
      out.splice(at, 1); // loss
      break;
    case 4:
      out.splice(at, 0, p); // duplicate
      break;
    case 5:
      if (at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1] as RtpPacket, p]; // reordered
      break;
    case 6:
      out[at] = { ...p, marker: !p.marker };
      break;
    case 7:
      out[at] = { ...p, timestamp: (p.timestamp + rng.pick([1, 3000, 0x7fffffff, 0xffffffff])) >>> 0 };
      break;
    default:
      out[at] = { ...p, payload: rng.bytes(rng.below(40)) };
  }
  return out;
}

function feed(target: DepacketizerTarget, packets: readonly RtpPacket[]): { frames: RtpFrame[]; ms: number; error: unknown } {
  const d = target.make();
  const frames: RtpFrame[] = [];
  let ms = 0;
  for (const p of packets) {
    const call = timed(() => frames.push(...d.push(p)));
    ms = Math.max(ms, call.ms);
    // A typed error drops the partial frame; the depacketizer goes on with the next packet.
    if (call.error !== undefined && !(call.error instanceof RtpError)) return { frames, ms, error: call.error };
  }
  return { frames, ms, error: undefined };
}

export interface FuzzResult {
  packets: number;
  frames: number;
  slowest: number;
}

export function fuzzDepacketizer(target: DepacketizerTarget, options: { seed: number; minPackets: number; maxCallMs: number }): FuzzResult {
  const rng = new Prng(options.seed);
  const result: FuzzResult = { packets: 0, frames: 0, slowest: 0 };
  for (let i = 0; result.packets < options.minPackets; i++) {
    const seed = rng.pick(target.seeds);
    const start = rng.below(seed.length);
    let packets = seed.slice(start, start + 1 + rng.below(12));
    for (let m = 1 + rng.below(2); m > 0; m--) packets = mutateSequence(rng, packets);
    let run = feed(target, packets);
    if (run.ms >= options.maxCallMs) run = feed(target, packets);
    assert.equal(run.error, undefined, `${target.name} iteration ${i} threw ${String(run.error)}`);
    assert.ok(run.ms < options.maxCallMs, `${target.name} iteration ${i}: a push took ${run.ms.toFixed(1)} ms`);
    for (const frame of run.frames) {
      assert.ok(Number.isInteger(frame.timestamp) && frame.timestamp >= 0 && frame.timestamp <= 0xffffffff, `${target.name}: timestamp ${frame.timestamp}`);
      target.check(frame);
    }
    result.packets += packets.length;
    result.frames += run.frames.length;
    result.slowest = Math.max(result.slowest, run.ms);
  }
  return result;
}
