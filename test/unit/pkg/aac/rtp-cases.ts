/** The AAC (mpeg4-generic) RTP case table: drives the packetize and depacketize tests and the fuzz seeds. */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const AAC_CASES: ReadonlyArray<{ name: string; au: Buffer; maxPayloadSize?: number; payloads: string[] }> = [
  {
    name: 'one AU, one packet: AU-headers-length 16, size << 3',
    au: hex('21aabbcc'),
    payloads: ['0010' + '0020' + '21aabbcc'],
  },
  {
    name: 'an AU larger than maxPayloadSize: fragments repeating the AU header',
    au: Buffer.alloc(50, 7),
    maxPayloadSize: 24,
    payloads: ['0010' + '0190' + '07'.repeat(20), '0010' + '0190' + '07'.repeat(20), '0010' + '0190' + '07'.repeat(10)],
  },
];
