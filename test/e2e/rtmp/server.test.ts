import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertNoGaps } from '../../helpers/frames.js';
import { countFrames, ffprobeJson, publishTestStream, type Publisher } from '../../peers/ffmpeg.js';
import { publishToRtmp } from '../../../addon/src/modules/rtmp/index.js';
import { startNginxRtmp } from '../../peers/nginx-rtmp.js';
import { startProcess } from '../../peers/process.js';
import { waitFor } from '../../helpers/wait.js';
import { startTs2rtc, type RunningTs2rtc } from './harness.js';

/**
 * ts2rtc's RTMP server (`rtmp.listen`): ffmpeg publishes into a configured stream as OBS would, readers get it
 * over RTSP and back over RTMP (ffmpeg as the player, as ffplay would read it).
 */
const FPS = 25;
const SECONDS = 4;

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function ts2rtc(streams: Record<string, string | null>): Promise<RunningTs2rtc> {
  const server = await startTs2rtc(streams);
  cleanups.push(() => server.stop());
  return server;
}

async function publish(url: string): Promise<Publisher> {
  const publisher = await publishTestStream(url, { video: 'h264', audio: 'aac', fps: FPS });
  cleanups.push(() => publisher.stop());
  return publisher;
}

// Every test has its own server and publisher, so they run at once (one test at a time used a fraction of a
// core). Frames are counted over the stream time they cover (assertNoGaps): the live ffmpeg publishers encode
// slower than real time on a busy machine, which wall-clock windows counted as loss (this file used to run alone).
describe('RTMP server', { concurrency: true }, () => {
  it('ffmpeg publishes rtmp://…/cam → RTSP reader ≥ 95 % of the frames; an RTMP reader gets H264 + AAC back', async () => {
    const server = await ts2rtc({ cam: null });
    await publish(server.rtmpUrl('cam'));

    // The four readers at once, as four viewers would be (one window's time instead of four in turn).
    const [video, probe, back, audio] = await Promise.all([
      countFrames(server.rtspUrl('cam'), { seconds: SECONDS }),
      ffprobeJson(server.rtmpUrl('cam')),
      countFrames(server.rtmpUrl('cam'), { seconds: SECONDS }),
      countFrames(server.rtmpUrl('cam'), { seconds: 2, media: 'audio' }),
    ]);
    assertNoGaps('publish → RTSP video', video, FPS, 0.95);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], JSON.stringify(probe.streams));
    assertNoGaps('publish → RTMP video', back, FPS, 0.95);
    assertNoGaps('publish → RTMP audio', audio, 16000 / 1024, 0.95);
  });

  it('GET /api/stream.flv: ffmpeg reads the published stream as HTTP-FLV, ≥ 95 % of the frames, H264 + AAC', async () => {
    const server = await ts2rtc({ cam: null });
    await publish(server.rtmpUrl('cam'));
    const url = `${server.apiUrl}/api/stream.flv?src=cam`;
    const [probe, video] = await Promise.all([ffprobeJson(url), countFrames(url, { seconds: SECONDS })]);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], JSON.stringify(probe.streams));
    assertNoGaps('HTTP-FLV video', video, FPS, 0.95);
    const unknown = await fetch(`${server.apiUrl}/api/stream.flv?src=nope`);
    assert.equal(unknown.status, 404);
  });

  it('POST /api/stream.flv?dst=cam: ffmpeg publishes FLV over HTTP → RTSP reader ≥ 95 % of the frames', async () => {
    const server = await ts2rtc({ cam: null });
    const ffmpeg = startProcess({
      name: 'ffmpeg (POST flv)',
      command: 'ffmpeg',
      // prettier-ignore
      args: [
        '-hide_banner', '-nostdin', '-v', 'warning',
        '-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`, '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
        '-map', '0:v', '-map', '1:a', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-preset', 'ultrafast',
        '-g', String(FPS), '-c:a', 'aac', '-ac', '1', '-b:a', '32k', '-f', 'flv', '-method', 'POST', `${server.apiUrl}/api/stream.flv?dst=cam`,
      ],
    });
    cleanups.push(async () => void (await ffmpeg.stop({ signal: 'SIGINT', graceMs: 2000 })));
    await waitFor(
      async () => {
        const json = (await (await fetch(`${server.apiUrl}/api/streams?src=cam`)).json()) as {
          producers?: Array<{ format_name?: string }>;
        };
        return json.producers?.some((p) => p.format_name === 'flv');
      },
      { timeoutMs: 20000, intervalMs: 100, what: 'the FLV publisher on cam' },
    );
    const video = await countFrames(server.rtspUrl('cam'), { seconds: SECONDS });
    assertNoGaps('POST FLV → RTSP video', { ...video, stderr: `${video.stderr}\n${ffmpeg.stderr()}` }, FPS, 0.95);
  });

  it('publishToRtmp: a stream pushed to nginx-rtmp (go2rtc publish:), read back from nginx ≥ 95 % of the frames', async () => {
    const server = await ts2rtc({ cam: null });
    await publish(server.rtmpUrl('cam'));
    const nginx = await startNginxRtmp();
    cleanups.push(() => nginx.stop());
    const pushed = await publishToRtmp(server.server.app, 'cam', nginx.url('pushed'));
    cleanups.push(() => pushed.stop());
    const [probe, video] = await Promise.all([
      ffprobeJson(nginx.url('pushed')),
      countFrames(nginx.url('pushed'), { seconds: SECONDS }),
    ]);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], JSON.stringify(probe.streams));
    assertNoGaps('publishToRtmp → nginx video', video, FPS, 0.95);
    await assert.rejects(
      publishToRtmp(server.server.app, 'nope', nginx.url('x')),
      (err: Error & { code?: string }) => err.code === 'STREAM_NOT_FOUND',
    );
  });

  it('a publisher that freezes (ffmpeg stopped: its connection open, nothing sent) is let go after its timeout', async () => {
    const server = await startTs2rtc({ cam: null }, { tuning: { rtmp: { publisherTimeoutMs: 2000 } } });
    cleanups.push(() => server.stop());
    const publisher = await publish(server.rtmpUrl('cam'));
    const producers = (): number => server.server.app.streams.get('cam')?.toJSON().producers?.length ?? 0;
    await waitFor(() => producers() === 1, { timeoutMs: 5000, what: 'the publisher in the stream' });
    process.kill(publisher.pid, 'SIGSTOP');
    try {
      const started = performance.now();
      await waitFor(() => producers() === 0, { timeoutMs: 8000, what: 'the frozen publisher gone' });
      process.stderr.write(
        `rtmp publisher timeout 2 s: the frozen publisher left after ${(performance.now() - started).toFixed(0)} ms\n`,
      );
    } finally {
      process.kill(publisher.pid, 'SIGCONT');
    }
  });

  it('publishing into a stream that does not exist is refused, and ffmpeg says so', async () => {
    const server = await ts2rtc({ cam: null });
    await assert.rejects(publishTestStream(server.rtmpUrl('nope'), { startTimeoutMs: 10000 }), (err: Error) => {
      assert.match(err.message, /PEER_START_FAILED|exited|Publish|BadName|nope/i);
      return true;
    });
  });

  it('a second publisher takes over when the first leaves; readers come back', async () => {
    const server = await ts2rtc({ cam: null });
    const first = await publish(server.rtmpUrl('cam'));
    const a = await countFrames(server.rtspUrl('cam'), { seconds: 1 });
    assert.ok(a.frames > 0);
    await first.stop();
    await publish(server.rtmpUrl('cam'));
    const b = await countFrames(server.rtspUrl('cam'), { seconds: 2 });
    assertNoGaps('after re-publish', b, FPS, 0.9);
  });
});
