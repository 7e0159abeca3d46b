import { buildFmtp, fmtpBase64List, fmtpInt, parseFmtp } from '../rtp/fmtp.js';
import { NalUnitType } from './nalu.js';

/** What an H.264 payload format's fmtp says (RFC 6184 8.1). */
export interface H264Fmtp {
  /** 0 single NAL, 1 non-interleaved, 2 interleaved; absent means 0. */
  readonly packetizationMode: number;
  /** Six hex digits (profile_idc, constraint flags, level_idc), as written; undefined when absent. */
  readonly profileLevelId?: string;
  /** SPS and PPS NAL units from sprop-parameter-sets, sorted by NAL type; other entries are dropped. */
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
}

export function parseH264Fmtp(fmtp: string | undefined): H264Fmtp {
  const params = parseFmtp(fmtp);
  const sets = fmtpBase64List(params.get('sprop-parameter-sets'));
  const profileLevelId = params.get('profile-level-id');
  const result: H264Fmtp = {
    packetizationMode: fmtpInt(params, 'packetization-mode') ?? 0,
    sps: sets.filter((nal) => ((nal[0] ?? 0) & 0x1f) === NalUnitType.SPS),
    pps: sets.filter((nal) => ((nal[0] ?? 0) & 0x1f) === NalUnitType.PPS),
  };
  return profileLevelId !== undefined && /^[0-9a-fA-F]{6}$/.test(profileLevelId)
    ? { ...result, profileLevelId }
    : result;
}

/**
 * `packetization-mode=1;profile-level-id=...;sprop-parameter-sets=...` for an SDP we write. The
 * profile-level-id comes from the first SPS (bytes 1..3) when there is one.
 */
export function buildH264Fmtp(input: { sps?: readonly Buffer[]; pps?: readonly Buffer[] }): string {
  const sps = input.sps ?? [];
  const pps = input.pps ?? [];
  const first = sps[0];
  const profileLevelId = first !== undefined && first.length >= 4 ? first.subarray(1, 4).toString('hex') : undefined;
  const sets = [...sps, ...pps].map((nal) => nal.toString('base64')).join(',');
  return buildFmtp([
    ['packetization-mode', 1],
    ['profile-level-id', profileLevelId],
    ['sprop-parameter-sets', sets === '' ? undefined : sets],
  ]);
}
