import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson, type FrameCount } from '../../peers/ffmpeg.js';
import { startFakeIvideon, type FakeIvideon } from '../../peers/fake_ivideon.js';
import { waitFor } from '../../helpers/wait.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';

/**
 * `ivideon:` against fake_ivideon (test/peers/fake_ivideon.ts: Ivideon is a cloud service; the fake answers
 * go2rtc's live_stream call and streams real ffmpeg fMP4 over a WebSocket on loopback). The source is given
 * the fake's address through TS2RTC_IVIDEON_API.
 */
function assertFrames(name: string, count: FrameCount, fps: number, ratio: number): void {
  const expected = (count.streamMs / 1000) * fps;
  console.log(
    `${name}: ${count.frames} frames covering ${count.streamMs} ms (expected ${expected.toFixed(0)}) in ${count.windowMs} ms; first after ${count.firstFrameMs} ms`,
  );
  assert.ok(count.streamMs >= 0.75 * count.windowMs, `only ${count.streamMs} ms of stream in ${count.windowMs} ms`);
  assert.ok(count.frames >= ratio * expected, `${count.frames} of ${expected.toFixed(0)} frames`);
}

async function streamError(server: ConfiguredTs2rtc, name: string): Promise<string> {
  // A reader makes the hub open the source; it fails, and the stream shows why.
  await countFrames(server.rtspUrl(name), { seconds: 1, firstFrameTimeoutMs: 3000 }).catch(() => undefined);
  return waitFor(
    async () => {
      const stream = (await (await fetch(`${server.api}/api/streams?src=${name}`)).json()) as {
        producers: Array<{ error?: string }>;
      };
      return stream.producers[0]?.error;
    },
    { timeoutMs: 10_000, what: `the ${name} stream's error` },
  );
}

describe('ivideon source (fake_ivideon)', () => {
  let fake: FakeIvideon;
  let server: ConfiguredTs2rtc;
  const saved = process.env['TS2RTC_IVIDEON_API'];

  before(async () => {
    fake = await startFakeIvideon([
      { id: '100-tu5dkUPct39cTp9oNEN2B6:0', state: 'online' },
      { id: '100-tu5dkUPct39cTp9oNEN2B6:1', state: 'offline' },
    ]);
    process.env['TS2RTC_IVIDEON_API'] = fake.base;
    server = await startConfigured({
      streams: {
        quailcam: 'ivideon:100-tu5dkUPct39cTp9oNEN2B6/0',
        offline: 'ivideon:100-tu5dkUPct39cTp9oNEN2B6/1',
        unknown: 'ivideon:100-nosuchcamera/0',
        malformed: 'ivideon:../../etc',
      },
    });
  });
  after(async () => {
    await server?.stop();
    await fake?.stop();
    if (saved === undefined) delete process.env['TS2RTC_IVIDEON_API'];
    else process.env['TS2RTC_IVIDEON_API'] = saved;
  });

  it('plays a public camera to an RTSP reader with ≥ 95 % of the frames (H264 640x360)', async () => {
    const count = await countFrames(server.rtspUrl('quailcam'), { seconds: 4, firstFrameTimeoutMs: 20_000 });
    assertFrames('ivideon', count, fake.fps, 0.95);
    const probe = await ffprobeJson(server.rtspUrl('quailcam'), [], { timeoutMs: 20_000 });
    assert.deepEqual(
      probe.streams.map((s) => [s.codec_name, s.width, s.height]),
      [['h264', 640, 360]],
    );
    assert.ok(
      fake.requests.includes('100-tu5dkUPct39cTp9oNEN2B6:0'),
      'the API was asked with the <server>:<camera> id',
    );
    // When the last reader leaves, the WebSocket closes and the camera's encoder stops.
    await waitFor(() => fake.encoders() === 0, { timeoutMs: 10_000, what: 'the live stream closed' });
  });

  it('a camera that is offline: IVIDEON_UNAVAILABLE with the API message', async () => {
    assert.equal(
      await streamError(server, 'offline'),
      "IVIDEON_UNAVAILABLE: can't get live_stream: Camera is offline (CAMERA_OFFLINE)",
    );
  });

  it('an unknown camera id: IVIDEON_UNAVAILABLE "Camera not found"; a malformed one never reaches the API', async () => {
    assert.equal(
      await streamError(server, 'unknown'),
      "IVIDEON_UNAVAILABLE: can't get live_stream: Camera not found (NOT_FOUND)",
    );
    const before = fake.requests.length;
    assert.match(
      await streamError(server, 'malformed'),
      /^IVIDEON_ID_INVALID: camera id "..\/..\/etc": expected <server>\/<camera>/,
    );
    assert.equal(fake.requests.length, before);
  });
});
