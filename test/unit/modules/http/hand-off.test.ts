import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ffmpegHandOff } from '../../../../addon/src/modules/http/source.js';
import { DEFAULT_TEMPLATES, buildFfmpegArgs, checkUntrustedSource } from '../../../../addon/src/pkg/ffmpeg/index.js';
import { parseSourceUrl } from '../../../../addon/src/modules/streams/source-url.js';

/** The `ffmpeg:` URLs the http source hands live formats over as, and the ffmpeg arguments they become. */
describe('http source hand-off to ffmpeg', () => {
  const args = (raw: string): string[] => {
    const url = parseSourceUrl(raw);
    const spec = { input: url.rest, options: url.options };
    // A URL from the network must pass the untrusted check as it is.
    checkUntrustedSource(spec, DEFAULT_TEMPLATES, () => false);
    return buildFfmpegArgs(spec, { templates: DEFAULT_TEMPLATES, isStream: () => false, untrusted: true }).args;
  };
  const after = (list: string[], flag: string): string | undefined => list[list.indexOf(flag) + 1];

  it('MPEG-TS and HLS: video copied, ADTS AAC encoded again; MPEG-TS with short probing', () => {
    for (const format of ['mpegts', 'hls'] as const) {
      const list = args(ffmpegHandOff('http://cam/x', format));
      assert.equal(after(list, '-c:v'), 'copy');
      assert.equal(after(list, '-c:a'), 'aac');
    }
    const ts = args(ffmpegHandOff('http://cam/x.ts', 'mpegts'));
    assert.equal(after(ts, '-analyzeduration'), '500000');
    assert.equal(ts.includes('nobuffer'), false);
    const hls = args(ffmpegHandOff('http://cam/x.m3u8', 'hls'));
    assert.equal(hls.includes('-analyzeduration'), false);
  });

  it('FLV: short probing, copied whole; MP4 and full probing: the http template (ffmpeg defaults)', () => {
    const flv = args(ffmpegHandOff('http://cam/x.flv', 'flv'));
    assert.equal(after(flv, '-analyzeduration'), '500000');
    assert.deepEqual(flv.slice(flv.indexOf('-c'), flv.indexOf('-c') + 2), ['-c', 'copy']);
    for (const list of [
      args(ffmpegHandOff('http://cam/x.mp4', 'mp4')),
      args(ffmpegHandOff('http://cam/x.ts', 'mpegts', true)),
    ]) {
      assert.equal(list.includes('-analyzeduration'), false);
      assert.equal(after(list, '-fflags'), 'nobuffer');
    }
  });
});
