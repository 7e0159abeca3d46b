/** The H265 RTP case table: drives the packetize and depacketize tests and the fuzz seeds. */
export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const VPS = hex('40010c01ffff016000000300900000030000030078959809');
export const SPS = hex('420101016000000300900000030000030078a00502016965959a4932bc05a020');
export const PPS = hex('4401c172b46240');
export const IDR = Buffer.concat([hex('2601'), Buffer.alloc(2000, 0x5a)]); // IDR_W_RADL
export const TRAIL = hex('0201d0aabbcc');

export const H265_CASES: ReadonlyArray<{ name: string; nalus: Buffer[]; maxPayloadSize?: number; payloads: string[] }> =
  [
    { name: 'one small NAL unit: a single NAL unit packet', nalus: [TRAIL], payloads: [TRAIL.toString('hex')] },
    {
      name: 'VPS + SPS + PPS in one AP, the IDR in FUs',
      nalus: [VPS, SPS, PPS, IDR],
      maxPayloadSize: 900,
      payloads: [
        '6001' + '0018' + VPS.toString('hex') + '0020' + SPS.toString('hex') + '0007' + PPS.toString('hex'),
        '6201' + '93' + '5a'.repeat(897),
        '6201' + '13' + '5a'.repeat(897),
        '6201' + '53' + '5a'.repeat(2000 - 897 * 2),
      ],
    },
  ];
