import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  IvideonError,
  cameraId,
  liveStreamUrl,
  parseFragment,
  parseInitSegment,
  parseStreamMessage,
  readLiveStreamAnswer,
} from '../../../../addon/src/modules/ivideon/index.js';
import { Mp4Error } from '../../../../addon/src/pkg/mp4/index.js';
import { splitFmp4 } from './split-fmp4.js';

/** ffmpeg 5.1: testsrc2 64x48, 5 frames, GOP 3, no B-frames, `-movflags empty_moov+default_base_moof+frag_every_frame`. */
const file = readFileSync(new URL('./fixtures/ffmpeg_fmp4_64x48_5frames_gop3.mp4', import.meta.url));

describe('modules/ivideon: fMP4 (init segment and fragments)', () => {
  const { init, fragments } = splitFmp4(file);

  it('the init segment: one H264 track with its avcC, timescale and size', () => {
    const tracks = parseInitSegment(init);
    assert.equal(tracks.length, 1);
    const track = tracks[0]!;
    assert.deepEqual(
      [track.id, track.kind, track.codec, track.format, track.timescale, track.width, track.height],
      [1, 'video', 'H264', 'avc1', 12800, 64, 48],
    );
    assert.ok(track.avcC && track.avcC[0] === 1, 'avcC configurationVersion 1');
  });

  it('each fragment: one sample, decode times from tfdt, key frames from the sample flags, the mdat bytes', () => {
    const tracks = parseInitSegment(init);
    assert.equal(fragments.length, 5);
    const samples = fragments.map((f) => parseFragment(f, tracks));
    assert.deepEqual(
      samples.map((s) => s.length),
      [1, 1, 1, 1, 1],
    );
    assert.deepEqual(
      samples.map((s) => s[0]!.dts),
      [0, 512, 1024, 1536, 2048],
    );
    assert.deepEqual(
      samples.map((s) => s[0]!.pts),
      [0, 512, 1024, 1536, 2048],
    );
    assert.deepEqual(
      samples.map((s) => s[0]!.keyframe),
      [true, false, false, true, false],
    );
    assert.deepEqual(
      samples.map((s) => s[0]!.duration),
      [512, 512, 512, 512, 512],
    );
    // The sample is the mdat's whole body, AVCC with 4-byte lengths.
    fragments.forEach((f, i) => {
      const moofSize = f.readUInt32BE(0);
      const data = samples[i]![0]!.data;
      assert.equal(data.length, f.length - moofSize - 8);
      assert.equal(data.readUInt32BE(0) + 4 <= data.length, true);
    });
  });

  it('fragments of other tracks are skipped; a cut fragment is MP4_TRUNCATED', () => {
    assert.deepEqual(parseFragment(fragments[0]!, []), []);
    const tracks = parseInitSegment(init);
    assert.throws(
      () => parseFragment(fragments[0]!.subarray(0, fragments[0]!.length - 10), tracks),
      (err: unknown) => err instanceof Mp4Error && err.code === 'MP4_TRUNCATED',
    );
    assert.throws(() => parseInitSegment(fragments[0]!), { code: 'MP4_NO_MOOV' });
  });
});

describe('modules/ivideon: API', () => {
  it('cameraId: <server>/<camera> → <server>:<camera>; anything else refused before any request', () => {
    assert.equal(cameraId('100-tu5dkUPct39cTp9oNEN2B6/0'), '100-tu5dkUPct39cTp9oNEN2B6:0');
    assert.equal(cameraId('100-tu5dkUPct39cTp9oNEN2B6:3'), '100-tu5dkUPct39cTp9oNEN2B6:3');
    for (const bad of ['', '100-x', '../x/0', '100-x/0?a=b', '100 x/0', `${'a'.repeat(200)}/0`]) {
      assert.throws(
        () => cameraId(bad),
        (err: unknown) => err instanceof IvideonError && err.code === 'IVIDEON_ID_INVALID',
      );
    }
  });

  it("liveStreamUrl: go2rtc's request", () => {
    assert.equal(
      liveStreamUrl('https://openapi-alpha.ivideon.com/', '100-a:0'),
      'https://openapi-alpha.ivideon.com/cameras/100-a%3A0/live_stream?op=GET&access_token=public&q=2&video_codecs=h264&format=ws-fmp4',
    );
  });

  it('readLiveStreamAnswer: the ws(s) url, or the API message as IVIDEON_UNAVAILABLE', () => {
    assert.equal(
      readLiveStreamAnswer(200, '{"success":true,"result":{"url":"wss://streaming.ivideon.com/x?y=1"}}'),
      'wss://streaming.ivideon.com/x?y=1',
    );
    assert.throws(
      () => readLiveStreamAnswer(200, '{"success":false,"message":"Camera is offline","code":"CAMERA_OFFLINE"}'),
      {
        code: 'IVIDEON_UNAVAILABLE',
        message: "IVIDEON_UNAVAILABLE: can't get live_stream: Camera is offline (CAMERA_OFFLINE)",
      },
    );
    assert.throws(() => readLiveStreamAnswer(403, '{"success":false}'), {
      message: "IVIDEON_UNAVAILABLE: can't get live_stream: HTTP 403",
    });
    assert.throws(() => readLiveStreamAnswer(502, '<html>Bad gateway</html>'), { code: 'IVIDEON_API' });
    assert.throws(() => readLiveStreamAnswer(200, '{"success":true,"result":{"url":"file:///etc/passwd"}}'), {
      code: 'IVIDEON_API',
    });
    assert.throws(() => readLiveStreamAnswer(200, 'null'), { code: 'IVIDEON_API' });
  });

  it('parseStreamMessage: type, codec_string, base64 data', () => {
    assert.deepEqual(
      parseStreamMessage('{"type":"stream-init","codec_string":"avc1.4d401e","data":"AAEC","track_id":0}'),
      { type: 'stream-init', codecString: 'avc1.4d401e', data: Buffer.from([0, 1, 2]) },
    );
    assert.deepEqual(parseStreamMessage('{"type":"fragment","track":0}'), {
      type: 'fragment',
      codecString: '',
      data: undefined,
    });
    assert.throws(() => parseStreamMessage('{'), { code: 'IVIDEON_STREAM' });
    assert.throws(() => parseStreamMessage('7'), { code: 'IVIDEON_STREAM' });
  });
});
