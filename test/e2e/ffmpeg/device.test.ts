import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { countFrames } from '../../peers/ffmpeg.js';
import { startConfigured, type ConfiguredTs2rtc } from './harness.js';
import { noZombies, producerError } from './procs.js';

/**
 * `ffmpeg:device?…` (V4L2 video, ALSA audio). This machine has no capture device, so these tests check what
 * can be checked without one: the device listing answers as go2rtc does when there is nothing to list, and a
 * device source runs ffmpeg with the README's parameters turned into V4L2/ALSA input options (read from the
 * debug log), failing visibly in /api/streams. The argument lists themselves are unit-tested
 * (test/unit/pkg/ffmpeg/args.test.ts).
 */
const hasVideoDevice = readdirSync('/dev').some((n) => n.startsWith('video'));

describe('ffmpeg: devices (no capture device on this machine)', () => {
  let server: ConfiguredTs2rtc;
  const logs: string[] = [];
  before(async () => {
    server = await startConfigured(
      {
        streams: {
          usb: ['ffmpeg:device?video=0&resolution=1280x720&framerate=30&input_format=mjpeg#video=h264'],
          mic: ['ffmpeg:device?audio=hw:9&channels=1&sample_rate=16000#audio=opus'],
        },
      },
      logs,
    );
  });
  after(() => server?.stop());

  it(
    '/api/ffmpeg/devices lists what exists (here: nothing, so 404 "no sources" as go2rtc)',
    { skip: hasVideoDevice && 'a V4L2 device exists here' },
    async (t) => {
      const res = await fetch(`${server.api}/api/ffmpeg/devices`);
      const body = await res.text();
      t.diagnostic(`/api/ffmpeg/devices: ${res.status} ${body.trim()}`);
      if (res.status === 200) {
        // An ALSA default device can exist without any camera.
        assert.deepEqual(
          (JSON.parse(body) as { sources: Array<{ name: string }> }).sources.map((s) => s.name),
          ['ALSA default'],
        );
      } else {
        assert.equal(res.status, 404);
        assert.equal(body, 'no sources\n');
      }
    },
  );

  it('a device source runs ffmpeg with V4L2/ALSA options and shows the failure in /api/streams', async () => {
    for (const [name, media] of [
      ['usb', 'video'],
      ['mic', 'audio'],
    ] as const) {
      const reading = assert.rejects(
        countFrames(server.rtspUrl(name), { seconds: 1, media, firstFrameTimeoutMs: 2000 }),
      );
      await producerError(server.api, name, /EXEC_EXITED: ffmpeg exited with code \d+/);
      await reading;
    }
    const started = logs.filter((l) => l.includes('ffmpeg: started'));
    assert.ok(
      started.some((l) =>
        l.includes('-f v4l2 -video_size 1280x720 -framerate 30 -input_format mjpeg -i 0 -c:v libx264'),
      ),
      'V4L2 arguments',
    );
    assert.ok(
      started.some((l) => l.includes('-f alsa -channels 1 -sample_rate 16000 -i hw:9 -c:a libopus')),
      'ALSA arguments',
    );
    await noZombies();
  });
});
