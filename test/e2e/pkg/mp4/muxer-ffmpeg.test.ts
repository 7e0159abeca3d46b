import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FlacEncoder } from '../../../../addon/src/pkg/flac/index.js';
import { buildHvcConfig, h265CodecString } from '../../../../addon/src/pkg/h265/config.js';
import { Mp4Muxer, parseMp4, sampleData, type MuxerTrack, type Mp4Track } from '../../../../addon/src/pkg/mp4/index.js';
import { decodeAlaw, decodeUlaw } from '../../../../addon/src/pkg/pcm/index.js';

/**
 * The muxer against FFmpeg as the reference reader: what we write must decode to exactly what the source
 * decodes to (same frames, same pixels, same samples), with no warning on stderr.
 */

const DEMO = fileURLToPath(new URL('../../../../addon/assets/demo.mp4', import.meta.url));
const probe = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
const skip = probe.error ? `ffmpeg not runnable (${probe.error.message}); install ffmpeg` : false;
const skipX265 = skip || (probe.stdout.includes('libx265') ? false : 'ffmpeg has no libx265');
const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-muxer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(args: string[], input?: Buffer): { stdout: Buffer; stderr: string } {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args], {
    input,
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `ffmpeg ${args.join(' ')}: ${run.stderr?.toString()}`);
  return { stdout: run.stdout, stderr: run.stderr.toString() };
}

/** Decoded frames of one stream as FFmpeg's framecrc lines without the timestamps (content only). */
function decodedCrcs(file: string, map: string, inputArgs: string[] = []): string[] {
  const { stdout } = ffmpeg([
    ...inputArgs,
    '-i',
    file,
    '-map',
    map,
    '-fps_mode',
    'passthrough',
    '-f',
    'framecrc',
    'pipe:1',
  ]);
  return stdout
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const f = l.split(',').map((x) => x.trim());
      return `${f[4]},${f[5]}`; // size, crc
    });
}

interface Frame {
  track: number;
  data: Buffer;
  timestamp: number;
  keyframe: boolean;
  seconds: number;
  duration?: number;
}

/** Mux frames (already in decode order per track) interleaved by time, as a live source would deliver them. */
function mux(tracks: MuxerTrack[], frames: Frame[]): Buffer {
  const muxer = new Mp4Muxer(tracks);
  const out: Buffer[] = [muxer.init()];
  for (const f of [...frames].sort((a, b) => a.seconds - b.seconds)) {
    const frag = muxer.write(f.track, {
      data: f.data,
      timestamp: f.timestamp,
      keyframe: f.keyframe,
      arrival: f.seconds,
      ...(f.duration !== undefined ? { duration: f.duration } : {}),
    });
    out.push(frag.moof, frag.mdat);
  }
  return Buffer.concat(out);
}

function trackFrames(file: Buffer, track: Mp4Track, index: number, clock: number): Frame[] {
  return track.samples.map((s) => ({
    track: index,
    data: sampleData(file, s),
    timestamp: Math.round((s.dts * clock) / track.timescale),
    keyframe: s.keyframe,
    seconds: s.dts / track.timescale,
    ...(track.kind === 'audio' ? { duration: Math.round((s.duration * clock) / track.timescale) } : {}),
  }));
}

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

describe('muxer output decoded by FFmpeg', () => {
  it('H264 + Opus (the demo clip): every frame and sample decodes identically', { skip }, () => {
    const file = readFileSync(DEMO);
    const movie = parseMp4(file);
    const [video, audio] = movie.tracks;
    assert.ok(video?.avcC && audio);
    const tracks: MuxerTrack[] = [
      {
        kind: 'video',
        codec: 'H264',
        timescale: 90000,
        width: 640,
        height: 360,
        config: video.avcC,
        mimeCodec: 'avc1.4d401e',
      },
      {
        kind: 'audio',
        codec: 'OPUS',
        timescale: 48000,
        sampleRate: 48000,
        channels: 1,
        opusPreSkip: audio.opusPreSkip ?? 0,
      },
    ];
    const out = write(
      'demo.mp4',
      mux(tracks, [...trackFrames(file, video, 0, 90000), ...trackFrames(file, audio, 1, 48000)]),
    );
    const v = decodedCrcs(out, '0:v');
    assert.equal(v.length, 250);
    assert.deepEqual(v, decodedCrcs(DEMO, '0:v'));
    const a = decodedCrcs(out, '0:a');
    assert.equal(a.length, 500);
    assert.deepEqual(a, decodedCrcs(DEMO, '0:a'));
    const { stderr } = ffmpeg(['-i', out, '-f', 'null', '-']);
    assert.equal(stderr, '');
  });

  for (const [codec, format, decode] of [
    ['PCMU', 'mulaw', decodeUlaw],
    ['PCMA', 'alaw', decodeAlaw],
  ] as const) {
    it(`${codec} as FLAC decodes to the samples FFmpeg's own G.711 decoder gives`, { skip }, () => {
      const raw = ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=8000:duration=2',
        '-ar',
        '8000',
        '-ac',
        '1',
        '-f',
        format,
        'pipe:1',
      ]).stdout;
      const encoder = new FlacEncoder({ sampleRate: 8000, channels: 1 });
      const frames: Frame[] = [];
      for (let pos = 0; pos < raw.length; pos += 160) {
        const packet = raw.subarray(pos, pos + 160);
        frames.push({
          track: 0,
          data: encoder.encode(decode(packet)),
          timestamp: pos,
          keyframe: true,
          seconds: pos / 8000,
          duration: packet.length,
        });
      }
      const track: MuxerTrack = {
        kind: 'audio',
        codec: 'FLAC',
        timescale: 8000,
        sampleRate: 8000,
        channels: 1,
        config: encoder.streamInfo(),
      };
      const out = write(`${codec}.mp4`, mux([track], frames));
      const ours = ffmpeg(['-i', out, '-f', 's16le', 'pipe:1']);
      assert.equal(ours.stderr, '');
      const reference = ffmpeg(
        ['-f', format, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'],
        raw,
      ).stdout;
      assert.equal(ours.stdout.length, raw.length * 2);
      assert.ok(ours.stdout.equals(reference), 'same 16-bit samples');
    });
  }

  it('AAC (from an FFmpeg-made MP4) decodes identically', { skip }, () => {
    const source = path.join(dir, 'aac-source.mp4');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=1000:sample_rate=16000:duration=2',
      '-c:a',
      'aac',
      '-ac',
      '1',
      source,
    ]);
    const file = readFileSync(source);
    const track = parseMp4(file).tracks[0];
    assert.ok(track?.audioSpecificConfig);
    const out = write(
      'aac.mp4',
      mux(
        [
          {
            kind: 'audio',
            codec: 'AAC',
            timescale: 16000,
            sampleRate: 16000,
            channels: 1,
            config: track.audioSpecificConfig,
          },
        ],
        trackFrames(file, track, 0, 16000),
      ),
    );
    // The source's edit list hides the encoder's priming frame; a live stream has none, so compare all frames.
    assert.deepEqual(decodedCrcs(out, '0:a'), decodedCrcs(source, '0:a', ['-ignore_editlist', '1']));
  });

  it('H265 (x265, hvcC rebuilt from its parameter sets) decodes identically', { skip: skipX265 }, () => {
    const source = path.join(dir, 'h265-source.mp4');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-t',
      '2',
      '-c:v',
      'libx265',
      '-x265-params',
      'log-level=error:keyint=25:bframes=0',
      '-tag:v',
      'hvc1',
      source,
    ]);
    const file = readFileSync(source);
    const track = parseMp4(file).tracks[0];
    assert.ok(track?.hvcC);
    const sets = hvcArrays(track.hvcC);
    const sps = sets.get(33)?.[0];
    assert.ok(sps);
    const tracks: MuxerTrack[] = [
      {
        kind: 'video',
        codec: 'H265',
        timescale: 90000,
        width: 320,
        height: 240,
        config: buildHvcConfig({ vps: sets.get(32) ?? [], sps: sets.get(33) ?? [], pps: sets.get(34) ?? [] }),
        mimeCodec: h265CodecString(sps),
      },
    ];
    const out = write('h265.mp4', mux(tracks, trackFrames(file, track, 0, 90000)));
    const frames = decodedCrcs(out, '0:v');
    assert.equal(frames.length, 50);
    assert.deepEqual(frames, decodedCrcs(source, '0:v'));
  });
});

/** NAL units of an hvcC record by type (the test's own reading of 14496-15 8.3.3.1). */
function hvcArrays(hvcC: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let pos = 23;
  const arrays = hvcC[22] ?? 0;
  for (let i = 0; i < arrays; i++) {
    const type = (hvcC[pos] ?? 0) & 0x3f;
    const count = hvcC.readUInt16BE(pos + 1);
    pos += 3;
    const list: Buffer[] = [];
    for (let j = 0; j < count; j++) {
      const size = hvcC.readUInt16BE(pos);
      list.push(hvcC.subarray(pos + 2, pos + 2 + size));
      pos += 2 + size;
    }
    out.set(type, list);
  }
  return out;
}
