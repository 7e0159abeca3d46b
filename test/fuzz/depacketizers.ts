/**
 * The depacketizer targets of test/fuzz/rtp-*-depacketizers.fuzz.test.ts on the shared loop (targets.ts).
 * An input is a packet sequence, each packet as a 16-bit length and its bytes, so the corpus holds plain
 * files. The mutations work on the sequence as a sender and a network damage it (loss, duplicates,
 * reordering, marker and timestamp changes, payload bytes) on windows of real captures. Only RtpError may
 * come out of a push (it drops the partial frame and the depacketizer goes on); every frame that comes out
 * must pass the target's check.
 */
import assert from 'node:assert/strict';
import {
  RtpError,
  parseRtp,
  serializeRtpHeader,
  type RtpDepacketizer,
  type RtpFrame,
  type RtpPacket,
} from '../../addon/src/pkg/rtp/index.js';
import { Prng, flipBits, setBytes, setU32, splice, truncate } from './mutate.js';
import type { FuzzTarget } from './targets.js';

export interface DepacketizerTarget {
  readonly name: string;
  make(): RtpDepacketizer;
  /** Packet sequences as a sender sent them. */
  readonly seeds: readonly (readonly RtpPacket[])[];
  /** Throws (an AssertionError) when a frame breaks the format's promises. */
  check(frame: RtpFrame): void;
}

/** Packets, frames and typed errors seen, for the test's diagnostic line. */
export interface DepacketizerCounts {
  packets: number;
  frames: number;
  typed: number;
}

/** A sequence as one buffer: per packet a 16-bit length, then the packet (padding left out, as parsed). */
export function encodeSequence(packets: readonly RtpPacket[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of packets) {
    const bytes = Buffer.concat([serializeRtpHeader({ ...p, paddingSize: 0 }), p.payload]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(Math.min(bytes.length, 0xffff));
    parts.push(length, bytes.subarray(0, 0xffff));
  }
  return Buffer.concat(parts);
}

/** The packets of an encoded sequence as raw bytes, malformed ones included; a damaged length ends it. */
export function rawSequence(input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos + 2 <= input.length;) {
    const n = input.readUInt16BE(pos);
    out.push(input.subarray(pos + 2, pos + 2 + n));
    pos += 2 + n;
  }
  return out;
}

/** The packets of an encoded sequence; a damaged length ends it, a packet parseRtp refuses is left out. */
export function decodeSequence(input: Buffer): RtpPacket[] {
  const out: RtpPacket[] = [];
  for (const bytes of rawSequence(input)) {
    try {
      out.push(parseRtp(bytes));
    } catch (error) {
      if (!(error instanceof RtpError)) throw error;
    }
  }
  return out;
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

/** A fuzz target for the shared loop: seeds are whole captures, each input a damaged window of 1-12 packets. */
export function depacketizerTarget(target: DepacketizerTarget, counts: DepacketizerCounts): FuzzTarget {
  const decoded = new Map<Buffer, RtpPacket[]>();
  const seeds = target.seeds.map((packets) => {
    const seed = encodeSequence(packets);
    decoded.set(seed, [...packets]);
    return seed;
  });
  return {
    name: target.name,
    seeds,
    mutate: (rng, seed) => {
      const all = decoded.get(seed) ?? decodeSequence(seed);
      const start = rng.below(all.length);
      let packets = all.slice(start, start + 1 + rng.below(12));
      for (let m = 1 + rng.below(2); m > 0; m--) packets = mutateSequence(rng, packets);
      return encodeSequence(packets);
    },
    run: (input) => {
      const d = target.make();
      for (const p of decodeSequence(input)) {
        let frames: RtpFrame[];
        try {
          frames = d.push(p);
        } catch (error) {
          if (!(error instanceof RtpError)) throw error;
          counts.typed++;
          continue;
        }
        counts.packets++;
        for (const frame of frames) {
          assert.ok(
            Number.isInteger(frame.timestamp) && frame.timestamp >= 0 && frame.timestamp <= 0xffffffff,
            `timestamp ${frame.timestamp}`,
          );
          target.check(frame);
          counts.frames++;
        }
      }
    },
  };
}
