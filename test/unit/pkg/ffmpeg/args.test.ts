import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_TEMPLATES,
  FfmpegError,
  NETWORK_PROTOCOLS,
  buildFfmpegArgs,
  mergeTemplates,
  splitArgs,
  type FfmpegArgsContext,
} from '../../../../addon/src/pkg/ffmpeg/index.js';

/** A source as the hub hands it over: what follows `ffmpeg:`, and the `#` options in order. */
function spec(text: string): { input: string; options: Array<[string, string]> } {
  const [input = '', ...rest] = text.split('#');
  return {
    input,
    options: rest.map((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : [p, ''])),
  };
}

const ctx: FfmpegArgsContext = {
  templates: DEFAULT_TEMPLATES,
  isStream: (name) => name === 'cam1',
  localRtsp: 'rtsp://127.0.0.1:8554',
};
const GLOBAL = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
const OUTPUT = ['-rtsp_transport', 'tcp', '-f', 'rtsp', '{output}'];
const RTSP_IN = (url: string) => [
  '-fflags',
  'nobuffer',
  '-flags',
  'low_delay',
  '-timeout',
  '5000000',
  '-rtsp_flags',
  'prefer_tcp',
  '-i',
  url,
];
const t = (name: string): string[] => splitArgs(DEFAULT_TEMPLATES[name] ?? '');

function argv(text: string, context: FfmpegArgsContext = ctx): string[] {
  return buildFfmpegArgs(spec(text), context).args;
}

describe('splitArgs', () => {
  it('splits on blanks and groups quotes, with no shell meaning', () => {
    assert.deepEqual(splitArgs(' -vf  "scale=1:2, transpose=1"\t-metadata title=\'a b\' '), [
      '-vf',
      'scale=1:2, transpose=1',
      '-metadata',
      'title=a b',
    ]);
    assert.deepEqual(splitArgs('--x="a b"c'), ['--x=a bc']);
    assert.deepEqual(splitArgs("a '' b"), ['a', '', 'b']);
    assert.deepEqual(splitArgs('echo $(id); rm -rf / | cat > x'), [
      'echo',
      '$(id);',
      'rm',
      '-rf',
      '/',
      '|',
      'cat',
      '>',
      'x',
    ]);
    assert.deepEqual(splitArgs(''), []);
  });

  it('refuses an unclosed quote and oversized commands with FFMPEG_ARGS_INVALID', () => {
    const invalid = (e: unknown) => e instanceof FfmpegError && e.code === 'FFMPEG_ARGS_INVALID';
    assert.throws(() => splitArgs('-vf "scale=1:2'), invalid);
    assert.throws(() => splitArgs('x'.repeat(16 * 1024 + 1)), invalid);
    assert.throws(() => splitArgs('a '.repeat(1025)), invalid);
  });
});

describe('buildFfmpegArgs', () => {
  it('transcodes the audio of a camera for the Dahua example, setting up only its audio', () => {
    // prettier-ignore
    assert.deepEqual(argv('rtsp://admin:pw@10.0.0.2/cam/realmonitor?channel=1&subtype=0#audio=opus'), [
      ...GLOBAL,
      '-allowed_media_types', 'audio',
      ...RTSP_IN('rtsp://admin:pw@10.0.0.2/cam/realmonitor?channel=1&subtype=0'),
      ...t('opus'),
      '-vn',
      ...OUTPUT,
    ]);
  });

  it('transcodes video and audio of an RTSP camera', () => {
    // prettier-ignore
    assert.deepEqual(argv('rtsp://cam/1#video=h264#audio=pcmu/16000'), [
      ...GLOBAL, '-allowed_media_types', 'video+audio', ...RTSP_IN('rtsp://cam/1'), ...t('h264'), ...t('pcmu/16000'), ...OUTPUT,
    ]);
  });

  it('copies every track of a file, in real time, keeping a path with blanks one argument', () => {
    assert.deepEqual(argv('/media/Big Buck Bunny.mp4'), [
      ...GLOBAL,
      '-re',
      '-i',
      '/media/Big Buck Bunny.mp4',
      '-c',
      'copy',
      ...OUTPUT,
    ]);
    assert.deepEqual(argv('/media/a.mp4#video=copy#audio=pcmu'), [
      ...GLOBAL,
      '-re',
      '-i',
      '/media/a.mp4',
      '-c:v',
      'copy',
      ...t('pcmu'),
      ...OUTPUT,
    ]);
  });

  it('reads HLS and MJPEG over HTTP with the http template', () => {
    // prettier-ignore
    assert.deepEqual(argv('https://host/prog_index.m3u8#video=copy'), [
      ...GLOBAL, '-fflags', 'nobuffer', '-flags', 'low_delay', '-rw_timeout', '5000000', '-i', 'https://host/prog_index.m3u8', '-c:v', 'copy', '-an', ...OUTPUT,
    ]);
  });

  it('passes #raw= arguments (a template name or text) before the codecs', () => {
    // prettier-ignore
    assert.deepEqual(argv('rtsp://cam/1#raw=-vf transpose=1#video=h264'), [
      ...GLOBAL, '-allowed_media_types', 'video', ...RTSP_IN('rtsp://cam/1'), '-vf', 'transpose=1', ...t('h264'), '-an', ...OUTPUT,
    ]);
  });

  it('maps every codec to its own output stream when a kind repeats', () => {
    // prettier-ignore
    assert.deepEqual(argv('rtsp://cam/1#video=h264#audio=opus#audio=pcma'), [
      ...GLOBAL, '-allowed_media_types', 'video+audio', ...RTSP_IN('rtsp://cam/1'),
      '-map', '0:v:0?', '-c:v:0', ...t('h264').slice(1),
      '-map', '0:a:0?', '-c:a:0', ...t('opus').slice(1),
      '-map', '0:a:0?', '-c:a:1', ...t('pcma').slice(1),
      ...OUTPUT,
    ]);
  });

  it('reads one of our streams back through the local RTSP server', () => {
    // prettier-ignore
    assert.deepEqual(argv('cam1#audio=opus#query=log_level=debug'), [
      ...GLOBAL, ...RTSP_IN('rtsp://127.0.0.1:8554/cam1?audio&log_level=debug'), ...t('opus'), '-vn', ...OUTPUT,
    ]);
    assert.throws(
      () => argv('cam1#audio=opus', { ...ctx, localRtsp: undefined } as FfmpegArgsContext),
      (e: unknown) => e instanceof FfmpegError && e.code === 'FFMPEG_INPUT_INVALID',
    );
  });

  it('captures a V4L2 device by index with the README parameters', () => {
    const devices = { videos: ['/dev/video0', '/dev/video2'], audios: ['default'] };
    // prettier-ignore
    assert.deepEqual(argv('device?video=1&resolution=1280x720&framerate=30#video=h264', { ...ctx, devices }), [
      ...GLOBAL, '-f', 'v4l2', '-video_size', '1280x720', '-framerate', '30', '-i', '/dev/video2', ...t('h264'), '-an', ...OUTPUT,
    ]);
    // prettier-ignore
    assert.deepEqual(argv('device?audio=0&channels=1&sample_rate=16000#audio=opus', { ...ctx, devices }), [
      ...GLOBAL, '-f', 'alsa', '-channels', '1', '-sample_rate', '16000', '-i', 'default', ...t('opus'), '-vn', ...OUTPUT,
    ]);
  });

  it('builds scale, rotate and drawtext filters, bitrate and timeout', () => {
    const args = argv('rtsp://cam/1#video=h264#width=1280#rotate=90#drawtext=fontsize=20#bitrate=2M#timeout=10');
    assert.deepEqual(args.slice(args.indexOf('-timeout'), args.indexOf('-timeout') + 2), ['-timeout', '10000000']);
    assert.deepEqual(args.slice(args.indexOf('-b:v'), args.indexOf('-b:v') + 6), [
      '-b:v',
      '2M',
      '-maxrate',
      '2M',
      '-bufsize',
      '2M',
    ]);
    assert.deepEqual(args.slice(args.indexOf('-vf'), args.indexOf('-vf') + 2), [
      '-vf',
      "scale=1280:-1,transpose=1,drawtext=fontsize=20:text='%{localtime\\:%Y-%m-%d %X}'",
    ]);
    assert.ok(args.indexOf('-vf') < args.indexOf('-f'), 'filters come before the output');
  });

  it('takes #input= as a template name or as a template', () => {
    const templates = mergeTemplates({ bin: 'ffmpeg', lavfi: '-re -f lavfi -i {input}' });
    // prettier-ignore
    assert.deepEqual(argv('testsrc2=size=320x240#input=lavfi#video=h264/ultra', { ...ctx, templates }), [
      ...GLOBAL, '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240', ...t('h264/ultra'), '-an', ...OUTPUT,
    ]);
    // prettier-ignore
    assert.deepEqual(argv('rtsp://cam/1#input=rtsp/udp'), [
      ...GLOBAL, '-allowed_media_types', 'video+audio', '-fflags', 'nobuffer', '-flags', 'low_delay', '-timeout', '5000000', '-i', 'rtsp://cam/1', '-c', 'copy', ...OUTPUT,
    ]);
    assert.deepEqual(argv('x#input=-f v4l2 -i "{input}"'), [
      ...GLOBAL,
      '-f',
      'v4l2',
      '-i',
      'x',
      '-c',
      'copy',
      ...OUTPUT,
    ]);
  });

  it('uses templates from the config over the built-in ones, and new ones', () => {
    const templates = mergeTemplates({
      bin: '/opt/ffmpeg',
      h264: '-c:v h264_vaapi -g 30',
      mycodec: '-c:a libopus -b:a 16k',
    });
    assert.equal(templates['bin'], undefined, 'bin is a setting, not a template');
    assert.deepEqual(argv('rtsp://cam/1#video=h264#audio=mycodec', { ...ctx, templates }).slice(-13, -5), [
      '-c:v',
      'h264_vaapi',
      '-g',
      '30',
      '-c:a',
      'libopus',
      '-b:a',
      '16k',
    ]);
  });

  it('restricts ffmpeg to network protocols for sources from the network', () => {
    assert.deepEqual(argv('rtsp://cam/1#video=h264', { ...ctx, untrusted: true }).slice(0, 7), [
      ...GLOBAL,
      '-protocol_whitelist',
      NETWORK_PROTOCOLS,
    ]);
    assert.ok(
      !NETWORK_PROTOCOLS.split(',').some((p) => ['file', 'pipe', 'concat', 'subfile', 'fd', 'data'].includes(p)),
    );
  });

  it('resamples against the wall clock with #async, and sets the loglevel', () => {
    const args = argv('rtsp://cam/1#audio=opus#async', { ...ctx, logLevel: 'debug' });
    assert.deepEqual(args.slice(0, 7), [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-loglevel',
      'debug',
      '-use_wallclock_as_timestamps',
      '1',
    ]);
    assert.deepEqual(args.slice(args.indexOf('-af'), args.indexOf('-af') + 2), ['-af', 'aresample=async=1:min_comp=0']);
  });

  it('refuses an empty input and an unusable device query', () => {
    assert.throws(
      () => argv('#video=h264'),
      (e: unknown) => e instanceof FfmpegError && e.code === 'FFMPEG_INPUT_INVALID',
    );
    assert.throws(
      () => argv('device?foo=1'),
      (e: unknown) => e instanceof FfmpegError && e.code === 'FFMPEG_INPUT_INVALID',
    );
    assert.throws(
      () => argv('device?video=0&framerate=30;rm'),
      (e: unknown) => e instanceof FfmpegError && e.code === 'FFMPEG_INPUT_INVALID',
    );
  });
});
