/**
 * Reading the captured fixtures: `.rtp` files are RTP packets each prefixed by a 16-bit big-endian length,
 * `.frames` files are encoder output units (access units, AAC AUs, Opus packets, JPEG images) each prefixed
 * by a 32-bit length; RTSP session captures are the raw TCP bytes of one direction.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RtspReader, type RtspMessage } from '../../../../addon/src/pkg/rtsp/index.js';
import {
  parseRtp,
  rtpPacketToBuffer,
  type RtpDepacketizer,
  type RtpFrame,
  type RtpPacketOut,
} from '../../../../addon/src/pkg/rtp/index.js';
import type { Packet } from '../../../../addon/src/core/packet.js';

function lengthPrefixed(data: Buffer, width: 2 | 4): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const size = data.readUIntBE(pos, width);
    pos += width;
    out.push(data.subarray(pos, pos + size));
    pos += size;
  }
  assert.equal(pos, data.length, 'fixture ends inside a record');
  return out;
}

export function readPackets(url: URL): Buffer[] {
  return lengthPrefixed(readFileSync(url), 2);
}

export function readFrames(url: URL): Buffer[] {
  return lengthPrefixed(readFileSync(url), 4);
}

/** The fixture folder of another package's tests, e.g. `fixture('rtsp', 'x.bin')`. */
export function fixtureUrl(pkg: string, name: string): URL {
  return new URL(`../${pkg}/fixtures/${name}`, import.meta.url);
}

/** Messages and per-channel interleaved payloads of a captured RTSP byte stream. */
export function readSession(url: URL): { messages: RtspMessage[]; channels: Map<number, Buffer[]> } {
  const reader = new RtspReader();
  const messages: RtspMessage[] = [];
  const channels = new Map<number, Buffer[]>();
  for (const item of reader.push(readFileSync(url))) {
    if (item.kind === 'request' || item.kind === 'response') messages.push(item);
    else if (item.kind === 'frame') channels.set(item.channel, [...(channels.get(item.channel) ?? []), item.payload]);
    else assert.fail(`${item.kind} in a captured session: ${item.error.message}`);
  }
  return { messages, channels };
}

/** Every frame a depacketizer gives for these packets, in order. */
export function depacketizeAll(depacketizer: RtpDepacketizer, packets: readonly Buffer[]): RtpFrame[] {
  return packets.flatMap((p) => depacketizer.push(parseRtp(p)));
}

/** The access units of depacketized frames, without how they were cut into packets (`rtpLayout`). */
export function accessUnits(frames: readonly RtpFrame[]): Array<Pick<RtpFrame, 'payload' | 'timestamp' | 'keyframe'>> {
  return frames.map(({ payload, timestamp, keyframe }) => ({ payload, timestamp, keyframe }));
}

/** Packets of a packetizer as whole buffers. */
export function packetizeAll(
  packetizer: { packetize(frame: Packet): RtpPacketOut[] },
  frames: readonly Packet[],
): Buffer[] {
  return frames.flatMap((f) => packetizer.packetize(f).map(rtpPacketToBuffer));
}

/** True when `view` shares memory with `whole` (a subarray, not a copy). */
export function isViewOf(view: Buffer, whole: Buffer): boolean {
  return (
    view.buffer === whole.buffer &&
    view.byteOffset >= whole.byteOffset &&
    view.byteOffset + view.length <= whole.byteOffset + whole.length
  );
}
