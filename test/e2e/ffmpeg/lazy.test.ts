import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { startTs2rtc, type RunningTs2rtc } from '../rtsp-server/server-harness.js';
import { noZombies, producerError, sourceFfmpegs, waitForCount } from './procs.js';

/**
 * Codec-driven lazy transcoding, the README's Dahua example with a real camera (GStreamer, H264 + AAC):
 * ffmpeg runs only for a consumer that needs Opus, once for all of them, and goes away with the last one.
 * Processes are counted in /proc (the server runs in this test process, so its ffmpegs are our children).
 */
describe('ffmpeg: only when a consumer needs it (Dahua example)', () => {
  let cam: GstCamera;
  let server: RunningTs2rtc;
  const logs: string[] = [];
  before(async () => {
    cam = await startGstCamera({ video: 'h264', audio: 'aac' });
    const dead = await freeTcpPort();
    server = await startTs2rtc(
      {
        streams: {
          dahua: [cam.url, `ffmpeg:${cam.url}#audio=opus`],
          broken: [`ffmpeg:rtsp://127.0.0.1:${dead}/nothing#audio=opus`],
          restart: [`ffmpeg:${cam.url}#video=h264/ultra`],
        },
      },
      logs,
    );
  });
  after(async () => {
    await server?.stop();
    await cam?.stop();
  });

  /** Runs `work` while sampling the number of source ffmpegs; returns its result and the counts seen. */
  async function sampling<T>(work: Promise<T>): Promise<{ result: T; counts: Set<number>; pids: Set<number> }> {
    const counts = new Set<number>();
    const pids = new Set<number>();
    let done = false;
    const sampler = (async () => {
      while (!done) {
        const procs = sourceFfmpegs(server.rtspPort);
        counts.add(procs.length);
        for (const p of procs) pids.add(p.pid);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    try {
      return { result: await work, counts, pids };
    } finally {
      done = true;
      await sampler;
    }
  }

  it('an RTSP reader taking the camera AAC starts no ffmpeg', async () => {
    const { result, counts } = await sampling(
      Promise.all([
        ffprobeJson(server.rtspUrl('dahua')),
        countFrames(server.rtspUrl('dahua'), { seconds: 2, media: 'audio' }),
      ]),
    );
    const [probe, audio] = result;
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(audio.frames > 20, `${audio.frames} AAC frames`);
    assert.deepEqual([...counts], [0], 'no ffmpeg at any time');
  });

  it('consumers that want Opus get it from exactly one ffmpeg, which is gone within the grace period after them', async (t) => {
    const first = countFrames(server.rtspUrl('dahua?video&audio=opus'), { seconds: 4, media: 'audio' });
    // A second Opus consumer joins while the first plays: still one process.
    const second = waitFor(() => sourceFfmpegs(server.rtspPort).length === 1, {
      timeoutMs: 10_000,
      what: 'ffmpeg running',
    }).then(() => countFrames(server.rtspUrl('dahua?audio=opus'), { seconds: 2, media: 'audio' }));
    const probe = waitFor(() => sourceFfmpegs(server.rtspPort).length === 1, {
      timeoutMs: 10_000,
      what: 'ffmpeg running',
    }).then(() => ffprobeJson(server.rtspUrl('dahua?video&audio=opus')));
    const { result, counts, pids } = await sampling(Promise.all([first, second, probe]));
    const [a, b, p] = result;
    assert.ok(a.frames >= 150, `first consumer: ${a.frames} Opus frames in 4 s (50/s)`);
    assert.ok(b.frames >= 70, `second consumer: ${b.frames} Opus frames in 2 s`);
    assert.deepEqual(p.streams.map((s) => `${s.codec_name}/${s.sample_rate ?? ''}`).sort(), ['h264/', 'opus/48000']);
    assert.equal(Math.max(...counts), 1, `ffmpeg counts seen: ${[...counts].join(',')}`);
    assert.equal(pids.size, 1, 'the same process served both');
    const goneMs = await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 3000, 'ffmpeg gone');
    t.diagnostic(`ffmpeg gone ${goneMs.toFixed(0)} ms after the last consumer (hub grace 200 ms + SIGTERM)`);
    assert.ok(goneMs < 1500, `gone after ${goneMs} ms`);
    await noZombies();
  });

  it('a process that fails is restarted by the hub with backoff, and its stderr shows in /api/streams', async () => {
    const started = (): number =>
      logs.filter((l) => l.includes('ffmpeg: started') && l.includes('stream=broken')).length;
    // The hub restarts the process only while someone waits for it: this reader waits 6 s. With 2.5 s, a run
    // on a loaded machine saw the reader give up before the first ffmpeg had started, failed and been retried.
    const reading = assert.rejects(
      countFrames(server.rtspUrl('broken?audio=opus'), { seconds: 1, media: 'audio', firstFrameTimeoutMs: 6000 }),
    );
    await producerError(server.apiUrl, 'broken', /EXEC_EXITED: ffmpeg exited with code \d+: .*Connection refused/);
    await waitFor(() => started() >= 2, { timeoutMs: 6000, what: 'a second ffmpeg start (the hub retrying)' });
    await reading;
    assert.ok(
      logs.some((l) => l.includes('source reconnect scheduled') && l.includes('nothing')),
      'the hub scheduled the restarts',
    );
    assert.ok(
      logs.some((l) => / DBG \[ffmpeg\] ffmpeg: .*Connection refused.*stream=broken/.test(l)),
      'stderr is logged at debug with the stream name',
    );
    await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 3000, 'no ffmpeg left');
    await noZombies();
  });

  it('a process killed while streaming is replaced and the reader keeps receiving', async (t) => {
    // Default probing, as real players do: the SDP of a lazily started encoder has no sprop-parameter-sets
    // (they come in-band with every key frame), which ffmpeg's 32-byte probe cannot always wait for.
    const reading = countFrames(server.rtspUrl('restart?video'), { seconds: 5, fastProbe: false });
    const encoders = (): ReturnType<typeof sourceFfmpegs> =>
      sourceFfmpegs(server.rtspPort).filter((p) => p.args.includes('libx264'));
    const [victim] = await waitFor(
      () => {
        const procs = encoders();
        return procs.length === 1 ? procs : undefined;
      },
      { timeoutMs: 10_000, what: 'ffmpeg running' },
    );
    assert.ok(victim);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.kill(victim.pid, 'SIGKILL');
    const [replacement] = await waitFor(
      () => {
        const procs = encoders().filter((p) => p.pid !== victim.pid);
        return procs.length === 1 ? procs : undefined;
      },
      { timeoutMs: 10_000, what: 'a new ffmpeg' },
    );
    assert.notEqual(replacement?.pid, victim.pid);
    const frames = await reading;
    t.diagnostic(`${frames.frames} frames in 5 s across the restart`);
    assert.ok(frames.frames >= 60, `${frames.frames} frames`);
    const late = frames.lines.slice(-25).length;
    assert.equal(late, 25, 'frames still arrive at the end');
    await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 3000, 'no ffmpeg left');
    await noZombies();
  });
});
