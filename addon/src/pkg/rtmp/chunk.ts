import { RtmpError } from './errors.js';

/** One RTMP message, reassembled from its chunks. */
export interface RtmpMessage {
  /** Message type id (1 set chunk size ... 8 audio, 9 video, 18 data, 20 command). */
  readonly type: number;
  /** Milliseconds, 32 bits. */
  readonly timestamp: number;
  readonly streamId: number;
  readonly payload: Buffer;
  /** Chunk stream it came on (commands reply on the same one by convention). */
  readonly csid: number;
}

export const DEFAULT_CHUNK_SIZE = 128;
/** The spec allows 2^31-1; real peers use up to 64 KiB, nginx at most a few MiB. Larger is an attack. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Message lengths are 24 bits; we cap a message lower, far above any frame a camera sends. */
export const MAX_MESSAGE_SIZE = 8 * 1024 * 1024;
/** Chunk streams with state at once; peers use fewer than ten. */
export const MAX_CHUNK_STREAMS = 64;

const EXTENDED = 0xffffff;

interface StreamState {
  timestamp: number;
  /** The last header's timestamp field (absolute for type 0, delta otherwise): a new type-3 message adds it. */
  delta: number;
  extended: boolean;
  length: number;
  type: number;
  streamId: number;
  /** Parts of the message being reassembled, and their total. */
  parts: Buffer[];
  received: number;
}

/**
 * Chunk stream → messages (RTMP spec 5.3), all four header types, extended timestamps, and the peer's
 * Set Chunk Size (type 1) and Abort (type 2) applied as they arrive (they still reach the caller). Pure and
 * incremental: `push` what the socket gave, get the messages it completed.
 */
export class ChunkReader {
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, StreamState>();
  private pending: Buffer = Buffer.alloc(0);

  get peerChunkSize(): number {
    return this.chunkSize;
  }

  push(data: Buffer): RtmpMessage[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const out: RtmpMessage[] = [];
    let pos = 0;
    for (;;) {
      const used = this.readChunk(this.pending, pos, out);
      if (used === 0) break;
      pos += used;
    }
    this.pending = pos === 0 ? this.pending : Buffer.from(this.pending.subarray(pos));
    return out;
  }

  /** Reads one chunk at `pos`; returns the bytes it took, or 0 when it is not complete yet. */
  private readChunk(buf: Buffer, pos: number, out: RtmpMessage[]): number {
    const start = pos;
    const b0 = buf[pos];
    if (b0 === undefined) return 0;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    pos++;
    if (csid === 0) {
      if (buf.length < pos + 1) return 0;
      csid = 64 + (buf[pos] ?? 0);
      pos += 1;
    } else if (csid === 1) {
      if (buf.length < pos + 2) return 0;
      csid = 64 + (buf[pos] ?? 0) + (buf[pos + 1] ?? 0) * 256;
      pos += 2;
    }
    const headerSize = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (buf.length < pos + headerSize) return 0;
    const prev = this.streams.get(csid);
    if (fmt !== 0 && prev === undefined)
      throw new RtmpError('RTMP_CHUNK', `chunk type ${fmt} on chunk stream ${csid} before any type-0 header`);
    const continuing = prev !== undefined && prev.parts.length > 0;
    if (fmt !== 3 && continuing && fmt !== 0) {
      // A new header while a message is half read: the peer dropped it (as an Abort would).
      prev.parts = [];
      prev.received = 0;
    }
    let tsField = 0;
    let length = prev?.length ?? 0;
    let type = prev?.type ?? 0;
    let streamId = prev?.streamId ?? 0;
    if (fmt <= 2) tsField = buf.readUIntBE(pos, 3);
    if (fmt <= 1) {
      length = buf.readUIntBE(pos + 3, 3);
      type = buf[pos + 6] ?? 0;
    }
    if (fmt === 0) streamId = buf.readUInt32LE(pos + 7);
    pos += headerSize;
    const extended = fmt === 3 ? (prev?.extended ?? false) : tsField === EXTENDED;
    if (extended) {
      if (buf.length < pos + 4) return 0;
      const ext = buf.readUInt32BE(pos);
      pos += 4;
      if (fmt !== 3) tsField = ext;
      else if (!continuing) tsField = ext;
    } else if (fmt === 3) {
      tsField = prev?.delta ?? 0;
    }
    if (length > MAX_MESSAGE_SIZE)
      throw new RtmpError('RTMP_LIMIT', `message of ${length} bytes on chunk stream ${csid}, cap ${MAX_MESSAGE_SIZE}`);
    const state: StreamState = prev ?? {
      timestamp: 0,
      delta: 0,
      extended: false,
      length: 0,
      type: 0,
      streamId: 0,
      parts: [],
      received: 0,
    };
    const received = fmt === 3 && continuing ? state.received : 0;
    const take = Math.min(this.chunkSize, length - received);
    if (buf.length < pos + take) return 0;
    // The chunk is complete: commit the header.
    if (prev === undefined) {
      if (this.streams.size >= MAX_CHUNK_STREAMS)
        throw new RtmpError('RTMP_LIMIT', `more than ${MAX_CHUNK_STREAMS} chunk streams`);
      this.streams.set(csid, state);
    }
    if (!(fmt === 3 && continuing)) {
      state.timestamp = fmt === 0 ? tsField : (state.timestamp + tsField) >>> 0;
      if (fmt !== 3) state.delta = tsField;
      state.extended = extended;
      state.length = length;
      state.type = type;
      state.streamId = streamId;
      state.parts = [];
      state.received = 0;
    }
    if (take > 0) state.parts.push(buf.subarray(pos, pos + take));
    state.received += take;
    pos += take;
    if (state.received >= state.length) {
      const payload =
        state.parts.length === 1 ? Buffer.from(state.parts[0] ?? Buffer.alloc(0)) : Buffer.concat(state.parts);
      state.parts = [];
      state.received = 0;
      const message: RtmpMessage = {
        type: state.type,
        timestamp: state.timestamp,
        streamId: state.streamId,
        payload,
        csid,
      };
      this.control(message);
      out.push(message);
    }
    return pos - start;
  }

  /** Protocol control messages that change how the following chunks are read. */
  private control(message: RtmpMessage): void {
    if (message.type === 1) {
      if (message.payload.length < 4) throw new RtmpError('RTMP_CHUNK', 'Set Chunk Size shorter than 4 bytes');
      const size = message.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > MAX_CHUNK_SIZE)
        throw new RtmpError('RTMP_LIMIT', `chunk size ${size}, allowed 1..${MAX_CHUNK_SIZE}`);
      this.chunkSize = size;
    } else if (message.type === 2 && message.payload.length >= 4) {
      const aborted = this.streams.get(message.payload.readUInt32BE(0));
      if (aborted) {
        aborted.parts = [];
        aborted.received = 0;
      }
    }
  }
}

/**
 * Messages → chunks. Each message starts with a type-0 header (absolute timestamp: simple and what every
 * peer reads) and continues in type-3 chunks; extended timestamps are repeated in every chunk, as ffmpeg,
 * nginx-rtmp and Flash expect.
 */
export class ChunkWriter {
  chunkSize = DEFAULT_CHUNK_SIZE;

  write(csid: number, message: { type: number; timestamp: number; streamId: number; payload: Buffer }): Buffer[] {
    if (csid < 2 || csid > 65599) throw new RangeError(`chunk stream id ${csid}`);
    if (message.payload.length > 0xffffff) throw new RangeError(`message of ${message.payload.length} bytes`);
    const ts = message.timestamp >>> 0;
    const extended = ts >= EXTENDED;
    const basic = (fmt: number): Buffer =>
      csid < 64
        ? Buffer.from([(fmt << 6) | csid])
        : csid < 320
          ? Buffer.from([fmt << 6, csid - 64])
          : Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
    const ext = extended ? Buffer.alloc(4) : undefined;
    ext?.writeUInt32BE(ts);
    const header = Buffer.alloc(11);
    header.writeUIntBE(extended ? EXTENDED : ts, 0, 3);
    header.writeUIntBE(message.payload.length, 3, 3);
    header[6] = message.type;
    header.writeUInt32LE(message.streamId >>> 0, 7);
    const out: Buffer[] = [basic(0), header];
    if (ext) out.push(ext);
    let pos = 0;
    const payload = message.payload;
    for (;;) {
      const end = Math.min(payload.length, pos + this.chunkSize);
      out.push(payload.subarray(pos, end));
      pos = end;
      if (pos >= payload.length) break;
      out.push(basic(3));
      if (ext) out.push(ext);
    }
    return out;
  }
}
