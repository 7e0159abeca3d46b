import { RtpError } from '../rtp/errors.js';
import { NalDepacketizerBase, nalBytes, type NalDepacketizerOptions, type NalUnit } from '../rtp/nal-depacketizer.js';
import { PayloadKind, aggregateKind } from '../rtp/unwatched-gop.js';
import { H265NalUnitType, isIrapType, isVclType } from './nalu.js';
import { parseH265Fmtp } from './rtp-fmtp.js';

export interface H265DepacketizerOptions extends NalDepacketizerOptions {
  /**
   * The SDP fmtp of the format: sprop-vps/sps/pps seed the parameter sets and sprop-max-don-diff > 0 says
   * the payloads carry DONL fields. Defaults to none.
   */
  readonly fmtp?: string;
  /** Insert the last known VPS/SPS/PPS before an IRAP access unit that lacks them. Defaults to true. */
  readonly insertParameterSets?: boolean;
}

function nalType(nal: NalUnit): number {
  return ((nal.parts[0]?.[0] ?? 0) >> 1) & 0x3f;
}

function whole(nal: Buffer): NalUnit {
  return { parts: [nal], size: nal.length };
}

/**
 * RFC 7798 receiver: single NAL unit packets, aggregation packets (AP) and fragmentation units (FU),
 * with or without DONL. Output is one AVCC access unit per RTP timestamp; key frame = IRAP picture.
 */
export class H265Depacketizer extends NalDepacketizerBase {
  protected readonly nalHeaderSize = 2;
  private readonly insert: boolean;
  private readonly donl: boolean;
  private vps: Buffer[];
  private sps: Buffer[];
  private pps: Buffer[];

  constructor(options: H265DepacketizerOptions = {}) {
    super(options);
    const fmtp = parseH265Fmtp(options.fmtp);
    this.vps = [...fmtp.vps];
    this.sps = [...fmtp.sps];
    this.pps = [...fmtp.pps];
    this.donl = fmtp.maxDonDiff > 0;
    // Our packetizer writes no DONL: such a camera's packets cannot be sent on as they came.
    this.recordLayout = !this.donl;
    this.insert = options.insertParameterSets ?? true;
  }

  protected parsePayload(payload: Buffer): void {
    if (payload.length === 0) return;
    if (payload.length < 2) throw new RtpError('RTP_BAD_PAYLOAD', `H265 payload of ${payload.length} byte`);
    const type = ((payload[0] ?? 0) >> 1) & 0x3f;
    if (type === H265NalUnitType.AP) {
      this.aggregation(payload);
    } else if (type === H265NalUnitType.FU) {
      const fu = payload[2];
      if (fu === undefined) throw new RtpError('RTP_BAD_PAYLOAD', 'H265 FU without its FU header');
      let pos = 3;
      if (fu & 0x80) {
        if (this.donl) pos += 2;
        if (pos > payload.length) throw new RtpError('RTP_BAD_PAYLOAD', 'H265 FU ends inside its DONL');
        // The NAL header: F, layer id and temporal id from the payload header, the type from the FU header.
        const header = Buffer.from([((payload[0] ?? 0) & 0x81) | ((fu & 0x3f) << 1), payload[1] ?? 0]);
        this.startFragment(header, payload.subarray(pos));
        if (fu & 0x40) this.continueFragment(Buffer.alloc(0), true);
      } else {
        this.continueFragment(payload.subarray(pos), (fu & 0x40) !== 0);
      }
    } else if (type >= H265NalUnitType.PACI) {
      throw new RtpError('RTP_UNSUPPORTED', `H265 payload type ${type} (PACI or unspecified)`);
    } else if (this.donl) {
      if (payload.length < 4) throw new RtpError('RTP_BAD_PAYLOAD', 'H265 single NAL unit ends inside its DONL');
      this.addNal({ parts: [payload.subarray(0, 2), payload.subarray(4)], size: payload.length - 2 });
    } else {
      this.addNal(whole(payload));
    }
  }

  private aggregation(payload: Buffer): void {
    this.startAggregate();
    let pos = 2;
    let first = true;
    while (pos < payload.length) {
      if (this.donl) pos += first ? 2 : 1;
      first = false;
      if (payload.length - pos < 2)
        throw new RtpError('RTP_BAD_PAYLOAD', `H265 AP: ${payload.length - pos + 2} stray bytes`);
      const size = payload.readUInt16BE(pos);
      pos += 2;
      if (size < 2 || size > payload.length - pos) {
        throw new RtpError('RTP_BAD_PAYLOAD', `H265 AP: NAL unit of ${size} bytes, ${payload.length - pos} left`);
      }
      this.addNal(whole(payload.subarray(pos, pos + size)));
      pos += size;
    }
    this.endAggregate(payload.readUInt16BE(0));
  }

  protected completeAccessUnit(nalus: NalUnit[]): { nalus: NalUnit[]; keyframe: boolean } | undefined {
    let picture = false;
    let keyframe = false;
    const found: Record<'vps' | 'sps' | 'pps', Buffer[]> = { vps: [], sps: [], pps: [] };
    for (const nal of nalus) {
      const type = nalType(nal);
      if (isVclType(type)) picture = true;
      if (isIrapType(type)) keyframe = true;
      // Copies: the parameter sets outlive the packet buffers they arrived in.
      if (type === H265NalUnitType.VPS) found.vps.push(Buffer.from(nalBytes(nal)));
      if (type === H265NalUnitType.SPS) found.sps.push(Buffer.from(nalBytes(nal)));
      if (type === H265NalUnitType.PPS) found.pps.push(Buffer.from(nalBytes(nal)));
    }
    if (found.vps.length > 0) this.vps = found.vps;
    if (found.sps.length > 0) this.sps = found.sps;
    if (found.pps.length > 0) this.pps = found.pps;
    if (!picture) return undefined;
    if (!keyframe || !this.insert) return { nalus, keyframe };
    const missing: NalUnit[] = [];
    if (found.vps.length === 0) missing.push(...this.vps.map(whole));
    if (found.sps.length === 0) missing.push(...this.sps.map(whole));
    if (found.pps.length === 0) missing.push(...this.pps.map(whole));
    if (missing.length === 0) return { nalus, keyframe };
    // An access unit delimiter must stay first (H.265 7.4.2.4.4).
    const at = nalus[0] !== undefined && nalType(nalus[0]) === H265NalUnitType.AUD ? 1 : 0;
    return { nalus: [...nalus.slice(0, at), ...missing, ...nalus.slice(at)], keyframe };
  }
}

function kindOfNal(type: number): PayloadKind {
  if (isIrapType(type)) return PayloadKind.KeyPicture;
  if (type === H265NalUnitType.VPS || type === H265NalUnitType.SPS || type === H265NalUnitType.PPS)
    return PayloadKind.ParameterSets;
  return PayloadKind.Other;
}

/**
 * What an RFC 7798 payload without DONL fields (`packet[start, end)`) carries for a GOP kept raw
 * (pkg/rtp/unwatched-gop.ts): a single NAL unit by its type, an AP by the units it aggregates, a FU by its
 * first fragment's unit. Never throws: a payload cut short is Other.
 */
export function h265PayloadKind(packet: Uint8Array, start: number, end: number): PayloadKind {
  if (start + 2 > end) return PayloadKind.Other;
  const type = ((packet[start] as number) >> 1) & 0x3f;
  if (type === H265NalUnitType.FU) {
    const fu = packet[start + 2];
    return fu !== undefined && start + 2 < end && (fu & 0x80) !== 0 ? kindOfNal(fu & 0x3f) : PayloadKind.Other;
  }
  return type === H265NalUnitType.AP ? aggregateKind(packet, start + 2, end, h265UnitKind) : kindOfNal(type);
}

function h265UnitKind(headerByte: number): PayloadKind {
  return kindOfNal((headerByte >> 1) & 0x3f);
}
