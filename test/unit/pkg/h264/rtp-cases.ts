/** The H264 RTP case table: drives the packetize and depacketize tests and the fuzz seeds. */
export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const SPS = hex('6742c00cda0c11b016a0c0c0d4a00000030020000006');
export const PPS = hex('68ce3c80');
export const IDR = Buffer.concat([hex('6588'), Buffer.alloc(2500, 0xab)]);
export const P = hex('41e0aabbcc');

export const H264_CASES: ReadonlyArray<{
  name: string;
  nalus: Buffer[];
  maxPayloadSize?: number;
  aggregate?: boolean;
  payloads: string[];
}> = [
  { name: 'one small NAL unit: a single NAL unit packet', nalus: [P], payloads: ['41e0aabbcc'] },
  {
    name: 'SPS + PPS + small slice: one STAP-A',
    nalus: [SPS, PPS, P],
    payloads: ['78' + '0016' + SPS.toString('hex') + '0004' + PPS.toString('hex') + '0005' + P.toString('hex')],
  },
  {
    name: 'aggregation off: three single NAL unit packets',
    nalus: [SPS, PPS, P],
    aggregate: false,
    payloads: [SPS.toString('hex'), PPS.toString('hex'), P.toString('hex')],
  },
  {
    name: 'SPS + PPS aggregated, a large IDR in FU-A fragments of maxPayloadSize',
    nalus: [SPS, PPS, IDR],
    maxPayloadSize: 1000,
    payloads: [
      '78' + '0016' + SPS.toString('hex') + '0004' + PPS.toString('hex'),
      '7c85' + '88' + 'ab'.repeat(997),
      '7c05' + 'ab'.repeat(998),
      '7c45' + 'ab'.repeat(2500 - 997 - 998),
    ],
  },
  {
    name: 'a NAL unit of exactly maxPayloadSize is not fragmented',
    nalus: [Buffer.concat([hex('41'), Buffer.alloc(99, 1)])],
    maxPayloadSize: 100,
    payloads: ['41' + '01'.repeat(99)],
  },
];
