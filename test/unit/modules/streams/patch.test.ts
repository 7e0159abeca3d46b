import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../../../helpers/app.js';
import { TestConsumer, wantMedia } from '../../../helpers/test-consumer.js';
import { waitFor } from '../../../helpers/wait.js';
import { Ts2rtcError } from '../../../../addon/src/core/errors.js';

/**
 * StreamHub.patch, go2rtc's `streams.Patch` + `Stream.SetSource`: `{input}` templates are filled instead of
 * replaced, running sources keep running when the URL changes (Nest-style links), new streams are created.
 */
describe('StreamHub.patch', () => {
  const raws = (app: ReturnType<typeof createTestApp>, name: string): string[] =>
    app.streams.get(name)?.sources.map((u) => u.raw) ?? [];

  it('fills a {input} template and keeps its #options; refills on the next patch', () => {
    const app = createTestApp({ config: { streams: { 'camera.hall': 'test:{input}#video=H264' } } });
    app.streams.patch('camera.hall', 'rtsp://cam/1', 'api');
    assert.deepEqual(raws(app, 'camera.hall'), ['test:rtsp://cam/1#video=H264']);
    app.streams.patch('camera.hall', 'rtsp://cam/2?token=b', 'api');
    assert.deepEqual(raws(app, 'camera.hall'), ['test:rtsp://cam/2?token=b#video=H264']);
    // The filled URL keeps the template's origin (the config's options stay the config's).
    assert.deepEqual(
      app.streams.get('camera.hall')?.configuredSources.map((s) => s.origin),
      ['config'],
    );
  });

  it('refuses what cannot stand in for {input}: options, other schemes, blanks', () => {
    const app = createTestApp({ config: { streams: { 'camera.hall': 'test:{input}#video=H264' } } });
    for (const bad of ['rtsp://cam/1#raw=-f', 'exec:id', 'ffmpeg:rtsp://x', 'rtsp://cam/a b', 'test:{input}']) {
      assert.throws(
        () => app.streams.patch('camera.hall', bad, 'api'),
        (err: unknown) => err instanceof Ts2rtcError && err.code === 'SOURCE_FORBIDDEN',
        bad,
      );
    }
    assert.deepEqual(raws(app, 'camera.hall'), ['test:{input}#video=H264']);
  });

  it("{input} inside a #option is no template (the ffmpeg source's own placeholder)", () => {
    const app = createTestApp({ config: { streams: { cam: 'test:x#video=H264#input=-i {input}' } } });
    assert.equal(app.streams.get('cam')?.hasTemplates, false);
  });

  it('an unfilled template answers SOURCE_TEMPLATE_EMPTY when a consumer comes', async () => {
    const app = createTestApp({ config: { streams: { 'camera.hall': 'test:{input}#video=H264' } } });
    await assert.rejects(
      app.streams.get('camera.hall')!.addConsumer(new TestConsumer([wantMedia('video', 'H264')])),
      (err: unknown) =>
        err instanceof Ts2rtcError &&
        err.code === 'SOURCE_FAILED' &&
        err.message.includes('SOURCE_TEMPLATE_EMPTY: {input} has no URL yet'),
    );
    await app.stop();
  });

  it('a new URL for a playing source: the viewer keeps its producer; the next open uses the new URL', async () => {
    const app = createTestApp({ config: {} });
    app.streams.patch('camera.nest', 'test:first#video=H264', 'api');
    const viewer = new TestConsumer([wantMedia('video', 'H264')]);
    await app.streams.get('camera.nest')!.addConsumer(viewer);
    assert.equal(app.opened.length, 1);
    app.streams.patch('camera.nest', 'test:second#video=H264', 'api');
    assert.equal(app.opened.length, 1, 'nothing reopened while playing');
    assert.equal(app.opened[0]?.isClosed, false);
    assert.deepEqual(raws(app, 'camera.nest'), ['test:second#video=H264']);
    app.streams.get('camera.nest')!.removeConsumer(viewer);
    const next = new TestConsumer([wantMedia('video', 'H264')]);
    // After the idle stop (50 ms in the test app) the source reopens on the URL now configured.
    await waitFor(() => app.opened[0]?.isClosed, { timeoutMs: 2000, what: 'idle stop' });
    await app.streams.get('camera.nest')!.addConsumer(next);
    assert.equal(app.opened.length, 2);
    assert.equal(app.opened[1]?.toJSON().url, 'test:second#video=H264');
    await app.stop();
  });
});
