import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adtsConfig,
  adtsFrame,
  crc32Mpeg2,
  h264AccessUnit,
  h265AccessUnit,
  hvccParameterSets,
  MpegTsError,
  readTs,
  TS_PACKET_SIZE,
  TsMuxer,
} from '../../../../addon/src/pkg/mpegts/index.js';

/**
 * PAT and PMT sections as ffmpeg 5.1 writes them for one program with H264 (PID 0x100) and AAC (0x101)
 * (`ffmpeg -f lavfi -i testsrc2 -f lavfi -i sine -c:v libx264 -c:a aac -f mpegts`): pointer field through CRC.
 */
const FFMPEG_PAT = '0000b00d0001c100000001f0002ab104b2';
const FFMPEG_PMT = '0002b0170001c10000e100f0001be100f0000fe101f0002f44b99b';

function avcc(...nals: Buffer[]): Buffer {
  return Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]));
}

describe('mpegts crc32', () => {
  it('is CRC-32/MPEG-2 (check value of "123456789")', () => {
    assert.equal(crc32Mpeg2(Buffer.from('123456789')), 0x0376e6e7);
  });
});

describe('TsMuxer', () => {
  it('writes the PAT and PMT byte for byte as ffmpeg does, each in one stuffed packet', () => {
    const header = new TsMuxer(['H264', 'AAC']).header();
    assert.equal(header.length, 2 * TS_PACKET_SIZE);
    assert.equal(header.subarray(0, 4).toString('hex'), '47400010');
    assert.equal(header.subarray(4, 4 + FFMPEG_PAT.length / 2).toString('hex'), FFMPEG_PAT);
    assert.ok(header.subarray(4 + FFMPEG_PAT.length / 2, TS_PACKET_SIZE).every((b) => b === 0xff));
    assert.equal(header.subarray(188, 192).toString('hex'), '47500010');
    assert.equal(header.subarray(192, 192 + FFMPEG_PMT.length / 2).toString('hex'), FFMPEG_PMT);
    // The continuity counters advance with every header.
    const muxer = new TsMuxer(['H264']);
    muxer.header();
    assert.equal(muxer.header()[3], 0x11);
  });

  it('a small frame: one packet with PCR, random access, stuffing, and the PES header with PTS', () => {
    const muxer = new TsMuxer(['H264', 'AAC']);
    const packet = muxer.write(0, { data: Buffer.from([0xaa, 0xbb]), pts: 90000, keyframe: true });
    assert.equal(packet.length, 188);
    // PUSI, PID 0x100, adaptation field + payload, CC 0.
    assert.equal(packet.subarray(0, 4).toString('hex'), '47410030');
    // Adaptation field: length, flags (random access | PCR), PCR base 90000 (1 s) with reserved bits.
    const fieldLength = packet[4] ?? 0;
    assert.equal(packet[5], 0x50);
    assert.equal(packet.subarray(6, 12).toString('hex'), '0000afc87e00');
    assert.ok(packet.subarray(12, 5 + fieldLength).every((b) => b === 0xff));
    // PES: start code, stream 0xE0, length 3 + 5 + 2, '10' + alignment, PTS only, PTS = 90000 + 63000 delay.
    const pes = packet.subarray(5 + fieldLength);
    assert.equal(pes.toString('hex'), '000001e0000a848005210009ab51aabb');
  });

  it('audio carries no PCR; a frame across packets keeps the continuity counter running', () => {
    const muxer = new TsMuxer(['H264', 'AAC']);
    const data = Buffer.alloc(500, 7);
    const out = muxer.write(1, { data, pts: 0 });
    assert.equal(out.length, 3 * 188);
    assert.equal(out.subarray(0, 4).toString('hex'), '47410110');
    assert.equal(out.subarray(188, 192).toString('hex'), '47010111');
    assert.equal(out[188 * 2 + 3], 0x32); // last packet: adaptation field (stuffing) + payload, CC 2
  });

  it('round-trips through readTs: every frame, PTS, stream and counter', () => {
    const muxer = new TsMuxer(['H264', 'AAC']);
    const parts = [muxer.header()];
    const sizes = [0, 1, 163, 164, 165, 170, 183, 184, 185, 2000, 70000];
    sizes.forEach((size, i) => {
      parts.push(muxer.write(i % 2, { data: Buffer.alloc(size, i + 1), pts: i * 3000, keyframe: i === 0 }));
    });
    const read = readTs(Buffer.concat(parts));
    assert.equal(read.pmtPid, 0x1000);
    assert.equal(read.pcrPid, 0x100);
    assert.deepEqual(read.streams, [
      { pid: 0x100, streamType: 0x1b },
      { pid: 0x101, streamType: 0x0f },
    ]);
    assert.equal(read.continuityErrors, 0);
    assert.deepEqual(
      read.pes.map((p) => [p.pid, p.data.length, p.pts]),
      sizes.map((size, i) => [i % 2 === 0 ? 0x100 : 0x101, size, i * 3000 + 63000]),
    );
    assert.ok(read.pes.every((p, i) => p.data.every((b) => b === i + 1)));
    // PCR on each video PES start: the frame time without the delay.
    assert.deepEqual(
      read.pcrs,
      sizes.map((_, i) => i * 3000).filter((_, i) => i % 2 === 0),
    );
  });

  it('wraps timestamps at 2^33 and refuses bad input with a code', () => {
    const muxer = new TsMuxer(['AAC']);
    const read = readTs(
      Buffer.concat([muxer.header(), muxer.write(0, { data: Buffer.from([1]), pts: 2 ** 33 - 63000 + 5 })]),
    );
    assert.equal(read.pes[0]?.pts, 5);
    assert.throws(
      () => muxer.write(3, { data: Buffer.alloc(1), pts: 0 }),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_INPUT',
    );
    assert.throws(
      () => muxer.write(0, { data: Buffer.alloc(1), pts: -1 }),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_INPUT',
    );
    assert.throws(
      () => new TsMuxer([]),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_INPUT',
    );
  });
});

describe('access units', () => {
  const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1e]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.from([0x65, 0x88, 0x84]);
  const slice = Buffer.from([0x41, 0x9a, 0x02]);
  const aud = Buffer.from([0x09, 0x10]);

  it('H264: AUD first, SPS/PPS before a key frame without them, the frame own AUD dropped', () => {
    assert.equal(
      h264AccessUnit(avcc(aud, idr), true, [sps], [pps]).toString('hex'),
      '0000000109f0' + '000000016742c01e' + '0000000168ce3c80' + '00000001658884',
    );
    assert.equal(h264AccessUnit(avcc(slice), false, [sps], [pps]).toString('hex'), '0000000109f0' + '00000001419a02');
    // In-band parameter sets are not repeated.
    assert.equal(
      h264AccessUnit(avcc(sps, pps, idr), true, [sps], [pps]).toString('hex'),
      '0000000109f0' + '000000016742c01e' + '0000000168ce3c80' + '00000001658884',
    );
  });

  it('H265: AUD_NUT first, parameter sets from the hvcC before a key frame that lacks them', () => {
    const vps = Buffer.from([0x40, 0x01, 0x0c]);
    const hsps = Buffer.from([0x42, 0x01, 0x01]);
    const hpps = Buffer.from([0x44, 0x01, 0xc1]);
    const hvcc = Buffer.concat([
      Buffer.alloc(22),
      Buffer.from([3]),
      ...[vps, hsps, hpps].map((n) => Buffer.concat([Buffer.from([0x20 | ((n[0] ?? 0) >> 1), 0, 1, 0, n.length]), n])),
    ]);
    const sets = hvccParameterSets(hvcc);
    assert.deepEqual(sets, [vps, hsps, hpps]);
    const irap = Buffer.from([0x26, 0x01, 0xaf]);
    assert.equal(
      h265AccessUnit(avcc(irap), true, sets).toString('hex'),
      '00000001460150' + '0000000140010c' + '00000001420101' + '000000014401c1' + '000000012601af',
    );
    assert.throws(
      () => hvccParameterSets(hvcc.subarray(0, 30)),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_CODEC',
    );
  });

  it('ADTS: the 7-byte header from the AudioSpecificConfig, HE-AAC as its LC core', () => {
    // AAC LC, 44100 Hz, stereo: ASC 12 10.
    const lc = adtsConfig(Buffer.from([0x12, 0x10]));
    assert.deepEqual(lc, { profile: 1, frequencyIndex: 4, channels: 2 });
    assert.equal(adtsFrame(lc, Buffer.alloc(100)).subarray(0, 7).toString('hex'), 'fff150800d7ffc');
    // AAC LC, 16000 Hz, mono: ASC 14 08.
    assert.equal(adtsFrame(adtsConfig(Buffer.from([0x14, 0x08])), Buffer.alloc(1)).toString('hex'), 'fff16040011ffc00');
    // HE-AAC (SBR, object type 5), core 24000 Hz stereo: written as LC at 24000.
    assert.deepEqual(adtsConfig(Buffer.from([0x2b, 0x11, 0x88, 0x00])), { profile: 1, frequencyIndex: 6, channels: 2 });
    assert.throws(
      () => adtsConfig(Buffer.from([0xf8, 0x00])),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_CODEC',
    );
    assert.throws(
      () => adtsFrame(lc, Buffer.alloc(9000)),
      (e: unknown) => e instanceof MpegTsError && e.code === 'MPEGTS_INPUT',
    );
  });
});
