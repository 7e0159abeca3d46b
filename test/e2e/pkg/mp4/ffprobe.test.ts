import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseMp4 } from '../../../../addon/src/pkg/mp4/index.js';

/** Cross-checks the demuxer against FFmpeg's own reading of the demo clip, packet by packet. */

const DEMO = fileURLToPath(new URL('../../../../addon/assets/demo.mp4', import.meta.url));

interface ProbePacket {
  readonly stream_index: number;
  readonly pts: number;
  readonly dts: number;
  readonly duration: number;
  readonly size: string;
  readonly pos: string;
  readonly flags: string;
}

function isProbePacket(v: unknown): v is ProbePacket {
  return typeof v === 'object' && v !== null && 'stream_index' in v && 'pts' in v && 'size' in v && 'flags' in v;
}

function probe(): ProbePacket[] | string {
  const run = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=stream_index,pts,dts,duration,size,pos,flags', '-of', 'json', DEMO],
    { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
  );
  if (run.error !== undefined)
    return `ffprobe not runnable (${run.error.message}); install ffmpeg to run this comparison`;
  assert.equal(run.status, 0, run.stderr);
  const parsed: unknown = JSON.parse(run.stdout);
  assert.ok(typeof parsed === 'object' && parsed !== null && 'packets' in parsed && Array.isArray(parsed.packets));
  const packets: unknown[] = parsed.packets;
  return packets.filter(isProbePacket);
}

const probed = probe();
const skip = typeof probed === 'string' ? probed : false;
const packets = typeof probed === 'string' ? [] : probed;

describe('demuxer against ffprobe -show_packets', () => {
  const movie = parseMp4(readFileSync(DEMO));

  it('video: same sizes, positions, pts/dts, durations and key flags', { skip }, () => {
    const ours = movie.tracks.find((t) => t.kind === 'video')?.samples ?? [];
    const theirs = packets.filter((p) => p.stream_index === 0);
    assert.equal(theirs.length, 250);
    assert.equal(ours.length, theirs.length);
    theirs.forEach((p, i) => {
      const s = ours[i];
      assert.ok(s);
      assert.deepEqual(
        [s.size, s.offset, s.pts, s.dts, s.duration, s.keyframe],
        [Number(p.size), Number(p.pos), p.pts, p.dts, p.duration, p.flags.startsWith('K')],
        `video packet ${i}`,
      );
    });
  });

  it('audio: same sizes and positions; times shifted by the edit list', { skip }, () => {
    const track = movie.tracks.find((t) => t.kind === 'audio');
    assert.ok(track);
    const edit = track.edits[0];
    assert.ok(edit);
    const theirs = packets.filter((p) => p.stream_index === 1);
    assert.equal(theirs.length, 500);
    assert.equal(track.samples.length, theirs.length);
    // FFmpeg applies the edit: times start at -pre-skip, and the last packet is cut where the
    // edit ends (segment_duration is in movie ticks).
    const editEnd = (edit.segmentDuration * track.timescale) / movie.timescale;
    theirs.forEach((p, i) => {
      const s = track.samples[i];
      assert.ok(s);
      const last = i === theirs.length - 1;
      const duration = last ? editEnd - (s.pts - edit.mediaTime) : s.duration;
      assert.deepEqual(
        [s.size, s.offset, s.pts - edit.mediaTime, s.dts - edit.mediaTime, duration, s.keyframe],
        [Number(p.size), Number(p.pos), p.pts, p.dts, p.duration, p.flags.startsWith('K')],
        `audio packet ${i}`,
      );
    });
  });
});
