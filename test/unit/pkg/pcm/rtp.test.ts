import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PcmDepacketizer,
  PcmPacketizer,
  decodeAlaw,
  decodeL16,
  decodeUlaw,
  encodeAlaw,
  encodeL16,
  encodeUlaw,
} from '../../../../addon/src/pkg/pcm/index.js';
import { RtpError, parseRtp } from '../../../../addon/src/pkg/rtp/index.js';
import { depacketizeAll, fixtureUrl, packetizeAll, readFrames, readPackets, readSession } from '../rtp/capture.js';
import { FFMPEG_SKIP, ffmpeg } from '../rtp/ffmpeg.js';

describe('G.711 and L16 over RTP', () => {
  for (const name of ['gst_pcmu', 'gst_pcma']) {
    it(`${name}: one frame per packet (320 samples), the bytes the encoder made`, () => {
      const packets = readPackets(fixtureUrl('pcm', `${name}.rtp`));
      const frames = depacketizeAll(new PcmDepacketizer(), packets);
      assert.deepEqual(frames.map((f) => f.payload), readFrames(fixtureUrl('pcm', `${name}.frames`)));
      assert.deepEqual(frames.map((f) => f.timestamp - (frames[0]?.timestamp ?? 0)), frames.map((_, i) => i * 320));
      assert.deepEqual(packets.map((p) => parseRtp(p).marker), packets.map((_, i) => i === 0), 'marker starts the talkspurt');
    });
  }

  it('rtpL16pay cut 1920-byte stereo frames at 1188 bytes (297 samples); our packetizer cuts them the same way', () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_l16.rtp'));
    const encoded = readFrames(fixtureUrl('pcm', 'gst_l16.frames'));
    const ours = depacketizeAll(new PcmDepacketizer(), packets);
    assert.deepEqual(Buffer.concat(ours.map((f) => f.payload)), Buffer.concat(encoded));
    const first = parseRtp(packets[0] as Buffer);
    const packetizer = new PcmPacketizer({ payloadType: 96, ssrc: first.ssrc, initialSequence: first.sequence, maxPayloadSize: 1188, sampleSize: 4 });
    const again = packetizeAll(packetizer, encoded.map((payload, i) => ({ payload, timestamp: first.timestamp + i * 480, keyframe: true })));
    assert.deepEqual(again.map((p) => p.subarray(2)), packets.map((p) => p.subarray(2)), 'same bytes after the marker/payload type byte');
  });

  it('ffmpeg -f rtsp sends PCMU with static payload type 0', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_mjpeg_pcmu.bin'));
    const packets = channels.get(2) ?? [];
    assert.ok(packets.length > 0);
    assert.ok(packets.every((p) => parseRtp(p).payloadType === 0));
    const frames = depacketizeAll(new PcmDepacketizer(), packets);
    assert.equal(frames.reduce((n, f) => n + f.payload.length, 0), 1600, '0.2 s at 8 kHz');
  });

  it('PcmPacketizer checks its sample size', () => {
    assert.throws(() => new PcmPacketizer({ payloadType: 0, sampleSize: 0 }), (e: unknown) => e instanceof RtpError && e.code === 'RTP_BAD_OPTIONS');
  });
});

describe('G.711 tables against ffmpeg', () => {
  const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const everySample = Buffer.alloc(65536 * 2);
  for (let i = 0; i < 65536; i++) everySample.writeInt16LE(i - 32768, i * 2);
  const asInt16 = (b: Buffer) => new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

  for (const [law, decode, encode] of [
    ['mulaw', decodeUlaw, encodeUlaw],
    ['alaw', decodeAlaw, encodeAlaw],
  ] as const) {
    it(`${law}: all 256 codes decode as ffmpeg decodes them, all 65536 samples encode as ffmpeg encodes them`, { skip: FFMPEG_SKIP }, () => {
      const decoded = ffmpeg(['-f', law, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], codes);
      assert.deepEqual(decode(codes), asInt16(decoded));
      const encoded = ffmpeg(['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-c:a', `pcm_${law}`, '-f', law, 'pipe:1'], everySample);
      assert.deepEqual(encode(asInt16(everySample)), encoded);
    });
  }

  it('L16 is big-endian', () => {
    assert.deepEqual(encodeL16(Int16Array.from([1, -2])), Buffer.from('0001fffe', 'hex'));
    assert.deepEqual(decodeL16(Buffer.from('0001fffe01', 'hex')), Int16Array.from([1, -2]));
  });
});
