import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGstCamera, type CameraAudio, type GstCamera } from '../../peers/gst-camera.js';
import { assertArrived, countWindow, nalTypes, producerJson, startApp, Viewer, type RtspTestApp } from './helpers.js';

/**
 * H264 at 25 fps (125 frames in 5 s): at least 95 % of the frames the camera sent must arrive, counted from
 * their timestamps (a gap of k frame steps is k − 1 lost). The live GStreamer camera encodes in real time, and
 * on a busy machine it makes fewer than 125 frames in 5 s of wall time: its own lateness is not a loss, so the
 * wall window only has to hold most of the stream time.
 */
const WINDOW_MS = 5000;

describe('RTSP client: H264 + audio from a GStreamer camera through the hub', () => {
  let app: RtspTestApp;
  const cameras: GstCamera[] = [];

  before(() => {
    app = startApp();
  });
  after(async () => {
    await app.stop();
    await Promise.all(cameras.map((c) => c.stop()));
  });

  const cases: Array<{ audio: CameraAudio; codec: string; clock: number }> = [
    { audio: 'pcmu', codec: 'PCMU', clock: 8000 },
    { audio: 'aac', codec: 'AAC', clock: 16000 },
    { audio: 'opus', codec: 'OPUS', clock: 48000 },
  ];
  for (const { audio, codec, clock } of cases) {
    it(`H264 + ${codec}: >= 95 % of the frames over TCP and over UDP`, async () => {
      // Both transports at once, each from its own camera: the same 5 s window measures both.
      const tcpCamera = await startGstCamera({ video: 'h264', audio });
      const udpCamera = await startGstCamera({ video: 'h264', audio });
      cameras.push(tcpCamera, udpCamera);
      const tcp = app.streams.set(`tcp-${audio}`, [tcpCamera.url], 'config');
      const udp = app.streams.set(`udp-${audio}`, [`${udpCamera.url}#transport=udp`], 'config');
      const viewers = [new Viewer(), new Viewer()];
      await Promise.all([tcp.addConsumer(viewers[0]!), udp.addConsumer(viewers[1]!)]);

      for (const [i, viewer] of viewers.entries()) {
        const label = i === 0 ? 'tcp' : 'udp';
        const [video, sound] = await Promise.all([
          countWindow(viewer, 'video', WINDOW_MS),
          countWindow(viewer, 'audio', WINDOW_MS),
        ]);
        assertArrived(`${codec} ${label} video`, video, WINDOW_MS);
        assertArrived(`${codec} ${label} audio`, sound, WINDOW_MS);

        const firstVideo = viewer.of('video')[0];
        assert.equal(firstVideo?.codec.name, 'H264');
        assert.equal(firstVideo?.packet.keyframe, true, 'the first frame a viewer gets is a key frame');
        // A key frame is self-contained: SPS (7) and PPS (8) in-band before the IDR slice (5).
        const types = nalTypes(firstVideo.packet.payload, (b) => b & 0x1f);
        assert.ok(
          types.includes(7) && types.includes(8) && types.includes(5),
          `key frame NAL types ${types.join(',')}`,
        );
        const audioCodec = viewer.of('audio')[0]?.codec;
        assert.equal(audioCodec?.name, codec);
        assert.equal(audioCodec?.clockRate, clock);
        // 25 fps at 90 kHz: 3600 ticks per frame, timestamps growing.
        const ts = viewer
          .of('video')
          .slice(0, 50)
          .map((a) => a.packet.timestamp);
        const steps = ts.slice(1).map((t, k) => t - (ts[k] ?? 0));
        assert.ok(
          steps.every((s) => s > 0),
          'video timestamps grow',
        );
        const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
        assert.equal(median, 3600);

        const json = producerJson(i === 0 ? tcp : udp);
        assert.equal(json['format_name'], 'rtsp');
        assert.equal(json['protocol'], i === 0 ? 'rtsp+tcp' : 'rtsp+udp');
        assert.match(String(json['remote_addr']), /^127\.0\.0\.1:\d+$/);
        assert.match(String(json['sdp']), /m=video 0 RTP\/AVP 96/);
        assert.ok(Number(json['bytes_recv']) > 100_000, `bytes_recv ${String(json['bytes_recv'])}`);
      }
      for (const viewer of viewers) await viewer.stop();
      await Promise.all([app.streams.delete(`tcp-${audio}`), app.streams.delete(`udp-${audio}`)]);
    });
  }
});
