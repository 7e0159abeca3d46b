import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffprobeJson } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { assertArrived, avccToAnnexB, countWindow, nalTypes, startApp, Viewer, type RtspTestApp } from './helpers.js';

describe('RTSP client: H265 and MJPEG cameras', () => {
  let app: RtspTestApp;
  let dir: string;
  const cameras: GstCamera[] = [];

  before(async () => {
    app = startApp();
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-rtsp-client-'));
  });
  after(async () => {
    await app.stop();
    await Promise.all(cameras.map((c) => c.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('H265: key frames carry VPS/SPS/PPS in-band and decode as 640x360 HEVC', async () => {
    const camera = await startGstCamera({ video: 'h265', audio: 'pcma' });
    cameras.push(camera);
    const stream = app.streams.set('h265', [`${camera.url}#transport=udp`], 'config');
    const viewer = new Viewer();
    await stream.addConsumer(viewer);
    const window = await countWindow(viewer, 'video', 3000);
    assertArrived('H265', window, 3000);
    const key = viewer.of('video').find((a) => a.packet.keyframe);
    assert.equal(key?.codec.name, 'H265');
    const types = nalTypes(key.packet.payload, (b) => (b >> 1) & 0x3f);
    for (const t of [32, 33, 34]) assert.ok(types.includes(t), `NAL type ${t} in ${types.join(',')}`);
    assert.ok(
      types.some((t) => t >= 16 && t <= 21),
      `an IRAP slice in ${types.join(',')}`,
    );
    assert.equal(viewer.of('audio')[0]?.codec.name, 'PCMA');

    const file = path.join(dir, 'key.h265');
    await writeFile(file, avccToAnnexB(key.packet.payload));
    const probe = await ffprobeJson(file, ['-f', 'hevc']);
    assert.equal(probe.streams[0]?.codec_name, 'hevc');
    assert.equal(probe.streams[0]?.width, 640);
    assert.equal(probe.streams[0]?.height, 360);
    await viewer.stop();
  });

  it('MJPEG: every frame is a whole JPEG that decodes as 640x360', async () => {
    const camera = await startGstCamera({ video: 'mjpeg' });
    cameras.push(camera);
    const stream = app.streams.set('mjpeg', [camera.url], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    const window = await countWindow(viewer, 'video', 3000);
    assertArrived('MJPEG', window, 3000);
    const frames = viewer.of('video');
    assert.equal(frames[0]?.codec.name, 'JPEG');
    for (const f of frames) {
      const jpeg = f.packet.payload;
      assert.ok(jpeg[0] === 0xff && jpeg[1] === 0xd8, 'starts with SOI');
      assert.ok(jpeg.at(-2) === 0xff && jpeg.at(-1) === 0xd9, 'ends with EOI');
      assert.equal(f.packet.keyframe, true);
    }
    const file = path.join(dir, 'frame.jpg');
    await writeFile(file, frames[10]?.packet.payload ?? Buffer.alloc(0));
    const probe = await ffprobeJson(file);
    assert.equal(probe.streams[0]?.codec_name, 'mjpeg');
    assert.equal(probe.streams[0]?.width, 640);
    assert.equal(probe.streams[0]?.height, 360);
    await viewer.stop();
  });
});
