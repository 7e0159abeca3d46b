import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';
import { AAC_FRAMES_PER_S, startHttpCamera, type HttpCamera } from './http-camera.js';
import { assertNoGaps } from '../../helpers/frames.js';

/**
 * Live formats the http(s) source hands to ffmpeg, with the AAC audio cameras and HLS servers send
 * (http-camera.ts: real ffmpeg output, H264 + AAC): HLS with MPEG-TS segments, raw MPEG-TS and HTTP-FLV.
 * MPEG-TS carries AAC as ADTS, which ffmpeg cannot copy into RTSP ("AAC with no global headers"): the audio
 * must arrive all the same. RTSP readers (ffmpeg) decode and count the frames of each track. The time to
 * the first frame is measured for the hand-off's live probing and, in the same run, for the plain
 * `ffmpeg:<url>` source (ffmpeg's default probing, the time before this change); only their order is
 * asserted, the numbers are printed. Chromium plays the same formats in chromium.test.ts.
 */

// Every test has its own stream (its own source and readers), so they all run at once: with one test at a time
// the file used about 0.3 of a core for 100 s; at once 0.5 for 33 s. It runs in the parallel pool: frames are
// counted over the stream time they cover (assertNoGaps), so an encoder or reader slowed by other files does
// not fail it, and the first-frame times are only compared with each other (the default probing took 2.3-5.6
// times as long in 9 runs at load 8-15, 1.3 times at worst at load 20-28). The Chromium playback, which counts
// frames per second of media played, runs alone in chromium.test.ts.
/**
 * How long a reader or a probe waits for a stream's first frame, the probes as long as the readers: each waits for
 * the same source (an ffmpeg fed by one of the camera's, then probing its input). The 20 s the probes had ran out
 * 7 times in 24 at load 15-28, 4 of them late MPEG-TS, whose first frame alone takes 8-20 s at load 8-15.
 */
const FIRST_FRAME_MS = 30_000;

describe('http(s) source: live MPEG-TS, FLV and HLS with AAC', { concurrency: true }, () => {
  let camera: HttpCamera;
  let server: ConfiguredTs2rtc;
  let unique = 0;
  before(async () => {
    camera = await startHttpCamera({ hls: true });
    server = await startConfigured({});
  });
  after(async () => {
    await server?.stop();
    await camera?.stop();
  });

  /** A new stream each time, so its source starts for the reader that measures. */
  async function put(src: string): Promise<string> {
    const name = `live${++unique}`;
    const res = await fetch(`${server.api}/api/streams?name=${name}&src=${encodeURIComponent(src)}`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
    return name;
  }

  // The windows are 3 s (were 5 s): the assertions are ratios of the window, 75 video and 140 audio frames each.
  describe('to RTSP readers', { concurrency: true }, () => {
    for (const [kind, pathname] of [
      ['HLS (MPEG-TS segments)', '/hls-ts/index.m3u8'],
      ['MPEG-TS', '/live.ts'],
      ['FLV', '/live.flv'],
    ] as const) {
      it(`${kind} with AAC: video and audio reach an RTSP reader with ≥ 90 % of the frames`, async () => {
        const name = await put(`${camera.base}${pathname}`);
        // Two readers at once, as two viewers would be (the time of one window instead of two).
        const [video, audio, probe] = await Promise.all([
          countFrames(server.rtspUrl(name), { seconds: 3, fastProbe: false, firstFrameTimeoutMs: FIRST_FRAME_MS }),
          countFrames(server.rtspUrl(name), {
            seconds: 3,
            media: 'audio',
            fastProbe: false,
            firstFrameTimeoutMs: FIRST_FRAME_MS,
          }),
          ffprobeJson(server.rtspUrl(name), [], { timeoutMs: FIRST_FRAME_MS }),
        ]);
        assertNoGaps(`${kind} video`, video, camera.fps);
        assertNoGaps(`${kind} audio`, audio, AAC_FRAMES_PER_S);
        assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
        const streams = (await (await fetch(`${server.api}/api/streams?src=${name}`)).json()) as {
          producers: Array<{ error?: string }>;
        };
        assert.equal(streams.producers.find((p) => p.error)?.error, undefined);
      });
    }
  });

  for (const [kind, pathname] of [
    ['MPEG-TS', '/live.ts'],
    ['FLV', '/live.flv'],
  ] as const) {
    it(`${kind}: the first frame comes sooner with the live probing than with ffmpeg's default`, async () => {
      // The reader probes minimally, so its first frame time is the source's.
      const first = async (src: string): Promise<number> => {
        const count = await countFrames(server.rtspUrl(await put(src)), {
          seconds: 1,
          fastProbe: true,
          firstFrameTimeoutMs: FIRST_FRAME_MS,
        });
        return count.firstFrameMs;
      };
      // Video only: ffmpeg's default path cannot copy MPEG-TS's AAC at all.
      const before = await first(`ffmpeg:${camera.base}${pathname}#video=copy`);
      const now = await first(`${camera.base}${pathname}`);
      console.log(
        `MEASURED ${kind} first frame at an RTSP reader: ${now} ms through the http source (ffmpeg's default probing: ${before} ms)`,
      );
      assert.ok(now < before, `${now} ms, default probing ${before} ms`);
    });
  }

  it('MPEG-TS joined mid-GOP (video parameters 2.5 s after the first byte, after the probing) still plays', async () => {
    const name = await put(`${camera.base}/late.ts`);
    const [video, probe] = await Promise.all([
      countFrames(server.rtspUrl(name), { seconds: 3, fastProbe: false, firstFrameTimeoutMs: FIRST_FRAME_MS }),
      ffprobeJson(server.rtspUrl(name), [], { timeoutMs: FIRST_FRAME_MS }),
    ]);
    assertNoGaps('late MPEG-TS video', video, camera.fps);
    const h264 = probe.streams.find((s) => s.codec_name === 'h264');
    assert.deepEqual([h264?.width, h264?.height], [320, 240]);
  });
});
