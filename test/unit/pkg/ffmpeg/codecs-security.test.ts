import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreError } from '../../../../addon/src/core/errors.js';
import { codecToString } from '../../../../addon/src/core/codec.js';
import {
  DEFAULT_TEMPLATES,
  audioCodecOf,
  buildFfmpegArgs,
  checkUntrustedSource,
  commandMedias,
  mergeTemplates,
  parseSnapshotQuery,
  parseV4l2Formats,
  snapshotArgs,
  splitArgs,
} from '../../../../addon/src/pkg/ffmpeg/index.js';

function spec(text: string): { input: string; options: Array<[string, string]> } {
  const [input = '', ...rest] = text.split('#');
  return {
    input,
    options: rest.map((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : [p, ''])),
  };
}
const isStream = (name: string): boolean => name === 'cam1';
const ctx = { templates: DEFAULT_TEMPLATES, isStream, localRtsp: 'rtsp://127.0.0.1:8554' };

/** `H264; OPUS/48000/2` for the medias a URL announces, or `unknown` when ffmpeg must run to tell. */
function medias(text: string, templates: Readonly<Record<string, string>> = DEFAULT_TEMPLATES): string {
  const found = commandMedias(buildFfmpegArgs(spec(text), { ...ctx, templates }));
  return found ? found.map((m) => `${m.kind} ${m.codecs.map(codecToString).join(',')}`).join('; ') : 'unknown';
}

describe('codecs known from the URL (so ffmpeg runs only when a consumer takes them)', () => {
  it('names the codec, rate and channels of every built-in template', () => {
    const expected: Record<string, string> = {
      h264: 'video H264',
      'h264/ultra': 'video H264',
      'h264/high': 'video H264',
      h265: 'video H265',
      mjpeg: 'video JPEG',
      opus: 'audio OPUS/48000/2',
      pcmu: 'audio PCMU/8000',
      'pcmu/16000': 'audio PCMU/16000',
      'pcmu/48000': 'audio PCMU/48000',
      pcma: 'audio PCMA/8000',
      'pcma/16000': 'audio PCMA/16000',
      'pcma/48000': 'audio PCMA/48000',
      'aac/16000': 'audio AAC/16000',
      pcm: 'audio PCM/8000',
    };
    for (const [template, media] of Object.entries(expected)) {
      const kind = media.startsWith('video') ? 'video' : 'audio';
      assert.equal(medias(`rtsp://cam/1#${kind}=${template}`), media, template);
    }
    assert.equal(
      medias('rtsp://cam/1#video=h264#audio=opus#audio=pcma'),
      'video H264; audio OPUS/48000/2; audio PCMA/8000',
    );
  });

  it('gives AAC its SDP config (AAC-LC, 16 kHz, mono = 1408)', () => {
    const aac = audioCodecOf(splitArgs(DEFAULT_TEMPLATES['aac/16000'] ?? ''));
    assert.equal(aac?.channels, 1);
    assert.match(aac?.fmtp ?? '', /config=1408/i);
  });

  it('leaves copies and rate-less templates to the running process', () => {
    for (const url of [
      'rtsp://cam/1',
      'rtsp://cam/1#video=copy',
      'rtsp://cam/1#video=h264#audio=copy',
      'rtsp://cam/1#audio=aac',
      'rtsp://cam/1#video=-c:v libvpx',
    ]) {
      assert.equal(medias(url), 'unknown', url);
    }
  });

  it('reads the codec of templates added in the config', () => {
    const templates = mergeTemplates({
      bin: 'ffmpeg',
      mine: '-codec:v h264_vaapi -g 30',
      wide: '-acodec pcm_alaw -ar 16000',
    });
    assert.equal(medias('rtsp://cam/1#video=mine#audio=wide', templates), 'video H264; audio PCMA/16000');
  });
});

describe('ffmpeg sources from the network (checkUntrustedSource)', () => {
  const check = (text: string): void => checkUntrustedSource(spec(text), DEFAULT_TEMPLATES, isStream);
  const forbidden = (e: unknown) => e instanceof CoreError && e.code === 'SOURCE_FORBIDDEN';

  it('allows network inputs and our streams with template codecs', () => {
    for (const ok of [
      'rtsp://admin:pw@10.0.0.2/cam#audio=opus',
      'rtsps://cam/1#video=h264#audio=pcmu/16000',
      'rtmp://host/live/x#video=copy',
      'https://host/index.m3u8#video=h264#width=1280#height=720#rotate=90#bitrate=2M#timeout=10',
      'cam1#audio=opus#query=log_level=debug',
      'http://host/mjpeg#video=h264#hardware',
      // what the http source hands live formats over as: a network input template, template codecs
      'http://host/live.ts#input=http/live#video=copy#audio=aac',
      'https://host/hls/index.m3u8#input=http#video=copy#audio=aac',
      'rtsp://cam/1#input=rtsp/udp',
    ]) {
      assert.doesNotThrow(() => check(ok), ok);
    }
  });

  it('refuses files, devices, other protocols and free-form arguments with SOURCE_FORBIDDEN', () => {
    for (const bad of [
      '/etc/passwd',
      '/media/movie.mp4#video=h264',
      'file:/etc/passwd',
      'file:///etc/passwd',
      'device?video=0#video=h264',
      'concat:/etc/passwd|/etc/hosts',
      'subfile,,start,0,end,0,,:/etc/passwd',
      'pipe:0',
      'udp://0.0.0.0:1234',
      'srt://host:9000',
      'rtsp://cam/1#raw=-i /etc/passwd',
      'rtsp://cam/1#input=-f lavfi -i {input}',
      'rtsp://cam/1#input=file',
      'rtsp://cam/1#drawtext=textfile=/etc/passwd',
      'rtsp://cam/1#video=-vf movie=/etc/passwd',
      'rtsp://cam/1#audio=-filter_complex amovie=/etc/passwd',
      'rtsp://cam/1#width=1 -i /etc/passwd',
      'rtsp://cam/1#bitrate=1M -i x',
      'cam1#query=x -i /etc/passwd',
      'rtsp://cam/1 -i /etc/passwd#video=h264',
    ]) {
      assert.throws(() => check(bad), forbidden, bad);
    }
  });
});

describe('device listing and snapshots', () => {
  it('parses ffmpeg -list_formats output into go2rtc sources', () => {
    const output = [
      '[video4linux2,v4l2 @ 0x55d0c4] Compressed:       mjpeg :          Motion-JPEG : 640x360 1280x720 1920x1080',
      '[video4linux2,v4l2 @ 0x55d0c4] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x360 1280x720',
      '/dev/video0: Immediate exit requested',
    ].join('\n');
    assert.deepEqual(parseV4l2Formats('/dev/video0', output), [
      {
        name: 'Motion-JPEG',
        info: '640x360 1280x720 1920x1080',
        url: 'ffmpeg:device?video=/dev/video0&input_format=mjpeg&video_size=640x360',
      },
      {
        name: 'YUYV 4:2:2',
        info: '640x360 1280x720',
        url: 'ffmpeg:device?video=/dev/video0&input_format=yuyv422&video_size=640x360#video=h264#hardware',
      },
    ]);
  });

  it('reads go2rtc snapshot parameters and builds the decode command', () => {
    const options = parseSnapshotQuery(new URLSearchParams('w=320&rotate=270&h=abc'));
    assert.deepEqual(options, { width: 320, height: 0, rotate: 270 });
    // prettier-ignore
    assert.deepEqual(snapshotArgs('H265', options), [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-f', 'hevc', '-i', 'pipe:0', '-frames:v', '1',
      '-vf', 'scale=320:-1,transpose=2', '-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', 'pipe:1',
    ]);
    assert.equal(snapshotArgs('H264', parseSnapshotQuery(new URLSearchParams(''))).includes('-vf'), false);
  });
});
