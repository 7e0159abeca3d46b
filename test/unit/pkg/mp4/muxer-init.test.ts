import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  Mp4Error,
  buildInitSegment,
  contentType,
  type MuxerAudioTrack,
  type MuxerTrack,
  type MuxerVideoTrack,
} from '../../../../addon/src/pkg/mp4/index.js';
import { children, entryChildren, find, one } from './muxer-walk.js';

const AVCC = readFileSync(new URL('../h264/fixtures/demo_avcC.bin', import.meta.url));

const H264: MuxerVideoTrack = {
  kind: 'video',
  codec: 'H264',
  timescale: 90000,
  width: 640,
  height: 360,
  config: AVCC,
  mimeCodec: 'avc1.4d401e',
};
const AAC: MuxerAudioTrack = {
  kind: 'audio',
  codec: 'AAC',
  timescale: 16000,
  sampleRate: 16000,
  channels: 1,
  config: Buffer.from([0x14, 0x08]),
};
const OPUS: MuxerAudioTrack = { kind: 'audio', codec: 'OPUS', timescale: 48000, sampleRate: 48000, channels: 2 };
const STREAMINFO = Buffer.from(
  '80008000000000000000' + '01f40000000000000000000000000000000000000000000000',
  'hex',
).subarray(0, 34);
const FLAC: MuxerAudioTrack = {
  kind: 'audio',
  codec: 'FLAC',
  timescale: 8000,
  sampleRate: 8000,
  channels: 1,
  config: STREAMINFO,
};

function fixed(box: Buffer, offset: number): number {
  return box.readInt32BE(offset) / 65536;
}

describe('buildInitSegment', () => {
  it('writes ftyp (iso5/iso6/mp41) then moov with one trak and one trex per track', () => {
    const init = buildInitSegment([H264, AAC]);
    assert.deepEqual(
      children(init).map((b) => b.type),
      ['ftyp', 'moov'],
    );
    const ftyp = one(init, 'ftyp').body;
    assert.equal(ftyp.toString('latin1', 0, 4), 'iso5');
    assert.equal(ftyp.readUInt32BE(4), 512);
    assert.equal(ftyp.toString('latin1', 8), 'iso5iso6mp41');
    assert.deepEqual(
      find(init, 'moov/trak/tkhd').map((b) => b.body.readUInt32BE(12)),
      [1, 2],
      'track IDs',
    );
    assert.deepEqual(
      find(init, 'moov/mvex/trex').map((b) => [b.body.readUInt32BE(4), b.body.readUInt32BE(8)]),
      [
        [1, 1],
        [2, 1],
      ],
    );
    const mvhd = one(init, 'moov/mvhd').body;
    assert.equal(mvhd.readUInt32BE(12), 1000, 'movie timescale');
    assert.equal(mvhd.readUInt32BE(96), 3, 'next_track_ID');
  });

  it('gives each track its timescale, handler and empty sample tables', () => {
    const init = buildInitSegment([H264, AAC]);
    assert.deepEqual(
      find(init, 'moov/trak/mdia/mdhd').map((b) => b.body.readUInt32BE(12)),
      [90000, 16000],
    );
    assert.deepEqual(
      find(init, 'moov/trak/mdia/hdlr').map((b) => b.body.toString('latin1', 8, 12)),
      ['vide', 'soun'],
    );
    for (const table of ['stts', 'stsc', 'stco']) {
      assert.ok(
        find(init, `moov/trak/mdia/minf/stbl/${table}`).every((b) => b.body.readUInt32BE(4) === 0),
        table,
      );
    }
    assert.equal(find(init, 'moov/trak/mdia/minf/vmhd').length, 1);
    assert.equal(find(init, 'moov/trak/mdia/minf/smhd').length, 1);
  });

  it('writes avc1 with the avcC as given and a 1:1 pasp', () => {
    const init = buildInitSegment([H264]);
    const avc1 = one(init, 'moov/trak/mdia/minf/stbl/stsd/avc1');
    assert.deepEqual([avc1.body.readUInt16BE(24), avc1.body.readUInt16BE(26)], [640, 360]);
    const [avcC, pasp] = entryChildren(init, avc1, 78);
    assert.equal(avcC?.type, 'avcC');
    assert.deepEqual(avcC?.body, AVCC);
    assert.equal(pasp?.type, 'pasp');
    assert.deepEqual([pasp?.body.readUInt32BE(0), pasp?.body.readUInt32BE(4)], [1, 1]);
    const tkhd = one(init, 'moov/trak/tkhd').body;
    assert.deepEqual([fixed(tkhd, 76), fixed(tkhd, 80)], [640, 360]);
  });

  it('writes mp4a with an esds carrying the AudioSpecificConfig', () => {
    const init = buildInitSegment([AAC]);
    const mp4a = one(init, 'moov/trak/mdia/minf/stbl/stsd/mp4a');
    assert.equal(mp4a.body.readUInt16BE(16), 1, 'channelcount');
    assert.equal(mp4a.body.readUInt32BE(24), 16000 * 65536, 'samplerate 16.16');
    const [esds] = entryChildren(init, mp4a, 28);
    assert.equal(esds?.type, 'esds');
    // FullBox, ES_Descriptor (tag 3, len), ES_ID, flags, DecoderConfig (tag 4, len, 0x40 audio, 0x15), ...
    const body = esds?.body ?? Buffer.alloc(0);
    assert.deepEqual([...body.subarray(0, 9)], [0, 0, 0, 0, 0x03, 25, 0, 0, 0]);
    assert.deepEqual([...body.subarray(9, 13)], [0x04, 17, 0x40, 0x15]);
    assert.deepEqual([...body.subarray(24, 28)], [0x05, 2, 0x14, 0x08]);
    assert.deepEqual([...body.subarray(28)], [0x06, 1, 0x02]);
  });

  it('writes Opus with a dOps box and fLaC with a dfLa box', () => {
    const opus = buildInitSegment([OPUS]);
    const entry = one(opus, 'moov/trak/mdia/minf/stbl/stsd/Opus');
    const [dOps] = entryChildren(opus, entry, 28);
    assert.equal(dOps?.type, 'dOps');
    assert.deepEqual(dOps?.body, Buffer.from([0, 2, 0, 0, 0, 0, 0xbb, 0x80, 0, 0, 0]));
    const flac = buildInitSegment([FLAC]);
    const fLaC = one(flac, 'moov/trak/mdia/minf/stbl/stsd/fLaC');
    const [dfLa] = entryChildren(flac, fLaC, 28);
    assert.equal(dfLa?.type, 'dfLa');
    assert.deepEqual(dfLa?.body, Buffer.concat([Buffer.from([0, 0, 0, 0, 0x80, 0, 0, 34]), STREAMINFO]));
  });

  it('writes hev1 for H265 (parameter sets stay in-band)', () => {
    const h265: MuxerTrack = { ...H264, codec: 'H265', config: Buffer.from([1, 2, 3]), mimeCodec: 'hvc1.1.6.L93.B0' };
    const init = buildInitSegment([h265]);
    const hev1 = one(init, 'moov/trak/mdia/minf/stbl/stsd/hev1');
    assert.equal(entryChildren(init, hev1, 78)[0]?.type, 'hvcC');
  });

  it("applies go2rtc's rotate (tkhd matrix) and scale (pasp) to the video track only", () => {
    const init = buildInitSegment([H264, AAC], { rotate: 90, scaleX: 4, scaleY: 3 });
    const [video, audio] = find(init, 'moov/trak/tkhd').map((b) => b.body);
    assert.ok(video && audio);
    // a, b, u, c, d, v, x, y, w from byte 40 of the v0 tkhd body.
    assert.deepEqual([fixed(video, 40), fixed(video, 44), fixed(video, 52), fixed(video, 56)], [0, 1, -1, 0]);
    assert.deepEqual([fixed(audio, 40), fixed(audio, 44), fixed(audio, 52), fixed(audio, 56)], [1, 0, 0, 1]);
    const pasp = find(init, 'moov/trak/mdia/minf/stbl/stsd/avc1')[0];
    assert.ok(pasp);
    const paspBox = entryChildren(init, pasp, 78)[1];
    assert.deepEqual([paspBox?.body.readUInt32BE(0), paspBox?.body.readUInt32BE(4)], [4, 3]);
  });

  it('refuses impossible input with MP4_MUX_INPUT', () => {
    const code = (fn: () => unknown) =>
      assert.throws(fn, (e: unknown) => e instanceof Mp4Error && e.code === 'MP4_MUX_INPUT');
    code(() => buildInitSegment([]));
    code(() => buildInitSegment([H264], { rotate: 45 }));
    code(() => buildInitSegment([H264], { scaleX: 0 }));
    code(() => buildInitSegment([{ ...AAC, config: undefined }]));
    code(() => buildInitSegment([{ ...FLAC, config: Buffer.alloc(10) }]));
    code(() => buildInitSegment([{ ...OPUS, channels: 6 }]));
    code(() => buildInitSegment([{ ...H264, width: 70000 }]));
    code(() => buildInitSegment([{ ...AAC, timescale: 0 }]));
  });

  it('names the codecs as go2rtc does', () => {
    assert.equal(contentType([H264, AAC]), 'video/mp4; codecs="avc1.4d401e,mp4a.40.2"');
    assert.equal(contentType([H264, OPUS]), 'video/mp4; codecs="avc1.4d401e,opus"');
    assert.equal(contentType([FLAC]), 'video/mp4; codecs="flac"');
  });

  it('matches the golden H264 + AAC init segment byte for byte', () => {
    const golden = readFileSync(new URL('./fixtures/muxer/init_h264_aac.bin', import.meta.url));
    assert.deepEqual(buildInitSegment([H264, AAC]), golden);
  });
});
