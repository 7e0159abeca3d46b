import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AacBitWriter,
  AacDepacketizer,
  AacError,
  AacPacketizer,
  LatmDepacketizer,
  LatmPacketizer,
  buildLatmFmtp,
  buildMpeg4GenericFmtp,
  buildStreamMuxConfig,
  parseAudioSpecificConfig,
  parseMpeg4GenericFmtp,
  parseStreamMuxConfig,
} from '../../../../addon/src/pkg/aac/index.js';
import { RtpError, parseRtp, rtpPacketToBuffer, type RtpErrorCode } from '../../../../addon/src/pkg/rtp/index.js';
import { AAC_CASES } from './rtp-cases.js';
import {
  depacketizeAll,
  fixtureUrl,
  isViewOf,
  packetizeAll,
  readFrames,
  readPackets,
  readSession,
} from '../rtp/capture.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const GENERIC_FMTP =
  'profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=140856E500';
const LATM_FMTP = 'profile-level-id=40;cpresent=0;config=400028103fc0';

/** AUs of an ADTS file (7-byte headers, no CRC), as ffmpeg wrote them. */
function adtsFrames(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < data.length;) {
    const length =
      ((data.readUInt8(pos + 3) & 3) << 11) | (data.readUInt8(pos + 4) << 3) | (data.readUInt8(pos + 5) >> 5);
    out.push(data.subarray(pos + 7, pos + length));
    pos += length;
  }
  return out;
}

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 97;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  return Buffer.concat([h, payload]);
}

function throwsCode(fn: () => unknown, code: RtpErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === code);
}

describe('AAC (mpeg4-generic) packetizer and depacketizer, case table', () => {
  for (const c of AAC_CASES) {
    it(c.name, () => {
      const packets = new AacPacketizer({
        payloadType: 97,
        ssrc: 1,
        initialSequence: 1,
        maxPayloadSize: c.maxPayloadSize ?? 1200,
      }).packetize({
        payload: c.au,
        timestamp: 48000,
        keyframe: true,
      });
      assert.deepEqual(
        packets.map((p) => Buffer.concat(p.payload).toString('hex')),
        c.payloads,
      );
      assert.deepEqual(
        packets.map((p) => p.marker),
        c.payloads.map((_, i) => i === c.payloads.length - 1),
      );
      const frames = depacketizeAll(
        new AacDepacketizer({ fmtp: buildMpeg4GenericFmtp(hex('1190')) }),
        packets.map(rtpPacketToBuffer),
      );
      assert.deepEqual(frames, [{ payload: c.au, timestamp: 48000, keyframe: true }]);
    });
  }
});

describe('AAC depacketizers on real streams', () => {
  it('rtpmp4gpay: one AU per packet, the AUs avenc_aac produced, 1024 ticks apart, views into the packets', () => {
    const packets = readPackets(fixtureUrl('aac', 'gst_aac_mp4g.rtp'));
    const encoded = readFrames(fixtureUrl('aac', 'gst_aac_mp4g.frames'));
    const d = new AacDepacketizer({
      fmtp: 'streamtype=5;profile-level-id=2;mode=AAC-hbr;config=140856e500;sizelength=13;indexlength=3;indexdeltalength=3',
      clockRate: 16000,
    });
    const frames = packets.flatMap((p) => {
      const out = d.push(parseRtp(p));
      for (const f of out) assert.ok(isViewOf(f.payload, p));
      return out;
    });
    assert.deepEqual(
      frames.map((f) => f.payload),
      encoded.slice(0, frames.length),
    );
    assert.equal(frames.length, packets.length);
    assert.deepEqual(
      frames.map((f) => f.timestamp - (frames[0]?.timestamp ?? 0)),
      frames.map((_, i) => i * 1024),
    );
  });

  it('ffmpeg -f rtsp: several AUs per packet, each with its own derived timestamp', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin'));
    const packets = channels.get(2) ?? [];
    const reference = adtsFrames(readFileSync(fixtureUrl('aac', 'ffmpeg_ref.adts')));
    const frames = depacketizeAll(new AacDepacketizer({ fmtp: GENERIC_FMTP, clockRate: 16000 }), packets);
    assert.equal(packets.length, 2, 'ffmpeg aggregated the AUs into 2 packets');
    assert.deepEqual(
      frames.map((f) => f.payload),
      reference.slice(0, frames.length),
    );
    assert.ok(frames.length >= 9, `${frames.length} AUs`);
    const first = parseRtp(packets[0] as Buffer).timestamp;
    assert.deepEqual(
      frames.map((f) => (f.timestamp - first) >>> 0),
      frames.map((_, i) => i * 1024),
    );
  });

  it('rtpmp4apay (MP4A-LATM, its byte-padded StreamMuxConfig): the same AUs', () => {
    const packets = readPackets(fixtureUrl('aac', 'gst_aac_latm.rtp'));
    const encoded = readFrames(fixtureUrl('aac', 'gst_aac_latm.frames'));
    const d = new LatmDepacketizer({ fmtp: 'cpresent=0;config=40002810adca00', clockRate: 16000 });
    const frames = depacketizeAll(d, packets);
    assert.deepEqual(
      frames.map((f) => f.payload),
      encoded.slice(0, packets.length),
    );
    assert.deepEqual(d.streamMuxConfig.asc, hex('140856e500'));
  });

  it('ffmpeg -rtpflags latm: the AUs of the file it streamed', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_latm.bin'));
    const reference = adtsFrames(readFileSync(fixtureUrl('aac', 'ffmpeg_ref.adts')));
    const frames = depacketizeAll(new LatmDepacketizer({ fmtp: LATM_FMTP, clockRate: 16000 }), channels.get(2) ?? []);
    assert.equal(frames.length, 11);
    assert.deepEqual(
      frames.map((f) => f.payload),
      reference.slice(0, 11),
    );
  });
});

describe('AAC depacketizer details', () => {
  it('joins a fragmented AU, drops it when a fragment is lost', () => {
    const au = Buffer.alloc(50, 9);
    const packets = packetizeAll(new AacPacketizer({ payloadType: 97, maxPayloadSize: 24, initialSequence: 10 }), [
      { payload: au, timestamp: 0, keyframe: true },
    ]);
    const d = new AacDepacketizer({ fmtp: GENERIC_FMTP });
    assert.deepEqual(depacketizeAll(d, [packets[0] as Buffer, packets[2] as Buffer]), []);
    assert.equal(d.stats.framesDropped, 1);
    assert.equal(d.stats.packetsLost, 1);
  });

  it('AAC-lbr layout (6-bit sizes) and AU index deltas', () => {
    // Two AUs: sizes 2 and 3, index delta 0 (consecutive): 8 bits per header, 16 bits of headers.
    const payload = hex('0010' + '08' + '0c' + 'aaaa' + 'bbbbbb');
    const d = new AacDepacketizer({ fmtp: 'mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2;config=1190' });
    assert.deepEqual(d.push(parseRtp(rtp(1, 100, true, payload))), [
      { payload: hex('aaaa'), timestamp: 100, keyframe: true },
      { payload: hex('bbbbbb'), timestamp: 1124, keyframe: true },
    ]);
  });

  it('AU headers with CTS and DTS deltas, RAP and stream state, then an auxiliary section', () => {
    const w = new AacBitWriter();
    // AU 1: size 2, index 0, no CTS, DTS delta 2, RAP, state 1. AU 2: size 3, index delta 1, CTS delta 5.
    for (const [bits, value] of [
      [13, 2],
      [3, 0],
      [1, 0],
      [1, 1],
      [4, 2],
      [1, 1],
      [2, 1],
    ] as const)
      w.u(bits, value);
    for (const [bits, value] of [
      [13, 3],
      [3, 1],
      [1, 1],
      [4, 5],
      [1, 0],
      [1, 0],
      [2, 1],
    ] as const)
      w.u(bits, value);
    const headers = w.toBuffer();
    const payload = Buffer.concat([hex('0032'), headers, hex('08aa'), hex('1111'), hex('222222')]);
    const d = new AacDepacketizer({
      fmtp: 'sizelength=13;indexlength=3;indexdeltalength=3;ctsdeltalength=4;dtsdeltalength=4;randomaccessindication=1;streamstateindication=2;auxiliarydatasizelength=8;config=1408',
    });
    assert.deepEqual(d.push(parseRtp(rtp(1, 1000, true, payload))), [
      { payload: hex('1111'), timestamp: 1000, keyframe: true },
      { payload: hex('222222'), timestamp: 1000 + 2 * 1024, keyframe: true },
    ]);
  });

  it('scales AU durations to the RTP clock when it differs from the sample rate', () => {
    const d = new AacDepacketizer({
      fmtp: 'sizelength=13;indexlength=3;indexdeltalength=3;config=1190',
      clockRate: 90000,
    });
    const payload = hex('0020' + '0008' + '0008' + 'aa' + 'bb');
    assert.deepEqual(
      d.push(parseRtp(rtp(1, 0, true, payload))).map((f) => f.timestamp),
      [0, 1920],
    );
  });

  it('rejects AU headers or sizes past the packet', () => {
    const d = new AacDepacketizer({ fmtp: GENERIC_FMTP });
    throwsCode(() => d.push(parseRtp(rtp(1, 0, true, hex('0040' + '0010')))), 'RTP_BAD_PAYLOAD');
    throwsCode(() => d.push(parseRtp(rtp(2, 0, true, hex('0020' + '0010' + '0010' + 'aa')))), 'RTP_BAD_PAYLOAD');
    throwsCode(() => d.push(parseRtp(rtp(3, 0, true, hex('00')))), 'RTP_BAD_PAYLOAD');
  });

  it('LATM: an AudioMuxElement split over packets, lengths of 255 and more', () => {
    const au = Buffer.alloc(600, 3);
    const packetizer = new LatmPacketizer({ payloadType: 97, maxPayloadSize: 256, initialSequence: 0 });
    const packets = packetizer.packetize({ payload: au, timestamp: 5, keyframe: true });
    assert.deepEqual(
      packets.map((p) => p.payloadSize),
      [256, 256, 91],
    );
    assert.deepEqual(packets[0]?.payload[0], hex('ffff5a'));
    const d = new LatmDepacketizer({ fmtp: buildLatmFmtp(buildStreamMuxConfig(hex('1408'))) });
    assert.deepEqual(depacketizeAll(d, packets.map(rtpPacketToBuffer)), [
      { payload: au, timestamp: 5, keyframe: true },
    ]);
  });

  it('LATM: refuses in-band configs and unreadable ones with typed codes', () => {
    assert.throws(
      () => new LatmDepacketizer({ fmtp: 'cpresent=1' }),
      (e: unknown) => e instanceof AacError && e.code === 'AAC_UNSUPPORTED',
    );
    assert.throws(
      () => new LatmDepacketizer({ fmtp: 'cpresent=0' }),
      (e: unknown) => e instanceof AacError && e.code === 'AAC_BAD_CONFIG',
    );
    assert.throws(
      () => new LatmDepacketizer({ fmtp: 'cpresent=0;config=4' }),
      (e: unknown) => e instanceof AacError && e.code === 'AAC_BAD_CONFIG',
    );
    const d = new LatmDepacketizer({ fmtp: LATM_FMTP });
    throwsCode(() => d.push(parseRtp(rtp(1, 0, true, hex('05aabb')))), 'RTP_BAD_PAYLOAD');
  });
});

describe('AAC configs', () => {
  it('AudioSpecificConfig: frame length, explicit and backward-compatible SBR', () => {
    assert.deepEqual(parseAudioSpecificConfig(hex('1408')), {
      objectType: 2,
      sampleRate: 16000,
      channels: 1,
      frameLength: 1024,
    });
    assert.deepEqual(parseAudioSpecificConfig(hex('140c')), {
      objectType: 2,
      sampleRate: 16000,
      channels: 1,
      frameLength: 960,
    });
    // HE-AAC v1, explicit: AOT 5, core 24 kHz stereo, output 48 kHz, then AAC-LC.
    assert.deepEqual(parseAudioSpecificConfig(hex('2b118800')), {
      objectType: 2,
      sampleRate: 48000,
      channels: 2,
      frameLength: 2048,
    });
    assert.throws(
      () => parseAudioSpecificConfig(hex('16')),
      (e: unknown) => e instanceof AacError && e.code === 'AAC_TRUNCATED',
    );
    assert.throws(
      () => parseAudioSpecificConfig(hex('16c0')),
      (e: unknown) => e instanceof AacError && e.code === 'AAC_BAD_CONFIG',
    );
  });

  it('StreamMuxConfig: ours equals the one ffmpeg writes for the same AudioSpecificConfig', () => {
    assert.equal(buildStreamMuxConfig(hex('1408')).toString('hex'), '400028103fc0');
    assert.deepEqual(parseStreamMuxConfig(hex('400028103fc0')).asc, hex('1408'));
    assert.equal(
      buildMpeg4GenericFmtp(hex('1408')),
      'streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408',
    );
    const f = parseMpeg4GenericFmtp(
      'streamtype=5; profile-level-id=15; mode=AAC-hbr; sizeLength=13; indexLength=3; indexDeltalength=3; config=1588; CTSDeltaLength=0;',
    );
    assert.deepEqual(
      [f.sizeLength, f.indexLength, f.indexDeltaLength, f.ctsDeltaLength, f.config.toString('hex')],
      [13, 3, 3, 0, '1588'],
    );
  });
});
