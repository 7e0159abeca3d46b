import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OnvifClient, parseOnvifUrl } from '../../../addon/src/modules/onvif/index.js';
import { countFrames, type FrameCount } from '../../peers/ffmpeg.js';
import { startFakeOnvif, type FakeOnvif } from '../../peers/fake_onvif.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';

/**
 * ONVIF against fake_onvif (test/peers/fake_onvif.ts: no real ONVIF device runs here; it speaks SOAP 1.2 with
 * WS-Security digest and WS-Discovery as devices do) in front of the real GStreamer RTSP camera, which wants
 * the same user and password (RTSP Digest). In a private network namespace: WS-Discovery is multicast, routed
 * to lo there, and must not reach the machine's real network.
 */
const USER = 'admin';
const PASSWORD = 'Pa55word';
const FPS = 25;

function assertFrames(name: string, count: FrameCount, ratio: number): void {
  const expected = (count.streamMs / 1000) * FPS;
  console.log(
    `${name}: ${count.frames} frames covering ${count.streamMs} ms (expected ${expected.toFixed(0)}) in ${count.windowMs} ms; first after ${count.firstFrameMs} ms`,
  );
  assert.ok(count.streamMs >= 0.75 * count.windowMs, `only ${count.streamMs} ms of stream in ${count.windowMs} ms`);
  assert.ok(count.frames >= ratio * expected, `${count.frames} of ${expected.toFixed(0)} frames`);
}

interface SourcesAnswer {
  sources: Array<{ name: string; url: string; info?: string }>;
}

if (netnsGuard(import.meta.url, { multicast: true })) {
  describe('ONVIF source and discovery (fake_onvif in front of the GStreamer camera)', () => {
    let camera: GstCamera;
    let device: FakeOnvif;
    let skewed: FakeOnvif;
    let server: ConfiguredTs2rtc;
    let wrongUrl: string;

    before(async () => {
      camera = await startGstCamera({ auth: 'digest', user: USER, password: PASSWORD });
      device = await startFakeOnvif({
        username: USER,
        password: PASSWORD,
        discovery: true,
        name: 'Fake Camera',
        hardware: 'FC-1000',
        profiles: [
          { token: 'MainStreamToken', name: 'mainStream', uri: camera.url, width: 640, height: 360 },
          {
            token: 'SubStreamToken',
            name: 'subStream',
            uri: `${camera.url}?channel=1&subtype=1`,
            width: 320,
            height: 180,
          },
        ],
      });
      // A second device whose clock is an hour ahead (never set, a common camera state); no discovery.
      skewed = await startFakeOnvif({
        username: USER,
        password: PASSWORD,
        clockOffsetMs: 3600_000,
        profiles: [{ token: 'Profile_1', name: 'main', uri: camera.url, width: 640, height: 360 }],
      });
      wrongUrl = device.onvifUrl.replace(encodeURIComponent(PASSWORD), 'wrong');
      server = await startConfigured({
        streams: { cam: device.onvifUrl, sub0: `${device.onvifUrl}?subtype=0`, bad: wrongUrl, skewed: skewed.onvifUrl },
      });
    });
    after(async () => {
      await server?.stop();
      await device?.stop();
      await skewed?.stop();
      await camera?.stop();
    });

    it('GET /api/onvif discovers the device by WS-Discovery, listed as go2rtc lists it', async () => {
      const res = await fetch(`${server.api}/api/onvif`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as SourcesAnswer;
      assert.deepEqual(body.sources, [
        {
          name: `127.0.0.1:${device.port}`,
          url: `onvif://user:pass@127.0.0.1:${device.port}`,
          info: 'Fake Camera FC-1000',
        },
      ]);
      assert.ok(device.probes >= 1);
    });

    it('GET /api/onvif?src= lists the camera profiles as sources (digest-authenticated SOAP)', async () => {
      const res = await fetch(`${server.api}/api/onvif?src=${encodeURIComponent(device.onvifUrl)}`);
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as SourcesAnswer;
      assert.deepEqual(body.sources, [
        { name: 'Fake Camera FC-1000 stream0', url: `${device.onvifUrl}?subtype=MainStreamToken` },
        { name: 'Fake Camera FC-1000 stream1', url: `${device.onvifUrl}?subtype=SubStreamToken` },
      ]);
    });

    it('?subtype= picks a profile by index or token; the URI is entity-decoded', async () => {
      const client = await OnvifClient.connect(parseOnvifUrl(device.onvifUrl));
      assert.equal(client.mediaPath, '/onvif/Media', 'the advertised media path is used');
      assert.equal(await client.streamUri('1'), `${camera.url}?channel=1&subtype=1`);
      assert.equal(await client.streamUri('SubStreamToken'), `${camera.url}?channel=1&subtype=1`);
      assert.equal(await client.streamUri(null), camera.url);
      await assert.rejects(client.streamUri('2'), { code: 'ONVIF_SUBTYPE' });
      await assert.rejects(client.streamUri('NoSuchToken'), { code: 'ONVIF_FAULT' });
    });

    for (const name of ['cam', 'sub0']) {
      it(`onvif:// stream "${name}" plays to an RTSP reader with ≥ 95 % of the frames`, async () => {
        const before = device.requests.length;
        const count = await countFrames(server.rtspUrl(name), { seconds: 4, firstFrameTimeoutMs: 20_000 });
        assertFrames(name, count, 0.95);
        const asked = device.requests.slice(before);
        assert.deepEqual(
          asked.map((r) => `${r.path} ${r.operation}`),
          ['/onvif/device_service GetCapabilities', '/onvif/Media GetProfiles', '/onvif/Media GetStreamUri'],
        );
        assert.ok(
          asked.every((r) => r.authorized),
          'every request carried a valid UsernameToken digest',
        );
      });
    }

    it('a device whose clock is an hour off: its time is asked (unsigned) and the token signed with it', async () => {
      const count = await countFrames(server.rtspUrl('skewed'), { seconds: 3, firstFrameTimeoutMs: 20_000 });
      assertFrames('skewed', count, 0.95);
      assert.deepEqual(
        skewed.requests.map((r) => `${r.operation} ${r.authorized}`),
        [
          'GetCapabilities false',
          'GetSystemDateAndTime true',
          'GetCapabilities true',
          'GetProfiles true',
          'GetStreamUri true',
        ],
      );
    });

    it('a wrong password is a clear ONVIF_AUTH error: in /api/onvif (401) and on the stream', async () => {
      const res = await fetch(`${server.api}/api/onvif?src=${encodeURIComponent(wrongUrl)}`);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: string; code: string };
      assert.equal(body.code, 'ONVIF_AUTH');
      assert.match(body.error, /refused the user name or password/);
      assert.doesNotMatch(body.error, /wrong/, 'no password in the message');

      // A viewer makes the hub open the source; the reader fails, the stream shows why.
      await countFrames(server.rtspUrl('bad'), { seconds: 1, firstFrameTimeoutMs: 3000 }).catch(() => undefined);
      const error = await waitFor(
        async () => {
          const stream = (await (await fetch(`${server.api}/api/streams?src=bad`)).json()) as {
            producers: Array<{ error?: string }>;
          };
          return stream.producers[0]?.error;
        },
        { timeoutMs: 10_000, what: 'the bad stream error' },
      );
      assert.match(
        error,
        /^ONVIF_AUTH: .*refused the user name or password \(Sender\/NotAuthorized: Sender not Authorized\)/,
      );
      // The other stream still plays.
      const count = await countFrames(server.rtspUrl('cam'), { seconds: 2, firstFrameTimeoutMs: 20_000 });
      assert.ok(count.frames > 0);
    });
  });
}
