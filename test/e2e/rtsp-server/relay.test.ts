import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { audioLevel, countFrames } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { countFramesGst, runBackchannelClient } from '../../peers/gst-client.js';
import { waitFor } from '../../helpers/wait.js';
import { startTs2rtc, type RunningTs2rtc } from './server-harness.js';

/**
 * The whole RTSP path a user runs: a GStreamer fake IP camera → ts2rtc's RTSP client → hub → ts2rtc's RTSP
 * server → ffmpeg / GStreamer readers, including the ONVIF backchannel from a reader to the camera's speaker.
 */
const cameras: GstCamera[] = [];
const servers: RunningTs2rtc[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(cameras.map((c) => c.stop()));
});

async function camera(options: Parameters<typeof startGstCamera>[0]): Promise<GstCamera> {
  const cam = await startGstCamera(options);
  cameras.push(cam);
  return cam;
}

async function ts2rtc(streams: Record<string, string | null>): Promise<RunningTs2rtc> {
  const server = await startTs2rtc({ streams });
  servers.push(server);
  return server;
}

describe('camera → ts2rtc → readers over RTSP', () => {
  for (const audio of ['pcmu', 'aac', 'opus'] as const) {
    it(`relays H264 + ${audio} with >= 95% of the frames over TCP and UDP`, async () => {
      const cam = await camera({
        video: 'h264',
        audio,
        auth: audio === 'aac' ? 'basic' : 'digest',
        user: 'admin',
        password: 'secret',
      });
      const server = await ts2rtc({ cam: cam.authUrl });
      // The four readers at once, as four viewers of one camera (one 5 s window instead of four in a row).
      const [tcp, udp, sound, gst] = await Promise.all([
        countFrames(server.rtspUrl('cam'), { seconds: 5, transport: 'tcp' }),
        countFrames(server.rtspUrl('cam'), { seconds: 5, transport: 'udp' }),
        countFrames(server.rtspUrl('cam?audio'), { seconds: 3, media: 'audio' }),
        countFramesGst(server.rtspUrl('cam'), { seconds: 3 }),
      ]);
      for (const [transport, video] of [
        ['tcp', tcp],
        ['udp', udp],
      ] as const) {
        assert.ok(video.frames >= 119, `${audio}/${transport}: ${video.frames} of 125 frames in 5 s`);
      }
      assert.ok(sound.streamMs >= 2800, `${audio}: ${sound.streamMs} ms of audio in 3 s`);
      assert.ok(gst.frames >= 71, `${audio}: GStreamer read ${gst.frames} of 75 frames`);
    });
  }

  it('shows a wrong camera password in /api/streams while other streams keep their frame rate', async () => {
    const cam = await camera({ video: 'h264', audio: 'none', auth: 'digest', user: 'admin', password: 'secret' });
    const wrong = cam.authUrl.replace('admin:secret@', 'admin:nope@');
    const server = await ts2rtc({ good: cam.authUrl, bad: wrong });
    const reading = countFrames(server.rtspUrl('good'), { seconds: 4 });
    await assert.rejects(countFrames(server.rtspUrl('bad'), { seconds: 1, firstFrameTimeoutMs: 5000 }));
    const json = (await (await fetch(`${server.apiUrl}/api/streams?src=bad`)).json()) as {
      producers: Array<{ url: string; error?: string }>;
    };
    assert.match(json.producers[0]?.error ?? '', /RTSP_401/);
    assert.doesNotMatch(JSON.stringify(json), /nope/, 'the password is masked');
    const good = await reading;
    assert.ok(good.frames >= 95, `${good.frames} of 100 frames on the good stream meanwhile`);
  });

  it("carries a reader's ONVIF backchannel audio to the camera's speaker", async () => {
    const cam = await camera({ video: 'h264', audio: 'pcmu', onvif: true, backchannel: 'pcmu' });
    const server = await ts2rtc({ door: cam.url });
    const result = await runBackchannelClient(server.rtspUrl('door'), { seconds: 3, volume: 0.5 });
    assert.equal(result.codec, 'PCMU');
    assert.ok(result.pushed >= 100, `${result.pushed} backchannel packets pushed`);
    assert.ok(result.received > 0, 'the reader got the camera media meanwhile');
    const file = cam.backchannelFile;
    assert.ok(file && cam.backchannelFormat);
    const level = await waitFor(
      async () => {
        const l = await audioLevel(file, cam.backchannelFormat).catch(() => undefined);
        return l && l.seconds >= 2 ? l : undefined;
      },
      { timeoutMs: 5000, what: 'audio in the camera file' },
    );
    assert.ok(
      level.rmsDb > -30,
      `camera recorded ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s`,
    );
  });
});
