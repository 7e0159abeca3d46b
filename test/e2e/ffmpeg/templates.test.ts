import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ffprobeJson, type FfprobeStream } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { startTs2rtc, type RunningTs2rtc } from '../rtsp-server/server-harness.js';
import { noZombies, sourceFfmpegs, waitForCount } from './procs.js';

/**
 * Every built-in template of the README, on a real camera (GStreamer: H264 640x360 + AAC 16 kHz mono): the
 * stream `ffmpeg:<camera>#<kind>=<template>` read back through our RTSP server by ffprobe has the codec, rate
 * and channels the template promises.
 */
interface Expected {
  codec: string;
  profile?: string;
  sampleRate?: string;
  channels?: number;
}

const CASES: ReadonlyArray<readonly [string, Expected]> = [
  ['video=h264', { codec: 'h264', profile: 'Main' }],
  ['video=h264/ultra', { codec: 'h264', profile: 'Constrained Baseline' }],
  ['video=h264/high', { codec: 'h264', profile: 'High' }],
  ['video=h265', { codec: 'hevc', profile: 'Main' }],
  ['video=mjpeg', { codec: 'mjpeg' }],
  ['audio=opus', { codec: 'opus', sampleRate: '48000', channels: 2 }],
  ['audio=pcmu', { codec: 'pcm_mulaw', sampleRate: '8000', channels: 1 }],
  ['audio=pcmu/16000', { codec: 'pcm_mulaw', sampleRate: '16000', channels: 1 }],
  ['audio=pcmu/48000', { codec: 'pcm_mulaw', sampleRate: '48000', channels: 1 }],
  ['audio=pcma', { codec: 'pcm_alaw', sampleRate: '8000', channels: 1 }],
  ['audio=pcma/16000', { codec: 'pcm_alaw', sampleRate: '16000', channels: 1 }],
  ['audio=pcma/48000', { codec: 'pcm_alaw', sampleRate: '48000', channels: 1 }],
  ['audio=aac/16000', { codec: 'aac', sampleRate: '16000', channels: 1 }],
];

const name = (option: string): string => option.replace(/[=/]/g, '_');

describe('ffmpeg templates: what ffprobe reads back', () => {
  let cam: GstCamera;
  let server: RunningTs2rtc;
  before(async () => {
    cam = await startGstCamera({ video: 'h264', audio: 'aac', shared: true });
    const streams: Record<string, string[]> = { copy: [`ffmpeg:${cam.url}#video=copy#audio=copy`] };
    for (const [option] of CASES) streams[name(option)] = [`ffmpeg:${cam.url}#${option}`];
    server = await startTs2rtc({ streams });
  });
  after(async () => {
    await server?.stop();
    await cam?.stop();
  });

  function check(label: string, stream: FfprobeStream | undefined, expected: Expected): void {
    assert.ok(stream, `${label}: no stream`);
    assert.equal(stream.codec_name, expected.codec, label);
    if (expected.profile) assert.equal(stream.profile, expected.profile, label);
    if (expected.sampleRate) assert.equal(stream.sample_rate, expected.sampleRate, label);
    if (expected.channels) assert.equal(stream.channels, expected.channels, label);
    if (stream.codec_type === 'video') assert.equal(stream.width, 640, label);
  }

  // Three at a time: each is a real encoder on a 2-core machine.
  for (let i = 0; i < CASES.length; i += 3) {
    const batch = CASES.slice(i, i + 3);
    it(batch.map(([option]) => `#${option}`).join(', '), async (t) => {
      await Promise.all(
        batch.map(async ([option, expected]) => {
          const kind = option.startsWith('video') ? 'video' : 'audio';
          const started = performance.now();
          const probe = await ffprobeJson(server.rtspUrl(`${name(option)}?${kind}`), [], { timeoutMs: 20_000 });
          t.diagnostic(
            `#${option}: ${probe.streams.map((s) => `${s.codec_name} ${s.profile ?? ''} ${s.sample_rate ?? ''} ${s.channels ?? ''}`).join('; ')} in ${(performance.now() - started).toFixed(0)} ms`,
          );
          assert.equal(probe.streams.length, 1, option);
          check(option, probe.streams[0], expected);
        }),
      );
    });
  }

  it('#video=copy#audio=copy: the camera tracks as they are', async () => {
    const probe = await ffprobeJson(server.rtspUrl('copy'), [], { timeoutMs: 20_000 });
    const byType = (type: string) => probe.streams.find((s) => s.codec_type === type);
    check('copy video', byType('video'), { codec: 'h264' });
    check('copy audio', byType('audio'), { codec: 'aac', sampleRate: '16000', channels: 1 });
  });

  it('leaves no ffmpeg and no zombie once the readers are gone', async () => {
    await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 5000, 'ffmpegs gone');
    await noZombies();
  });
});
