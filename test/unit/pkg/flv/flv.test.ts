import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  FlvDemuxer,
  FlvError,
  FlvMuxer,
  FlvReader,
  FlvTagType,
  buildAacConfigTag,
  buildFlvHeader,
  buildFlvTag,
  buildVideoTag,
  decodeAmf0,
  parseAudioTag,
  parseHevcRecord,
  parseVideoTag,
  joinAvcc,
  splitNals,
  type FlvTag,
} from '../../../../addon/src/pkg/flv/index.js';
import { buildHvcConfig } from '../../../../addon/src/pkg/h265/index.js';
import { splitAnnexB } from '../../../../addon/src/pkg/h264/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
/** 1 s of ffmpeg 5.1 `-f flv`: 160x120 x264 baseline at 25 fps (GOP 25), AAC LC 16 kHz mono. */
const FILE = fixture('ffmpeg_h264_aac_1s.flv');

describe('FLV container', () => {
  it('writes the header and a tag byte for byte', () => {
    assert.deepEqual(buildFlvHeader(true, true), hex('464c56 01 05 00000009 00000000'));
    assert.deepEqual(buildFlvHeader(true, false), hex('464c56 01 01 00000009 00000000'));
    const tag = buildFlvTag({ type: 9, timestamp: 0x01020304, data: hex('aabb') });
    assert.deepEqual(tag, hex('09 000002 020304 01 000000 aabb 0000000d'));
  });

  it('reads the ffmpeg file whole and one byte at a time alike', () => {
    const whole = new FlvReader();
    const tags = whole.push(FILE);
    assert.equal(whole.flags, 5);
    assert.equal(tags[0]?.type, FlvTagType.Script);
    assert.equal(tags.filter((t) => t.type === FlvTagType.Video).length, 27); // sequence header, 25 frames, end of sequence
    const bytewise = new FlvReader();
    const again: FlvTag[] = [];
    for (let i = 0; i < FILE.length; i++) again.push(...bytewise.push(FILE.subarray(i, i + 1)));
    assert.deepEqual(
      again.map((t) => [t.type, t.timestamp, t.data.length]),
      tags.map((t) => [t.type, t.timestamp, t.data.length]),
    );
    assert.throws(
      () => new FlvReader().push(Buffer.from('GET / HTTP/1.1')),
      (err: FlvError) => err.code === 'FLV_BAD_HEADER',
    );
  });

  it('demuxes the file into hub frames: AVCC with SPS/PPS on the key frame, AAC access units, codec fmtp', () => {
    const demuxer = new FlvDemuxer();
    const frames = new FlvReader().push(FILE).flatMap((t) => demuxer.push(t));
    assert.equal(demuxer.metadata?.['videocodecid'], 7);
    assert.deepEqual(demuxer.expects(), { video: true, audio: true });
    assert.equal(demuxer.video?.codec, 'H264');
    assert.match(
      demuxer.video?.fmtp ?? '',
      /^packetization-mode=1;profile-level-id=42c0..;sprop-parameter-sets=Z0LA.+,aM4/,
    );
    assert.deepEqual(
      { ...demuxer.audio, asc: undefined },
      { codec: 'AAC', clockRate: 16000, channels: 1, fmtp: demuxer.audio?.fmtp, asc: undefined },
    );
    assert.match(demuxer.audio?.fmtp ?? '', /config=1408/);
    const video = frames.filter((f) => f.kind === 'video');
    assert.equal(video.length, 25);
    const first = video[0];
    assert.ok(first?.kind === 'video' && first.keyframe);
    assert.deepEqual(
      splitNals(first.payload, 4)
        .map((n) => (n[0] ?? 0) & 0x1f)
        .slice(0, 2),
      [7, 8],
    );
    // 25 fps: 40 ms = 3600 ticks apart (PTS: the tag's DTS plus its composition time).
    assert.equal((video[2]?.timestamp ?? 0) - (video[1]?.timestamp ?? 0), 3600);
    const audio = frames.filter((f) => f.kind === 'audio');
    assert.ok(audio.length >= 15 && audio.length <= 17, `${audio.length} AAC frames`);
    assert.equal(audio[1]?.timestamp, Math.round((64 * 16000) / 1000));
    assert.equal(demuxer.dropped, 0);
  });

  it('parses legacy AVC and enhanced-RTMP video tags from exact bytes', () => {
    assert.deepEqual(parseVideoTag(hex('17 00 000000 01640028')), {
      kind: 'config',
      codec: 'H264',
      record: hex('01640028'),
    });
    assert.deepEqual(parseVideoTag(hex('27 01 fffffe 00000001 41')), {
      kind: 'frame',
      codec: 'H264',
      keyframe: false,
      cts: -2,
      data: hex('00000001 41'),
    });
    assert.deepEqual(parseVideoTag(hex('17 02 000000')), { kind: 'end', codec: 'H264' });
    assert.deepEqual(parseVideoTag(hex('90 68766331 01')), { kind: 'config', codec: 'H265', record: hex('01') });
    assert.deepEqual(parseVideoTag(hex('91 68766331 000028 0000000126')), {
      kind: 'frame',
      codec: 'H265',
      keyframe: true,
      cts: 40,
      data: hex('0000000126'),
    });
    assert.deepEqual(parseVideoTag(hex('a3 68766331 0000000102')), {
      kind: 'frame',
      codec: 'H265',
      keyframe: false,
      cts: 0,
      data: hex('0000000102'),
    });
    assert.deepEqual(parseVideoTag(hex('91 61763031 000000')), { kind: 'other', codecId: 'av01' });
    assert.deepEqual(parseVideoTag(hex('12 00')), { kind: 'other', codecId: 2 });
    assert.throws(
      () => parseVideoTag(hex('17 01 00')),
      (err: FlvError) => err.code === 'FLV_TRUNCATED',
    );
    assert.throws(
      () => parseVideoTag(hex('17 07 000000')),
      (err: FlvError) => err.code === 'FLV_BAD_TAG',
    );
  });

  it('writes legacy AVC and enhanced hvc1 tags byte for byte', () => {
    assert.deepEqual(buildVideoTag('H264', { config: true, payload: hex('01') }), hex('17 00 000000 01'));
    assert.deepEqual(
      buildVideoTag('H264', { config: false, keyframe: false, cts: -1, payload: hex('00000001 41') }),
      hex('27 01 ffffff 00000001 41'),
    );
    assert.deepEqual(buildVideoTag('H265', { config: true, payload: hex('01') }), hex('90 68766331 01'));
    assert.deepEqual(
      buildVideoTag('H265', { config: false, keyframe: true, cts: 0, payload: hex('02') }),
      hex('91 68766331 000000 02'),
    );
  });

  it('parses audio tags: AAC config and frames, G.711', () => {
    assert.deepEqual(parseAudioTag(hex('af 00 1408')), { kind: 'config', codec: 'AAC', asc: hex('1408') });
    assert.deepEqual(parseAudioTag(hex('af 01 2100')), { kind: 'frame', codec: 'AAC', data: hex('2100') });
    assert.deepEqual(parseAudioTag(hex('72 d5d5')), { kind: 'frame', codec: 'PCMA', data: hex('d5d5') });
    assert.deepEqual(parseAudioTag(hex('82 ffff')), { kind: 'frame', codec: 'PCMU', data: hex('ffff') });
    assert.deepEqual(parseAudioTag(hex('2f 00')), { kind: 'other', soundFormat: 2 });
    assert.deepEqual(buildAacConfigTag(hex('1408')), hex('af 00 1408'));
    assert.throws(
      () => parseAudioTag(hex('af')),
      (err: FlvError) => err.code === 'FLV_TRUNCATED',
    );
  });

  it('an H265 stream over enhanced RTMP: hvcC sequence start, then frames with VPS/SPS/PPS on key frames', () => {
    const h265 = readFileSync(new URL('../h265/fixtures/ffmpeg_ref.h265', import.meta.url));
    const nals = splitAnnexB(h265);
    const type = (n: Buffer) => ((n[0] ?? 0) >> 1) & 0x3f;
    const vps = nals.filter((n) => type(n) === 32).slice(0, 1);
    const sps = nals.filter((n) => type(n) === 33).slice(0, 1);
    const pps = nals.filter((n) => type(n) === 34).slice(0, 1);
    const idr = nals.find((n) => type(n) === 19 || type(n) === 20);
    assert.ok(vps[0] && sps[0] && pps[0] && idr, 'the fixture has VPS, SPS, PPS and an IDR');
    const record = buildHvcConfig({ vps, sps, pps });
    assert.deepEqual(parseHevcRecord(record), { nalLengthSize: 4, vps, sps, pps });
    const demuxer = new FlvDemuxer();
    demuxer.push({ type: 9, timestamp: 0, data: buildVideoTag('H265', { config: true, payload: record }) });
    const avcc = Buffer.concat([Buffer.alloc(4), idr]);
    avcc.writeUInt32BE(idr.length);
    const [frame] = demuxer.push({
      type: 9,
      timestamp: 40,
      data: buildVideoTag('H265', { config: false, keyframe: true, cts: 0, payload: avcc }),
    });
    assert.equal(demuxer.video?.codec, 'H265');
    assert.match(demuxer.video?.fmtp ?? '', /sprop-vps=.+sprop-sps=.+sprop-pps=/);
    assert.ok(frame?.kind === 'video' && frame.keyframe && frame.timestamp === 3600);
    assert.deepEqual(splitNals(frame.payload, 4).map(type), [32, 33, 34, type(idr)]);
  });

  it("muxes H265 as enhanced-RTMP hvc1: the hvcC from the key frame's VPS/SPS/PPS, frames a demuxer reads back", () => {
    const h265 = splitAnnexB(readFileSync(new URL('../h265/fixtures/ffmpeg_ref.h265', import.meta.url)));
    const type = (n: Buffer) => ((n[0] ?? 0) >> 1) & 0x3f;
    const sets = [32, 33, 34].map((t) => h265.find((n) => type(n) === t) as Buffer);
    const idr = h265.find((n) => type(n) === 19 || type(n) === 20) as Buffer;
    const keyframe = joinAvcc([...sets, idr]);
    const muxer = new FlvMuxer({ codec: 'H265', clockRate: 90000, channels: 0 }, undefined);
    const tags = muxer.videoTags(keyframe, true, 0);
    assert.deepEqual(
      tags.map((t) => (t.data[0] ?? 0).toString(16)),
      ['90', '91'],
    );
    assert.equal(tags[0]?.data.subarray(1, 5).toString('latin1'), 'hvc1');
    const demuxer = new FlvDemuxer();
    const [frame] = tags.flatMap((t) => demuxer.push(t));
    assert.equal(demuxer.video?.codec, 'H265');
    assert.deepEqual(frame?.payload, keyframe);
    assert.deepEqual(
      muxer.videoTags(keyframe, true, 40).length,
      1,
      'the same parameter sets: no second sequence header',
    );
  });

  it('drops frames before their sequence header, and a frame whose NAL lengths overrun, counting them', () => {
    const demuxer = new FlvDemuxer();
    assert.deepEqual(demuxer.push({ type: 9, timestamp: 0, data: hex('17 01 000000 00000001 65') }), []);
    assert.deepEqual(demuxer.push({ type: 8, timestamp: 0, data: hex('af 01 21') }), []);
    assert.equal(demuxer.dropped, 2);
    assert.throws(
      () => demuxer.push({ type: 9, timestamp: 0, data: hex('17 00 000000 02') }),
      (err: FlvError) => err.code === 'FLV_BAD_TAG',
    );
  });

  it('muxes hub frames back: metadata, sequence headers from the key frame, then frames a demuxer reads alike', () => {
    const source = new FlvDemuxer();
    const frames = new FlvReader().push(FILE).flatMap((t) => source.push(t));
    const muxer = new FlvMuxer(
      { codec: 'H264', clockRate: 90000, channels: 0, fmtp: source.video?.fmtp },
      { codec: 'AAC', clockRate: 16000, channels: 1, fmtp: source.audio?.fmtp },
    );
    const meta = decodeAmf0(muxer.metadataTag().data);
    assert.deepEqual(meta, [
      'onMetaData',
      { videocodecid: 7, audiocodecid: 10, audiosamplerate: 16000, stereo: false, encoder: 'ts2rtc' },
    ]);
    const tags = frames.flatMap((f) =>
      f.kind === 'video'
        ? muxer.videoTags(f.payload, f.keyframe, f.timestamp / 90)
        : muxer.audioTags(f.payload, Math.round(f.timestamp / 16)),
    );
    const again = new FlvDemuxer();
    const back = tags.flatMap((t) => again.push(t));
    assert.deepEqual(again.video?.record, source.video?.record);
    assert.deepEqual(again.audio?.asc, source.audio?.asc);
    assert.deepEqual(
      back.map((f) => f.payload),
      frames.map((f) => f.payload),
    );
    // A P frame before any key frame has nothing to refer to: the muxer waits.
    const late = new FlvMuxer({ codec: 'H264', clockRate: 90000, channels: 0 }, undefined);
    assert.deepEqual(late.videoTags(hex('00000001 41'), false, 0), []);
  });
});
