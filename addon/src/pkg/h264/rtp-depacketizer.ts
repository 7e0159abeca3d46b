import { RtpError } from '../rtp/errors.js';
import { NalDepacketizerBase, nalBytes, type NalDepacketizerOptions, type NalUnit } from '../rtp/nal-depacketizer.js';
import { PayloadKind, aggregateKind } from '../rtp/unwatched-gop.js';
import { NalUnitType } from './nalu.js';
import { parseH264Fmtp } from './rtp-fmtp.js';

export interface H264DepacketizerOptions extends NalDepacketizerOptions {
  /** The SDP fmtp of the format; its sprop-parameter-sets seed the parameter sets. Defaults to none. */
  readonly fmtp?: string;
  /**
   * Insert the last known SPS/PPS (from fmtp or seen in-band) before an IDR access unit that lacks them,
   * so every key frame is decodable on its own. Defaults to true.
   */
  readonly insertParameterSets?: boolean;
}

function nalType(nal: NalUnit): number {
  return (nal.parts[0]?.[0] ?? 0) & 0x1f;
}

/**
 * The one-byte NAL headers a fragmented unit starts with, made once: a camera starts a FU-A unit for nearly
 * every slice, and `Buffer.from([byte])` per unit was a visible share of a publisher's CPU. Read-only.
 */
const NAL_HEADER_BYTES: readonly Buffer[] = Array.from({ length: 256 }, (_, byte) => Buffer.from([byte]));

function whole(nal: Buffer): NalUnit {
  return { parts: [nal], size: nal.length };
}

/**
 * RFC 6184 receiver, non-interleaved mode: single NAL unit packets, STAP-A and FU-A. Output is one AVCC
 * access unit per RTP timestamp; key frame = the unit has an IDR slice.
 */
export class H264Depacketizer extends NalDepacketizerBase {
  protected readonly nalHeaderSize = 1;
  private readonly insert: boolean;
  private sps: Buffer[];
  private pps: Buffer[];

  constructor(options: H264DepacketizerOptions = {}) {
    super(options);
    const fmtp = parseH264Fmtp(options.fmtp);
    this.sps = [...fmtp.sps];
    this.pps = [...fmtp.pps];
    this.insert = options.insertParameterSets ?? true;
  }

  protected parsePayload(payload: Buffer): void {
    const first = payload[0];
    if (first === undefined) return;
    const type = first & 0x1f;
    if (type >= 1 && type <= 23) {
      this.addNal(whole(payload));
    } else if (type === NalUnitType.STAPA) {
      this.startAggregate();
      let pos = 1;
      while (pos < payload.length) {
        if (payload.length - pos < 2)
          throw new RtpError('RTP_BAD_PAYLOAD', `STAP-A: ${payload.length - pos} stray bytes`);
        const size = payload.readUInt16BE(pos);
        pos += 2;
        if (size === 0 || size > payload.length - pos) {
          throw new RtpError('RTP_BAD_PAYLOAD', `STAP-A: NAL unit of ${size} bytes, ${payload.length - pos} left`);
        }
        this.addNal(whole(payload.subarray(pos, pos + size)));
        pos += size;
      }
      this.endAggregate(first);
    } else if (type === NalUnitType.FUA) {
      const fu = payload[1];
      if (fu === undefined) throw new RtpError('RTP_BAD_PAYLOAD', 'FU-A without its FU header');
      const data = payload.subarray(2);
      if (fu & 0x80) {
        // The NAL header is rebuilt from the indicator's F and NRI bits and the FU header's type.
        this.startFragment(NAL_HEADER_BYTES[(first & 0xe0) | (fu & 0x1f)] as Buffer, data);
        if (fu & 0x40) this.continueFragment(Buffer.alloc(0), true);
      } else {
        this.continueFragment(data, (fu & 0x40) !== 0);
      }
    } else if (
      type === NalUnitType.STAPB ||
      type === NalUnitType.MTAP16 ||
      type === NalUnitType.MTAP24 ||
      type === NalUnitType.FUB
    ) {
      throw new RtpError('RTP_UNSUPPORTED', `H264 payload type ${type} belongs to the interleaved mode`);
    } else {
      throw new RtpError('RTP_BAD_PAYLOAD', `H264 NAL unit type ${type} is not valid in RTP`);
    }
  }

  protected completeAccessUnit(nalus: NalUnit[]): { nalus: NalUnit[]; keyframe: boolean } | undefined {
    let picture = false;
    let keyframe = false;
    const sps: Buffer[] = [];
    const pps: Buffer[] = [];
    for (const nal of nalus) {
      const type = nalType(nal);
      if (type >= NalUnitType.Slice && type <= NalUnitType.IDR) picture = true;
      if (type === NalUnitType.IDR) keyframe = true;
      if (type === NalUnitType.SPS) sps.push(Buffer.from(nalBytes(nal)));
      if (type === NalUnitType.PPS) pps.push(Buffer.from(nalBytes(nal)));
    }
    // Copies: the parameter sets outlive the packet buffers they arrived in.
    if (sps.length > 0) this.sps = sps;
    if (pps.length > 0) this.pps = pps;
    if (!picture) return undefined;
    if (!keyframe || !this.insert) return { nalus, keyframe };
    const missing: NalUnit[] = [];
    if (sps.length === 0) missing.push(...this.sps.map(whole));
    if (pps.length === 0) missing.push(...this.pps.map(whole));
    if (missing.length === 0) return { nalus, keyframe };
    // An access unit delimiter must stay first (H.264 7.4.1.2.3).
    const at = nalus[0] !== undefined && nalType(nalus[0]) === NalUnitType.AUD ? 1 : 0;
    return { nalus: [...nalus.slice(0, at), ...missing, ...nalus.slice(at)], keyframe };
  }
}

function kindOfNal(type: number): PayloadKind {
  if (type === NalUnitType.IDR) return PayloadKind.KeyPicture;
  if (type === NalUnitType.SPS || type === NalUnitType.PPS) return PayloadKind.ParameterSets;
  return PayloadKind.Other;
}

/**
 * What an RFC 6184 payload (`packet[start, end)`) carries for a GOP kept raw (pkg/rtp/unwatched-gop.ts): a
 * single NAL unit by its type, a STAP-A by the units it aggregates, a FU-A by its first fragment's unit.
 * Never throws: a payload cut short is Other.
 */
export function h264PayloadKind(packet: Uint8Array, start: number, end: number): PayloadKind {
  const type = (packet[start] ?? 0) & 0x1f;
  if (type === NalUnitType.FUA || type === NalUnitType.FUB) {
    const fu = packet[start + 1];
    return fu !== undefined && start + 1 < end && (fu & 0x80) !== 0 ? kindOfNal(fu & 0x1f) : PayloadKind.Other;
  }
  return type === NalUnitType.STAPA ? aggregateKind(packet, start + 1, end, h264UnitKind) : kindOfNal(type);
}

function h264UnitKind(headerByte: number): PayloadKind {
  return kindOfNal(headerByte & 0x1f);
}
