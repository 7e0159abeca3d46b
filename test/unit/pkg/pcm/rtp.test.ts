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

describe('G.711 and L16 over RTP', () => {
  for (const name of ['gst_pcmu', 'gst_pcma']) {
    it(`${name}: one frame per packet (320 samples), the bytes the encoder made`, () => {
      const packets = readPackets(fixtureUrl('pcm', `${name}.rtp`));
      const frames = depacketizeAll(new PcmDepacketizer(), packets);
      assert.deepEqual(
        frames.map((f) => f.payload),
        readFrames(fixtureUrl('pcm', `${name}.frames`)),
      );
      assert.deepEqual(
        frames.map((f) => f.timestamp - (frames[0]?.timestamp ?? 0)),
        frames.map((_, i) => i * 320),
      );
      assert.deepEqual(
        packets.map((p) => parseRtp(p).marker),
        packets.map((_, i) => i === 0),
        'marker starts the talkspurt',
      );
    });
  }

  it('rtpL16pay cut 1920-byte stereo frames at 1188 bytes (297 samples); our packetizer cuts them the same way', () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_l16.rtp'));
    const encoded = readFrames(fixtureUrl('pcm', 'gst_l16.frames'));
    const ours = depacketizeAll(new PcmDepacketizer(), packets);
    assert.deepEqual(Buffer.concat(ours.map((f) => f.payload)), Buffer.concat(encoded));
    const first = parseRtp(packets[0] as Buffer);
    const packetizer = new PcmPacketizer({
      payloadType: 96,
      ssrc: first.ssrc,
      initialSequence: first.sequence,
      maxPayloadSize: 1188,
      sampleSize: 4,
    });
    const again = packetizeAll(
      packetizer,
      encoded.map((payload, i) => ({ payload, timestamp: first.timestamp + i * 480, keyframe: true })),
    );
    assert.deepEqual(
      again.map((p) => p.subarray(2)),
      packets.map((p) => p.subarray(2)),
      'same bytes after the marker/payload type byte',
    );
  });

  it('ffmpeg -f rtsp sends PCMU with static payload type 0', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_mjpeg_pcmu.bin'));
    const packets = channels.get(2) ?? [];
    assert.ok(packets.length > 0);
    assert.ok(packets.every((p) => parseRtp(p).payloadType === 0));
    const frames = depacketizeAll(new PcmDepacketizer(), packets);
    assert.equal(
      frames.reduce((n, f) => n + f.payload.length, 0),
      1600,
      '0.2 s at 8 kHz',
    );
  });

  it('PcmPacketizer checks its sample size', () => {
    assert.throws(
      () => new PcmPacketizer({ payloadType: 0, sampleSize: 0 }),
      (e: unknown) => e instanceof RtpError && e.code === 'RTP_BAD_OPTIONS',
    );
  });
});

describe('G.711 and L16 sample conversions', () => {
  // ffmpeg's own tables are compared code by code in test/e2e/pkg/pcm/g711-ffmpeg.test.ts.
  it('G.711: the values of ITU-T G.711 tables 1a/2a, and every code encodes back to itself', () => {
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const ulaw = decodeUlaw(codes);
    const alaw = decodeAlaw(codes);
    assert.deepEqual([ulaw[0xff], ulaw[0x80], ulaw[0x00]], [0, 32124, -32124]);
    assert.deepEqual([alaw[0xd5], alaw[0x55], alaw[0xaa], alaw[0x2a]], [8, -8, 32256, -32256]);
    const again = encodeUlaw(ulaw);
    // µ-law has two zeros (0xff, 0x7f); the encoder writes the positive one.
    for (let code = 0; code < 256; code++) assert.equal(again[code], code === 0x7f ? 0xff : code, `µ-law ${code}`);
    assert.deepEqual(encodeAlaw(alaw), codes);
  });

  it('L16 is big-endian', () => {
    assert.deepEqual(encodeL16(Int16Array.from([1, -2])), Buffer.from('0001fffe', 'hex'));
    assert.deepEqual(decodeL16(Buffer.from('0001fffe01', 'hex')), Int16Array.from([1, -2]));
  });
});
