import type { Codec } from '../../../core/codec.js';
import type { Packet } from '../../../core/packet.js';
import type { Receiver } from '../../../core/track.js';
import type { RtpPacketizer } from '../../rtp/index.js';
import { createPacketizer } from '../formats.js';

interface FrameBytes {
  /** Where each `$ channel length` header starts in the bytes. */
  readonly offsets: Uint32Array;
  /** The serialized frame per interleaved channel (nearly always one). */
  readonly byChannel: Map<number, Buffer>;
}

/**
 * RTP over RTSP/TCP for every reader of one source track in one format: each frame is packetized and
 * serialized once (`$`-framed packets in one Buffer) and the same Buffer is written to every reader, so a
 * reader costs one socket write per frame and no allocation. One numbering (SSRC, sequence) per source
 * track, as a camera's own server has; a reader whose Sender dropped frames sees the gap in sequence
 * numbers, which is what loss looks like in RTP. Frames are numbered in the order they are first asked
 * for; every reader's Sender delivers in source order, so each reader sees a continuous sequence.
 */
export class SharedRtpTrack {
  private readonly frames = new WeakMap<Packet, FrameBytes>();

  constructor(private readonly packetizer: RtpPacketizer) {}

  /** The frame's packets, `$`-framed on `channel`: shared, never to be modified by the caller. */
  frame(packet: Packet, channel: number): Buffer {
    const entry = this.frames.get(packet);
    if (!entry) return this.build(packet, channel);
    const bytes = entry.byChannel.get(channel);
    if (bytes) return bytes;
    const first: Buffer | undefined = entry.byChannel.values().next().value;
    const copy = Buffer.from(first ?? this.build(packet, channel));
    for (const at of entry.offsets) copy[at + 1] = channel;
    entry.byChannel.set(channel, copy);
    return copy;
  }

  private build(packet: Packet, channel: number): Buffer {
    const packets = this.packetizer.packetize(packet);
    let size = 0;
    for (const p of packets) size += 4 + p.header.length + p.payloadSize;
    const bytes = Buffer.allocUnsafe(size);
    const offsets = new Uint32Array(packets.length);
    let pos = 0;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      offsets[i] = pos;
      bytes[pos] = 0x24;
      bytes[pos + 1] = channel;
      bytes.writeUInt16BE(p.header.length + p.payloadSize, pos + 2);
      pos += 4 + p.header.copy(bytes, pos + 4);
      for (const part of p.payload) pos += part.copy(bytes, pos);
    }
    this.frames.set(packet, { offsets, byChannel: new Map([[channel, bytes]]) });
    return bytes;
  }
}

/** The shared RTP of `receiver` in this format (payload type, largest payload), created on first use. */
export function sharedRtpTrack(
  receiver: Receiver,
  codec: Codec,
  payloadType: number,
  maxPayloadSize?: number,
): SharedRtpTrack {
  const key = `rtsp/${codec.name}/${codec.clockRate}/${codec.channels}/${payloadType}/${maxPayloadSize ?? 0}`;
  return receiver.shared(
    key,
    () => new SharedRtpTrack(createPacketizer(codec, { payloadType, ...(maxPayloadSize ? { maxPayloadSize } : {}) })),
  );
}
