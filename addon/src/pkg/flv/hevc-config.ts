import { FlvError } from './errors.js';

/** What a player needs from an HEVCDecoderConfigurationRecord (hvcC, ISO/IEC 14496-15 8.3.3). */
export interface HevcRecord {
  readonly nalLengthSize: number;
  readonly vps: Buffer[];
  readonly sps: Buffer[];
  readonly pps: Buffer[];
}

const HVCC_FIXED = 23;
const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;

/** Reads the parameter-set arrays of an hvcC body; other NAL arrays (SEI) are skipped. */
export function parseHevcRecord(hvcC: Buffer): HevcRecord {
  if (hvcC.length < HVCC_FIXED)
    throw new FlvError('FLV_TRUNCATED', `hvcC of ${hvcC.length} bytes, the fixed part is ${HVCC_FIXED}`);
  if (hvcC[0] !== 1) throw new FlvError('FLV_BAD_TAG', `hvcC configurationVersion ${hvcC[0] ?? 0}, expected 1`);
  const nalLengthSize = ((hvcC[21] ?? 0) & 0x03) + 1;
  const arrays = hvcC[22] ?? 0;
  const out: HevcRecord = { nalLengthSize, vps: [], sps: [], pps: [] };
  let pos = HVCC_FIXED;
  for (let a = 0; a < arrays; a++) {
    if (pos + 3 > hvcC.length) throw new FlvError('FLV_TRUNCATED', `hvcC array ${a} header past the end`);
    const type = (hvcC[pos] ?? 0) & 0x3f;
    const count = hvcC.readUInt16BE(pos + 1);
    pos += 3;
    for (let i = 0; i < count; i++) {
      if (pos + 2 > hvcC.length) throw new FlvError('FLV_TRUNCATED', `hvcC NAL length past the end`);
      const size = hvcC.readUInt16BE(pos);
      pos += 2;
      if (size === 0 || pos + size > hvcC.length)
        throw new FlvError('FLV_TRUNCATED', `hvcC NAL of ${size} bytes at ${pos}`);
      const nal = hvcC.subarray(pos, pos + size);
      pos += size;
      if (type === NAL_VPS) out.vps.push(nal);
      else if (type === NAL_SPS) out.sps.push(nal);
      else if (type === NAL_PPS) out.pps.push(nal);
    }
  }
  if (out.sps.length === 0) throw new FlvError('FLV_BAD_TAG', 'hvcC has no SPS');
  return out;
}
