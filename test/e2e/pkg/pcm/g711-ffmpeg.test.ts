import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../../../../addon/src/pkg/pcm/index.js';
import { FFMPEG_SKIP, ffmpeg } from '../rtp/ffmpeg.js';

describe('G.711 tables against ffmpeg', { skip: FFMPEG_SKIP }, () => {
  const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const everySample = Buffer.alloc(65536 * 2);
  for (let i = 0; i < 65536; i++) everySample.writeInt16LE(i - 32768, i * 2);
  const asInt16 = (b: Buffer) => new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

  for (const [law, decode, encode] of [
    ['mulaw', decodeUlaw, encodeUlaw],
    ['alaw', decodeAlaw, encodeAlaw],
  ] as const) {
    it(`${law}: all 256 codes decode as ffmpeg decodes them, all 65536 samples encode as ffmpeg encodes them`, () => {
      const decoded = ffmpeg(['-f', law, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], codes);
      assert.deepEqual(decode(codes), asInt16(decoded));
      const encoded = ffmpeg(
        ['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-c:a', `pcm_${law}`, '-f', law, 'pipe:1'],
        everySample,
      );
      assert.deepEqual(encode(asInt16(everySample)), encoded);
    });
  }
});
