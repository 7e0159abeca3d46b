import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countFrames, ffprobeJson, publishTestStream, type Publisher } from '../../peers/ffmpeg.js';
import { waitFor } from '../../helpers/wait.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';

/**
 * go2rtc README "Module: Hass → From Hass to go2rtc": a stream configured by entity id with a `{input}`
 * template takes the URL Home Assistant sends in place of `{input}`, through the RTSPtoWeb add (what HA's
 * rtsp_to_webrtc sends before each offer) and PATCH /api/streams. The camera is a real ffmpeg publishing
 * H264 + PCMU into our own RTSP server; the template turns the audio into Opus with a real ffmpeg.
 */
interface StreamJson {
  producers: Array<{ url?: string; error?: string }> | null;
}

describe('{input} templates (Home Assistant → ts2rtc)', () => {
  let server: ConfiguredTs2rtc;
  let camera: Publisher;
  let cameraUrl: string;
  before(async () => {
    server = await startConfigured({
      streams: {
        'camera.hall': ['ffmpeg:{input}#video=copy#audio=opus'],
        'camera.unset': ['ffmpeg:{input}#video=copy#audio=opus'],
        cam: [],
      },
    });
    cameraUrl = server.rtspUrl('cam');
    camera = await publishTestStream(cameraUrl, { video: 'h264', audio: 'pcmu', size: '320x240' });
  });
  after(async () => {
    await camera?.stop();
    await server?.stop();
  });

  const producers = async (name: string): Promise<Array<{ url?: string; error?: string }>> => {
    const res = await fetch(`${server.api}/api/streams?src=${encodeURIComponent(name)}`);
    return ((await res.json()) as StreamJson).producers ?? [];
  };

  it('RTSPtoWeb /stream/{id}/add fills the template: the stream plays H264 and Opus made from the PCMU camera', async () => {
    const res = await fetch(`${server.api}/stream/camera.hall/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'camera.hall', channels: { '0': { name: 'camera.hall', url: cameraUrl } } }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(
      (await producers('camera.hall')).map((p) => p.url),
      [`ffmpeg:${cameraUrl}#video=copy#audio=opus`],
    );
    const probe = await ffprobeJson(server.rtspUrl('camera.hall'), [], { timeoutMs: 30_000 });
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['h264', 'opus']);
    const audio = await countFrames(server.rtspUrl('camera.hall'), {
      seconds: 2,
      media: 'audio',
      fastProbe: false,
      firstFrameTimeoutMs: 30_000,
    });
    console.log(`camera.hall: ${audio.frames} Opus frames in ${audio.windowMs} ms`);
    // 20 ms Opus frames: 50 a second.
    assert.ok(audio.frames >= 0.9 * 50 * (audio.windowMs / 1000), `${audio.frames} Opus frames`);
  });

  it('PATCH /api/streams with a new URL (Nest-style links change on every request) refills the template', async () => {
    const fresh = `${cameraUrl}?token=second`;
    const res = await fetch(`${server.api}/api/streams?name=camera.hall&src=${encodeURIComponent(fresh)}`, {
      method: 'PATCH',
    });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(
      (await producers('camera.hall')).map((p) => p.url),
      [`ffmpeg:${fresh}#video=copy#audio=opus`],
    );
  });

  it("what stands in for {input} must be a camera URL without #options (the template's options are the config's)", async () => {
    for (const bad of [`${cameraUrl}#raw=-f null`, 'ffmpeg:rtsp://x/y', '/etc/passwd', 'exec:sh']) {
      const res = await fetch(`${server.api}/api/streams?name=camera.hall&src=${encodeURIComponent(bad)}`, {
        method: 'PATCH',
      });
      assert.ok(res.status === 403 || res.status === 400, `${bad}: ${res.status}`);
      const body = (await res.json()) as { code: string };
      assert.ok(['SOURCE_FORBIDDEN', 'SOURCE_URL_INVALID'].includes(body.code), `${bad}: ${body.code}`);
    }
    assert.deepEqual(
      (await producers('camera.hall')).map((p) => p.url),
      [`ffmpeg:${cameraUrl}?token=second#video=copy#audio=opus`],
    );
  });

  it('a template nobody filled yet answers a typed error and leaves other streams alone', async () => {
    await assert.rejects(countFrames(server.rtspUrl('camera.unset'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    await waitFor(
      async () =>
        (await producers('camera.unset'))[0]?.error?.includes('SOURCE_TEMPLATE_EMPTY') ||
        (await producers('camera.unset'))[0]?.error?.includes('{input} has no URL yet'),
      { timeoutMs: 5000, what: 'the template error' },
    );
    const probe = await ffprobeJson(server.rtspUrl('cam'), [], { timeoutMs: 20_000 });
    assert.equal(probe.streams.length, 2);
  });

  it('a stream created on the fly by entity id keeps its URL current on every add', async () => {
    for (const token of ['a', 'b', 'c']) {
      const url = `${cameraUrl}?token=${token}`;
      const res = await fetch(`${server.api}/stream/camera.nest/add`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'camera.nest', channels: { '0': { url } } }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        (await producers('camera.nest')).map((p) => p.url),
        [url],
      );
    }
  });
});
