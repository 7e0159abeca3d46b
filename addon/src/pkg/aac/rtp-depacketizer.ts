import { RtpError } from '../rtp/errors.js';
import type { RtpPacket } from '../rtp/packet.js';
import { RtpDepacketizerBase, type RtpFrame } from '../rtp/payload.js';
import { parseAudioSpecificConfig } from './asc.js';
import { AacError } from './errors.js';
import { parseLatmFmtp, parseMpeg4GenericFmtp, type Mpeg4GenericFmtp } from './fmtp.js';
import { parseStreamMuxConfig, type StreamMuxConfig } from './latm.js';

export interface AacDepacketizerOptions {
  /** The SDP fmtp of the format (mpeg4-generic or MP4A-LATM, whichever the class reads). */
  readonly fmtp?: string;
  /** RTP clock rate from the rtpmap. Defaults to the config's sample rate. */
  readonly clockRate?: number;
  /** Largest access unit in bytes (fragmented AUs are joined up to this). Defaults to 64 KiB. */
  readonly maxFrameSize?: number;
}

const DEFAULT_MAX_AU_SIZE = 64 * 1024;
/** An RTP payload of up to 64 KiB cannot hold more AUs than this with even the smallest headers. */
const MAX_AUS_PER_PACKET = 1024;

/** RTP ticks per AU: the config's frame length in samples, scaled from its sample rate to the RTP clock. */
function frameTicks(config: Buffer, clockRate: number | undefined, constantDuration = 0): number {
  if (constantDuration > 0) return constantDuration;
  if (config.length === 0) return 1024;
  const asc = parseAudioSpecificConfig(config);
  return Math.round((asc.frameLength * (clockRate ?? asc.sampleRate)) / asc.sampleRate);
}

/** Reads the AU header section bit by bit; the section is at most 8 KiB (a 16-bit length in bits). */
class HeaderBits {
  pos = 0;
  constructor(
    private readonly data: Buffer,
    readonly end: number,
  ) {}

  u(n: number): number {
    if (this.pos + n > this.end) throw new RtpError('RTP_BAD_PAYLOAD', 'mpeg4-generic AU header runs past its section');
    let v = 0;
    for (let i = 0; i < n; i++, this.pos++) v = v * 2 + (((this.data[this.pos >> 3] ?? 0) >> (7 - (this.pos & 7))) & 1);
    return v;
  }
}

/**
 * RFC 3640 receiver for AAC (mpeg4-generic, any AU header layout from the fmtp, AAC-hbr and AAC-lbr among
 * them): several AUs per packet become several frames, each timestamp derived from its AU index; a
 * fragmented AU is joined across packets. Frames are views into the packet when not fragmented.
 */
export class AacDepacketizer extends RtpDepacketizerBase {
  private readonly fmtp: Mpeg4GenericFmtp;
  private readonly ticks: number;
  private readonly maxFrameSize: number;
  private fragment: { parts: Buffer[]; size: number; expected: number; timestamp: number } | undefined;

  constructor(options: AacDepacketizerOptions = {}) {
    super();
    this.fmtp = parseMpeg4GenericFmtp(options.fmtp);
    this.ticks = frameTicks(this.fmtp.config, options.clockRate, this.fmtp.constantDuration);
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_AU_SIZE;
  }

  push(packet: RtpPacket): RtpFrame[] {
    if (!this.accept(packet)) return [];
    const payload = packet.payload;
    if (payload.length === 0) return [];
    const { sizes, indexes, data } = this.headers(payload);
    const open = this.fragment;
    if (open !== undefined) {
      if (open.timestamp === packet.timestamp && sizes.length === 1 && sizes[0] === open.expected) {
        open.parts.push(data);
        open.size += data.length;
        if (open.size < open.expected && !packet.marker) return [];
        this.fragment = undefined;
        if (open.size !== open.expected) {
          this.stats.framesDropped++;
          return [];
        }
        return [{ payload: Buffer.concat(open.parts, open.size), timestamp: open.timestamp, keyframe: true }];
      }
      this.dropPartial();
    }
    const first = sizes[0];
    if (sizes.length === 1 && first !== undefined && first > data.length) {
      if (first > this.maxFrameSize) throw new RtpError('RTP_LIMIT', `AU of ${first} bytes, cap ${this.maxFrameSize}`);
      this.fragment = { parts: [data], size: data.length, expected: first, timestamp: packet.timestamp };
      return [];
    }
    const frames: RtpFrame[] = [];
    let pos = 0;
    sizes.forEach((size, i) => {
      if (size > data.length - pos) {
        throw new RtpError('RTP_BAD_PAYLOAD', `AU ${i} of ${size} bytes, ${data.length - pos} left in the packet`);
      }
      const timestamp = (packet.timestamp + (indexes[i] ?? 0) * this.ticks) >>> 0;
      if (size > 0) frames.push({ payload: data.subarray(pos, pos + size), timestamp, keyframe: true });
      pos += size;
    });
    return frames;
  }

  protected dropPartial(): void {
    if (this.fragment !== undefined) this.stats.framesDropped++;
    this.fragment = undefined;
  }

  /** AU sizes, their index offsets from the first AU, and the data section after headers and aux data. */
  private headers(payload: Buffer): { sizes: number[]; indexes: number[]; data: Buffer } {
    const f = this.fmtp;
    const headerBits = f.sizeLength + Math.max(f.indexLength, f.indexDeltaLength) + f.ctsDeltaLength + f.dtsDeltaLength;
    let pos = 0;
    const sizes: number[] = [];
    const indexes: number[] = [];
    if (headerBits > 0 || f.randomAccessIndication || f.streamStateIndication > 0) {
      if (payload.length < 2) throw new RtpError('RTP_BAD_PAYLOAD', 'mpeg4-generic payload without AU-headers-length');
      const bits = payload.readUInt16BE(0);
      const bytes = Math.ceil(bits / 8);
      if (2 + bytes > payload.length)
        throw new RtpError('RTP_BAD_PAYLOAD', `AU headers of ${bits} bits do not fit the packet`);
      const r = new HeaderBits(payload.subarray(2, 2 + bytes), bits);
      let index = 0;
      while (r.pos < bits) {
        if (sizes.length >= MAX_AUS_PER_PACKET) throw new RtpError('RTP_LIMIT', `more than ${MAX_AUS_PER_PACKET} AUs`);
        const size = f.sizeLength > 0 ? r.u(f.sizeLength) : f.constantSize;
        index += sizes.length === 0 ? r.u(f.indexLength) * 0 : r.u(f.indexDeltaLength) + 1;
        if (f.ctsDeltaLength > 0 && r.u(1) === 1) r.u(f.ctsDeltaLength);
        if (f.dtsDeltaLength > 0 && r.u(1) === 1) r.u(f.dtsDeltaLength);
        if (f.randomAccessIndication) r.u(1);
        if (f.streamStateIndication > 0) r.u(f.streamStateIndication);
        sizes.push(size);
        indexes.push(index);
      }
      pos = 2 + bytes;
    }
    if (f.auxiliaryDataSizeLength > 0) {
      const r = new HeaderBits(payload.subarray(pos), (payload.length - pos) * 8);
      const auxBits = r.u(f.auxiliaryDataSizeLength);
      pos += Math.ceil((f.auxiliaryDataSizeLength + auxBits) / 8);
      if (pos > payload.length) throw new RtpError('RTP_BAD_PAYLOAD', 'auxiliary data runs past the packet');
    }
    const data = payload.subarray(pos);
    if (sizes.length === 0) {
      // No AU headers: the packet is one AU, or several of constantSize bytes.
      const each = f.constantSize > 0 ? f.constantSize : data.length;
      for (let at = 0, i = 0; at + each <= data.length && each > 0; at += each, i++) {
        if (i >= MAX_AUS_PER_PACKET) throw new RtpError('RTP_LIMIT', `more than ${MAX_AUS_PER_PACKET} AUs`);
        sizes.push(each);
        indexes.push(i);
      }
    }
    return { sizes, indexes, data };
  }
}

/**
 * RFC 6416 receiver for MP4A-LATM with the StreamMuxConfig out of band (cpresent=0, `config=` in the fmtp):
 * an AudioMuxElement may span packets up to the marker bit; each of its subframes is one AU.
 */
export class LatmDepacketizer extends RtpDepacketizerBase {
  readonly streamMuxConfig: StreamMuxConfig;
  private readonly ticks: number;
  private readonly maxFrameSize: number;
  private parts: Buffer[] = [];
  private size = 0;
  private timestamp = 0;

  constructor(options: AacDepacketizerOptions = {}) {
    super();
    const fmtp = parseLatmFmtp(options.fmtp);
    if (fmtp.cpresent !== 0) throw new AacError('AAC_UNSUPPORTED', 'MP4A-LATM with the config in-band (cpresent=1)');
    if (fmtp.config.length === 0) throw new AacError('AAC_BAD_CONFIG', 'MP4A-LATM without config=');
    this.streamMuxConfig = parseStreamMuxConfig(fmtp.config);
    if (!this.streamMuxConfig.allStreamsSameTimeFraming) {
      throw new AacError('AAC_UNSUPPORTED', 'LATM with allStreamsSameTimeFraming=0');
    }
    this.ticks = frameTicks(this.streamMuxConfig.asc, options.clockRate);
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_AU_SIZE;
  }

  push(packet: RtpPacket): RtpFrame[] {
    if (!this.accept(packet)) return [];
    if (this.parts.length > 0 && packet.timestamp !== this.timestamp) this.dropPartial();
    if (packet.payload.length > 0) {
      if (this.size + packet.payload.length > this.maxFrameSize * (this.streamMuxConfig.numSubFrames + 1)) {
        this.dropPartial();
        throw new RtpError('RTP_LIMIT', `AudioMuxElement larger than the cap`);
      }
      this.parts.push(packet.payload);
      this.size += packet.payload.length;
      this.timestamp = packet.timestamp;
    }
    if (!packet.marker || this.parts.length === 0) return [];
    const element = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return this.subframes(element, packet.timestamp);
  }

  protected dropPartial(): void {
    if (this.parts.length > 0) this.stats.framesDropped++;
    this.parts = [];
    this.size = 0;
  }

  private subframes(element: Buffer, timestamp: number): RtpFrame[] {
    const frames: RtpFrame[] = [];
    let pos = 0;
    for (let i = 0; i <= this.streamMuxConfig.numSubFrames; i++) {
      // PayloadLengthInfo: bytes of 255 add up until one below 255 ends the length.
      let length = 0;
      for (;;) {
        const b = element[pos++];
        if (b === undefined) throw new RtpError('RTP_BAD_PAYLOAD', `LATM subframe ${i} ends inside its length`);
        length += b;
        if (b !== 255) break;
      }
      if (length > element.length - pos) {
        throw new RtpError('RTP_BAD_PAYLOAD', `LATM subframe ${i} of ${length} bytes, ${element.length - pos} left`);
      }
      if (length > 0) {
        frames.push({
          payload: element.subarray(pos, pos + length),
          timestamp: (timestamp + i * this.ticks) >>> 0,
          keyframe: true,
        });
      }
      pos += length;
    }
    return frames;
  }
}
