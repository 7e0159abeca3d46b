import type { Packet } from '../../core/packet.js';
import { RtpError } from '../rtp/errors.js';
import { RtpPacketizerBase, type RtpPacketOut, type RtpPacketizerOptions } from '../rtp/payload.js';

export type AacPacketizerOptions = RtpPacketizerOptions;

/** 13-bit AU-size of AAC-hbr. */
const MAX_AU_SIZE = 0x1fff;

/**
 * RFC 3640 sender, AAC-hbr (sizelength=13;indexlength=3;indexdeltalength=3, what buildMpeg4GenericFmtp
 * writes): one AU per packet, marker set; an AU larger than maxPayloadSize is fragmented, each fragment
 * repeating the AU header with the whole AU's size and only the last one marked.
 */
export class AacPacketizer extends RtpPacketizerBase {
  constructor(options: AacPacketizerOptions) {
    super(options);
  }

  packetize(frame: Packet): RtpPacketOut[] {
    const au = frame.payload;
    if (au.length > MAX_AU_SIZE)
      throw new RtpError('RTP_BAD_PAYLOAD', `AAC AU of ${au.length} bytes, AAC-hbr holds ${MAX_AU_SIZE}`);
    const headers = Buffer.from([0x00, 0x10, (au.length >> 5) & 0xff, (au.length & 0x1f) << 3]);
    const timestamp = this.rtpTimestamp(frame.timestamp);
    const chunk = this.maxPayloadSize - headers.length;
    if (au.length <= chunk) return [this.packet([headers, au], timestamp, true)];
    const out: RtpPacketOut[] = [];
    for (let pos = 0; pos < au.length; pos += chunk) {
      const end = Math.min(au.length, pos + chunk);
      out.push(this.packet([headers, au.subarray(pos, end)], timestamp, end === au.length));
    }
    return out;
  }
}

/**
 * RFC 6416 sender for MP4A-LATM with the StreamMuxConfig out of band (buildStreamMuxConfig: one AU per
 * AudioMuxElement): each element is the AU's PayloadLengthInfo and the AU, split over packets when larger
 * than maxPayloadSize; the last packet of an element carries the marker bit.
 */
export class LatmPacketizer extends RtpPacketizerBase {
  constructor(options: AacPacketizerOptions) {
    super(options);
  }

  packetize(frame: Packet): RtpPacketOut[] {
    const au = frame.payload;
    const length = Buffer.alloc(Math.floor(au.length / 255) + 1, 0xff);
    length[length.length - 1] = au.length % 255;
    const timestamp = this.rtpTimestamp(frame.timestamp);
    if (length.length + au.length <= this.maxPayloadSize) return [this.packet([length, au], timestamp, true)];
    // The length prefix goes whole into the first packet, the AU bytes fill the rest.
    const out: RtpPacketOut[] = [];
    let pos = 0;
    let parts: Buffer[] = [length];
    let room = this.maxPayloadSize - length.length;
    if (room <= 0) throw new RtpError('RTP_LIMIT', `LATM length of ${length.length} bytes exceeds maxPayloadSize`);
    while (pos < au.length) {
      const end = Math.min(au.length, pos + room);
      parts.push(au.subarray(pos, end));
      out.push(this.packet(parts, timestamp, end === au.length));
      pos = end;
      parts = [];
      room = this.maxPayloadSize;
    }
    return out;
  }
}
