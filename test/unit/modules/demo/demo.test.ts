import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Codec } from '../../../../addon/src/core/codec.js';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { Sender } from '../../../../addon/src/core/track.js';
import { loadClip, type Clip } from '../../../../addon/src/modules/demo/clip.js';
import { DemoProducer } from '../../../../addon/src/modules/demo/producer.js';
import { splitAvcc, nalType, NalUnitType } from '../../../../addon/src/pkg/h264/index.js';

function collect(producer: DemoProducer, media: Media): Packet[] {
  const got: Packet[] = [];
  const codec = media.codecs[0]!;
  producer.getTrack(media, codec).addSink(new Sender(media.kind, codec, (p) => (got.push(p), true)));
  return got;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('demo source', () => {
  it('describes the shipped clip as H264 (with parameter sets) and Opus 48000/2', async () => {
    const clip = await loadClip();
    const [video, audio] = clip.tracks;
    assert.equal(video?.codec.name, 'H264');
    assert.match(
      video?.codec.fmtp ?? '',
      /^packetization-mode=1;profile-level-id=4d40[0-9a-f]{2};sprop-parameter-sets=[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+$/,
    );
    assert.equal(video?.packets.length, 250);
    assert.equal(video?.loopTicks, 900000);
    assert.deepEqual(audio?.codec, { name: 'OPUS', clockRate: 48000, channels: 2 });
    // Every key frame carries SPS and PPS in-band before its IDR slice, as RTSP readers need.
    for (const packet of video!.packets.filter((p) => p.keyframe)) {
      const types = splitAvcc(packet.payload).map(nalType);
      assert.deepEqual(types.slice(0, 2), [NalUnitType.SPS, NalUnitType.PPS]);
      assert.ok(types.includes(NalUnitType.IDR));
    }
  });

  it('plays in real time: a key frame first, 25 fps video and 50 Opus frames a second', async () => {
    const clip = await loadClip();
    const producer = new DemoProducer(clip, 'demo:');
    const [videoMedia, audioMedia] = producer.getMedias();
    const video = collect(producer, videoMedia!);
    const audio = collect(producer, audioMedia!);
    const started = performance.now();
    await producer.start();
    await until(() => video.length >= 26, 3000);
    const elapsed = performance.now() - started;
    await producer.stop();
    // Paced in real time: 25 frame intervals cannot come sooner than 1 s (a busy machine may make them later).
    assert.ok(elapsed > 900, `26 frames took ${elapsed.toFixed(0)} ms, expected ~1000`);
    assert.equal(video[0]?.keyframe, true);
    assert.deepEqual(
      video.slice(0, 26).map((p) => p.timestamp),
      Array.from({ length: 26 }, (_, i) => i * 3600),
    );
    assert.ok(audio.length >= 48 && audio.length <= 55, `audio frames ${audio.length}`);
  });

  it('keeps timestamps growing across loops and stops cleanly', async () => {
    const codec: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
    const media: Media = { kind: 'video', direction: 'recvonly', codecs: [codec] };
    const frame = (ts: number, keyframe: boolean): Packet => ({
      payload: Buffer.from([0, 0, 0, 1, keyframe ? 0x65 : 0x41]),
      timestamp: ts,
      keyframe,
    });
    // Three frames 10 ms apart; one loop lasts 30 ms.
    const clip: Clip = {
      tracks: [{ media, codec, loopTicks: 2700, packets: [frame(0, true), frame(900, false), frame(1800, false)] }],
    };
    const producer = new DemoProducer(clip, 'demo:');
    const got = collect(producer, media);
    await producer.start();
    await until(() => got.length >= 9, 2000);
    await producer.stop();
    assert.deepEqual(
      got.slice(0, 9).map((p) => p.timestamp),
      [0, 900, 1800, 2700, 3600, 4500, 5400, 6300, 7200],
    );
    assert.equal(got[3]?.payload, got[0]?.payload, 'loops share the payload buffers');
    const count = got.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got.length, count, 'no frames after stop');
  });
});
