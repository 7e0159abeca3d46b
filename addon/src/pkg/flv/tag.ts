import { FlvError } from './errors.js';

/** FLV tag types (FLV spec E.4.1), also the RTMP message type ids of the same payloads. */
export const FlvTagType = { Audio: 8, Video: 9, Script: 18 } as const;
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

/** One tag: its body is exactly an RTMP audio/video/data message payload. */
export interface FlvTag {
  readonly type: number;
  /** Milliseconds, 32 bits (the low 24 bits plus the extension byte). */
  readonly timestamp: number;
  readonly data: Buffer;
}

export const FLV_HEADER_SIZE = 9;
const TAG_HEADER_SIZE = 11;
/** A tag's DataSize is 24 bits; a reader still caps what it buffers. */
export const MAX_FLV_TAG_SIZE = 0xffffff;

/** The 9-byte header plus PreviousTagSize0. */
export function buildFlvHeader(hasVideo: boolean, hasAudio: boolean): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 1, (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]);
}

/** One tag with its trailing PreviousTagSize. */
export function buildFlvTag(tag: FlvTag): Buffer {
  if (tag.data.length > MAX_FLV_TAG_SIZE)
    throw new FlvError('FLV_BAD_TAG', `tag of ${tag.data.length} bytes, FLV holds at most ${MAX_FLV_TAG_SIZE}`);
  const head = Buffer.alloc(TAG_HEADER_SIZE);
  head[0] = tag.type & 0x1f;
  head.writeUIntBE(tag.data.length, 1, 3);
  const ts = tag.timestamp >>> 0;
  head.writeUIntBE(ts & 0xffffff, 4, 3);
  head[7] = ts >>> 24;
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(TAG_HEADER_SIZE + tag.data.length);
  return Buffer.concat([head, tag.data, tail]);
}

/**
 * Reads an FLV byte stream in pieces as they arrive (HTTP-FLV): `push` returns the tags completed so far.
 * Bytes are kept only until their tag is complete.
 */
export class FlvReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerSeen = false;
  /** Flags of the FLV header (audio 4, video 1), once read. */
  flags = 0;

  push(chunk: Buffer): FlvTag[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const tags: FlvTag[] = [];
    let pos = 0;
    if (!this.headerSeen) {
      if (this.pending.length < 3) return tags;
      if (this.pending[0] !== 0x46 || this.pending[1] !== 0x4c || this.pending[2] !== 0x56) {
        throw new FlvError('FLV_BAD_HEADER', 'data does not start with "FLV"');
      }
      if (this.pending.length < FLV_HEADER_SIZE + 4) return tags;
      if (this.pending[3] !== 1)
        throw new FlvError('FLV_BAD_HEADER', `FLV version ${this.pending[3] ?? 0}, expected 1`);
      const offset = this.pending.readUInt32BE(5);
      if (offset < FLV_HEADER_SIZE || offset > 1024) throw new FlvError('FLV_BAD_HEADER', `FLV header size ${offset}`);
      if (this.pending.length < offset + 4) return tags;
      this.flags = this.pending[4] ?? 0;
      pos = offset + 4;
      this.headerSeen = true;
    }
    for (;;) {
      if (this.pending.length - pos < TAG_HEADER_SIZE) break;
      const type = (this.pending[pos] ?? 0) & 0x1f;
      // The filter bit (encrypted tags) and reserved bits are not supported: a stream with them is garbage here.
      if (((this.pending[pos] ?? 0) & 0xe0) !== 0)
        throw new FlvError('FLV_BAD_TAG', `tag flags 0x${(this.pending[pos] ?? 0).toString(16)} at ${pos}`);
      const size = this.pending.readUIntBE(pos + 1, 3);
      const end = pos + TAG_HEADER_SIZE + size + 4;
      if (this.pending.length < end) break;
      const timestamp = (this.pending.readUIntBE(pos + 4, 3) | ((this.pending[pos + 7] ?? 0) << 24)) >>> 0;
      tags.push({ type, timestamp, data: this.pending.subarray(pos + TAG_HEADER_SIZE, pos + TAG_HEADER_SIZE + size) });
      pos = end;
    }
    // Copy the unfinished tail so the completed tags' views do not pin a growing buffer.
    this.pending = pos === 0 ? this.pending : Buffer.from(this.pending.subarray(pos));
    return tags;
  }
}
