import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDepacketizer, createPacketizer } from '../../../../addon/src/pkg/rtsp/index.js';
import { AacDepacketizer, LatmDepacketizer, AacPacketizer } from '../../../../addon/src/pkg/aac/index.js';
import { H264Depacketizer, H264Packetizer } from '../../../../addon/src/pkg/h264/index.js';
import { H265Depacketizer, H265Packetizer } from '../../../../addon/src/pkg/h265/index.js';
import { JpegDepacketizer, JpegPacketizer } from '../../../../addon/src/pkg/jpeg/index.js';
import { OpusDepacketizer, OpusPacketizer } from '../../../../addon/src/pkg/opus/index.js';
import { PcmDepacketizer, PcmPacketizer } from '../../../../addon/src/pkg/pcm/index.js';
import { RtpError } from '../../../../addon/src/pkg/rtp/index.js';

describe('payload format factories', () => {
  it('a depacketizer for each RTP format a source may describe', () => {
    const make = (encodingName: string, fmtp?: string) =>
      createDepacketizer({
        payloadType: 96,
        encodingName,
        clockRate: 90000,
        channels: 0,
        ...(fmtp !== undefined ? { fmtp } : {}),
      });
    assert.ok(make('H264') instanceof H264Depacketizer);
    assert.ok(make('H265') instanceof H265Depacketizer);
    assert.ok(make('MPEG4-GENERIC', 'config=1408;sizelength=13') instanceof AacDepacketizer);
    assert.ok(make('MP4A-LATM', 'cpresent=0;config=400028103fc0') instanceof LatmDepacketizer);
    assert.ok(make('OPUS') instanceof OpusDepacketizer);
    for (const name of ['PCMU', 'PCMA', 'L16', 'G722']) assert.ok(make(name) instanceof PcmDepacketizer);
    assert.ok(make('JPEG') instanceof JpegDepacketizer);
    assert.throws(
      () => make('VP8'),
      (e: unknown) => e instanceof RtpError && e.code === 'RTP_UNSUPPORTED',
    );
  });

  it('a packetizer for each core codec we can send', () => {
    const make = (name: 'H264' | 'H265' | 'AAC' | 'OPUS' | 'PCMU' | 'PCM' | 'JPEG' | 'FLAC', channels = 1) =>
      createPacketizer({ name, clockRate: 8000, channels }, { payloadType: 96, ssrc: 1 });
    assert.ok(make('H264') instanceof H264Packetizer);
    assert.ok(make('H265') instanceof H265Packetizer);
    assert.ok(make('AAC') instanceof AacPacketizer);
    assert.ok(make('OPUS') instanceof OpusPacketizer);
    assert.ok(make('JPEG') instanceof JpegPacketizer);
    const pcmu = make('PCMU');
    assert.ok(pcmu instanceof PcmPacketizer && pcmu.sampleSize === 1);
    const l16 = make('PCM', 2);
    assert.ok(l16 instanceof PcmPacketizer && l16.sampleSize === 4);
    assert.throws(
      () => make('FLAC'),
      (e: unknown) => e instanceof RtpError && e.code === 'RTP_UNSUPPORTED',
    );
  });
});
