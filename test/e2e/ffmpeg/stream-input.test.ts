import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { runProcess } from '../../peers/process.js';
import { waitFor } from '../../helpers/wait.js';
import { startHttpCamera, type HttpCamera } from '../http-source/http-camera.js';
import { startConfigured, type ConfiguredTs2rtc } from './harness.js';
import { noZombies, sourceFfmpegs, waitForCount } from './procs.js';

interface StreamInfo {
  producers: Array<{ url?: string; error?: string; medias?: string[] }> | null;
  consumers: Array<{ user_agent?: string }> | null;
}

/**
 * `ffmpeg:<our stream>` sources as Home Assistant adds them (`[<camera URL>, ffmpeg:camera.x#audio=opus]`),
 * with a real MJPEG camera over HTTP (no audio) and real ffmpeg readers:
 * - the ffmpeg source learns from the stream that there is no audio to transcode, without running ffmpeg:
 *   a reader gets the camera's video at once and nothing waits for an ffmpeg that cannot deliver;
 * - an RTSP reader (ffmpeg) that gives up while its DESCRIBE waits for a source to start leaves no consumer
 *   behind, and the source's ffmpeg is stopped and reaped.
 */
describe('ffmpeg: sources that read our own streams, and readers that leave early', () => {
  let camera: HttpCamera;
  let server: ConfiguredTs2rtc;
  let silent: http.Server;
  const sockets = new Set<Socket>();
  before(async () => {
    camera = await startHttpCamera();
    // An HTTP server that accepts and never answers: an ffmpeg source reading it never publishes.
    silent = http.createServer(() => undefined);
    silent.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    server = await startConfigured({
      streams: {
        mjpegcam: [`${camera.base}/video.mjpg`, 'ffmpeg:mjpegcam#audio=opus#query=log_level=debug'],
        stalled: [`ffmpeg:http://127.0.0.1:${port}/never#video=h264/ultra`],
      },
    });
  });
  after(async () => {
    await server?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
    await camera?.stop();
  });

  async function stream(name: string): Promise<StreamInfo> {
    return (await (await fetch(`${server.api}/api/streams?src=${name}`)).json()) as StreamInfo;
  }

  it('an MJPEG camera with ffmpeg:camera#audio=opus: video plays, the missing audio starts no ffmpeg and keeps nobody waiting', async () => {
    const probe = await ffprobeJson(server.rtspUrl('mjpegcam?video&audio'), [], { timeoutMs: 20_000 });
    assert.deepEqual(
      probe.streams.map((s) => s.codec_name),
      ['mjpeg'],
    );
    const video = await countFrames(server.rtspUrl('mjpegcam'), {
      seconds: 2,
      fastProbe: false,
      firstFrameTimeoutMs: 20_000,
    });
    assert.ok(video.frames > 0);
    // Audio alone: refused at DESCRIBE (codecs not matched), at once rather than after ffmpeg's 5 s timeout.
    const started = performance.now();
    await assert.rejects(
      countFrames(server.rtspUrl('mjpegcam?audio'), { seconds: 1, firstFrameTimeoutMs: 20_000 }),
      /404|Not Found/i,
    );
    const refusedMs = performance.now() - started;
    console.log(`MEASURED audio-only reader of an MJPEG camera refused after ${refusedMs.toFixed(0)} ms`);
    assert.equal(sourceFfmpegs(server.rtspPort).length, 0, 'no ffmpeg runs for audio the stream does not have');
    const info = await stream('mjpegcam');
    assert.deepEqual(info.producers?.[1]?.medias ?? [], []);
    await waitFor(async () => (await stream('mjpegcam')).consumers === null, {
      timeoutMs: 10_000,
      what: 'no consumer left on mjpegcam',
    });
  });

  it('a reader that gives up during a DESCRIBE waiting for its source leaves no consumer, and the source ffmpeg is reaped', async () => {
    const reader = await runProcess({
      name: 'ffmpeg (impatient reader)',
      command: 'ffmpeg',
      debianPackage: 'ffmpeg',
      args: [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-rtsp_transport',
        'tcp',
        '-timeout',
        '1500000',
        '-i',
        server.rtspUrl('stalled'),
        '-f',
        'null',
        '-',
      ],
      timeoutMs: 20_000,
    });
    assert.notEqual(reader.code, 0, 'the reader got nothing and gave up');
    const gone = performance.now();
    await waitFor(async () => (await stream('stalled')).consumers === null, {
      timeoutMs: 10_000,
      what: 'the reader is no longer listed',
    });
    console.log(`MEASURED consumer removed ${(performance.now() - gone).toFixed(0)} ms after the reader exited`);
    await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 15_000, 'source ffmpegs');
    await noZombies(5000);
  });
});
