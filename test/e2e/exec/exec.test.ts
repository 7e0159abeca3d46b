import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { jpegSize } from '../../../addon/src/pkg/mjpeg/index.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';
import { children, noZombies, producerError, waitForCount } from '../ffmpeg/procs.js';

/**
 * `exec:` (a command publishing to `{output}`, or writing MJPEG to stdout) and `echo:` (a command printing the
 * source URL), from the config, with real ffmpeg processes as the commands.
 */
const LAVFI_RTSP =
  'exec:ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc2=size=320x240:rate=25 -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -rtsp_transport tcp -f rtsp {output}';
const LAVFI_MJPEG =
  'exec:ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc2=size=160x120:rate=25 -c:v mjpeg -pix_fmt yuvj420p -f mjpeg -';

/** Children that run ffmpeg with this marker among their arguments (the tests' commands differ in size). */
const running = (marker: string): number =>
  children().filter((p) => p.state !== 'Z' && p.args.some((a) => a.includes(marker))).length;

describe('exec: and echo: sources', () => {
  let server: ConfiguredTs2rtc;
  const logs: string[] = [];
  before(async () => {
    const script = path.join(tmpdir(), `ts2rtc-echo-${process.pid}.sh`);
    await writeFile(script, `#!/bin/sh\necho "  ${LAVFI_RTSP.replace('320x240', '352x288')}  "\n`, { mode: 0o755 });
    server = await startConfigured(
      {
        exec: { allow_paths: ['ffmpeg', 'nonexistent-program-ts2rtc'] },
        streams: {
          rtsp: [LAVFI_RTSP],
          pipe: [LAVFI_MJPEG],
          echoed: [`echo:${script}`],
          missing: ['exec:nonexistent-program-ts2rtc {output}'],
          denied: ['exec:/bin/sh -c "sleep 1"'],
          exits: ['exec:ffmpeg -hide_banner -loglevel error -i /nonexistent.mp4 -f rtsp {output}'],
        },
      },
      logs,
    );
  });
  after(() => server?.stop());

  it('exec: with {output}: the process publishes into our RTSP server and readers get its stream', async () => {
    const probe = await ffprobeJson(server.rtspUrl('rtsp'), [], { timeoutMs: 20_000 });
    assert.deepEqual(
      probe.streams.map((s) => [s.codec_name, s.width, s.height]),
      [['h264', 320, 240]],
    );
    const frames = await countFrames(server.rtspUrl('rtsp'), { seconds: 2, fastProbe: false });
    assert.ok(frames.frames >= 45, `${frames.frames} frames in 2 s`);
    await waitForCount(() => running('320x240'), 0, 3000, 'exec process gone after the readers');
    await noZombies();
  });

  it('exec: without {output}: an MJPEG pipe becomes a JPEG track (snapshots and MJPEG as is)', async () => {
    const res = await fetch(`${server.api}/api/frame.jpeg?src=pipe`);
    assert.equal(res.status, 200);
    const jpeg = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(jpegSize(jpeg), { width: 160, height: 120 });
    const mjpeg = await countFrames(`${server.api}/api/stream.mjpeg?src=pipe`, { seconds: 2, fastProbe: false });
    assert.ok(mjpeg.frames >= 40, `${mjpeg.frames} MJPEG frames in 2 s`);
    await waitForCount(() => running('160x120'), 0, 3000, 'pipe process gone');
  });

  it('echo: runs the command and opens the URL it prints (here an exec: URL, allowed because it came from the config)', async () => {
    const probe = await ffprobeJson(server.rtspUrl('echoed'), [], { timeoutMs: 20_000 });
    assert.deepEqual(
      probe.streams.map((s) => [s.codec_name, s.width, s.height]),
      [['h264', 352, 288]],
    );
    assert.ok(
      logs.some((l) => l.includes('echo: source') && l.includes('352x288')),
      'the printed URL is logged at debug',
    );
    await waitForCount(() => running('352x288'), 0, 3000, 'echoed process gone');
  });

  it('shows why a command did not run or ended in /api/streams', async () => {
    const expected: Record<string, RegExp> = {
      missing: /EXEC_START_FAILED: exec: nonexistent-program-ts2rtc: program not found/,
      denied: /EXEC_NOT_ALLOWED: exec: \/bin\/sh is not in exec.allow_paths/,
      exits: /EXEC_EXITED: exec exited with code 1: .*nonexistent\.mp4: No such file or directory/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      const reading = assert.rejects(countFrames(server.rtspUrl(name), { seconds: 1, firstFrameTimeoutMs: 2000 }));
      await producerError(server.api, name, pattern);
      await reading;
    }
    await noZombies();
  });
});
