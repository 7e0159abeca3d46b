import { buildFmtp, fmtpBase64List, fmtpInt, parseFmtp } from '../rtp/fmtp.js';

/** What an H.265 payload format's fmtp says (RFC 7798 7.1). */
export interface H265Fmtp {
  readonly vps: readonly Buffer[];
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
  /** sprop-max-don-diff; above 0 the payloads carry DONL/DOND fields. Defaults to 0. */
  readonly maxDonDiff: number;
}

export function parseH265Fmtp(fmtp: string | undefined): H265Fmtp {
  const params = parseFmtp(fmtp);
  return {
    vps: fmtpBase64List(params.get('sprop-vps')),
    sps: fmtpBase64List(params.get('sprop-sps')),
    pps: fmtpBase64List(params.get('sprop-pps')),
    maxDonDiff: fmtpInt(params, 'sprop-max-don-diff') ?? 0,
  };
}

/** `sprop-vps=...;sprop-sps=...;sprop-pps=...` for an SDP we write (absent sets are left out). */
export function buildH265Fmtp(input: {
  vps?: readonly Buffer[];
  sps?: readonly Buffer[];
  pps?: readonly Buffer[];
}): string {
  const list = (sets: readonly Buffer[] | undefined) =>
    sets === undefined || sets.length === 0 ? undefined : sets.map((nal) => nal.toString('base64')).join(',');
  return buildFmtp([
    ['sprop-vps', list(input.vps)],
    ['sprop-sps', list(input.sps)],
    ['sprop-pps', list(input.pps)],
  ]);
}
