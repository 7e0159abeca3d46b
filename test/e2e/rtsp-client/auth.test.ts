import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { countWindow, producerJson, startApp, Viewer, type RtspTestApp } from './helpers.js';

// A password with every character that must be percent-encoded in a URL's userinfo.
const PASSWORD = 'p@ss:w/rd%#?';

describe('RTSP client: camera authentication', () => {
  let app: RtspTestApp;
  let basic: GstCamera;
  let digest: GstCamera;
  let open: GstCamera;

  before(async () => {
    app = startApp();
    [basic, digest, open] = await Promise.all([
      startGstCamera({ video: 'h264', auth: 'basic', user: 'admin', password: PASSWORD }),
      startGstCamera({ video: 'h264', audio: 'pcmu', auth: 'digest', user: 'viewer', password: PASSWORD }),
      startGstCamera({ video: 'h264' }),
    ]);
  });
  after(async () => {
    await app.stop();
    await Promise.all([basic?.stop(), digest?.stop(), open?.stop()]);
  });

  for (const kind of ['basic', 'digest'] as const) {
    it(`${kind}: credentials from the URL (percent-encoded) play`, async () => {
      const camera = kind === 'basic' ? basic : digest;
      assert.match(camera.authUrl, /%40/, 'the test URL carries an encoded @');
      const stream = app.streams.set(kind, [camera.authUrl], 'config');
      const viewer = new Viewer(['video']);
      await stream.addConsumer(viewer);
      await viewer.waitFor('video', 25);
      assert.equal(viewer.of('video')[0]?.codec.name, 'H264');
      const json = producerJson(stream);
      assert.equal(json['format_name'], 'rtsp');
      assert.equal(json['error'], undefined);
      await viewer.stop();
      await app.streams.delete(kind);
    });
  }

  it('a wrong password: RTSP_401 with the URL (password masked) on the stream and in the log; other streams play on', async () => {
    const good = app.streams.set('good', [open.url], 'config');
    const goodViewer = new Viewer(['video']);
    await good.addConsumer(goodViewer);

    const wrongUrl = digest.authUrl.replace(encodeURIComponent(PASSWORD), 'nope');
    assert.notEqual(wrongUrl, digest.authUrl);
    const bad = app.streams.set('bad', [wrongUrl], 'config');
    const failures: string[] = [];
    // Viewers of the bad stream keep trying (as a player reconnecting would) while the good one is measured.
    let trying = true;
    const retry = (async () => {
      while (trying) {
        await bad.addConsumer(new Viewer(['video'])).then(
          () => failures.push('unexpected success'),
          (err: unknown) => failures.push(err instanceof Error ? err.message : String(err)),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const window = await countWindow(goodViewer, 'video', 5000);
    trying = false;
    await retry;

    process.stderr.write(
      `good stream: ${window.frames} frames in 5 s while ${failures.length} viewers of the bad one failed\n`,
    );
    assert.ok(window.frames >= 119, `good stream: ${window.frames} frames in 5 s`);
    assert.ok(failures.length >= 10, `${failures.length} failed attempts`);
    assert.ok(
      failures.every((f) => f.includes('RTSP_401')),
      failures[0],
    );

    const json = producerJson(bad);
    const error = String(json['error']);
    assert.match(
      error,
      /^RTSP_401: Unauthorized \(DESCRIBE rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/stream: wrong user or password\)$/,
    );
    assert.equal(json['url'], wrongUrl, 'the configured URL stays the producer url (the API masks it)');

    const logged = app.logLines.filter((l) => l.includes('RTSP_401'));
    assert.ok(logged.length > 0, 'the failure is in the log');
    const ours = logged.filter((l) => l.includes('"module":"rtsp"'));
    assert.ok(ours.length > 0);
    for (const line of ours) {
      assert.ok(!line.includes('nope'), `no password in the log: ${line}`);
      assert.match(line, /"level":40/);
    }
    // One 401 per attempt: no retry without the backchannel, which would only add failed logins.
    const connects = digest
      .stderr()
      .split('\n')
      .filter((l) => l.includes('client connected')).length;
    assert.ok(connects <= failures.length + 3, `${connects} connections for ${failures.length} attempts`);
    await goodViewer.stop();
  });

  it('no credentials for a camera that wants them: RTSP_401 saying so', async () => {
    const stream = app.streams.set('anonymous', [basic.url], 'config');
    await assert.rejects(stream.addConsumer(new Viewer(['video'])), /RTSP_401/);
    assert.match(String(producerJson(stream)['error']), /the camera wants a user and password, the URL has none/);
  });
});
