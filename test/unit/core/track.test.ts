import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { Codec } from '../../../addon/src/core/codec.js';
import type { Media } from '../../../addon/src/core/media.js';
import type { Packet } from '../../../addon/src/core/packet.js';
import { Receiver, Sender } from '../../../addon/src/core/track.js';

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const PCMU: Codec = { name: 'PCMU', clockRate: 8000, channels: 1 };
const VIDEO: Media = { kind: 'video', direction: 'recvonly', codecs: [H264] };
const AUDIO: Media = { kind: 'audio', direction: 'recvonly', codecs: [PCMU] };

/** A 25 fps stream with a key frame every `gop` frames. */
function frames(count: number, gop = 25, start = 0): Packet[] {
  return Array.from({ length: count }, (_, i) => ({
    payload: Buffer.alloc(100, (start + i) & 0xff),
    timestamp: (start + i) * 3600,
    keyframe: (start + i) % gop === 0,
  }));
}

describe('Receiver fan-out', () => {
  it('hands the same packet and Buffer object to every consumer', () => {
    const receiver = new Receiver(VIDEO, H264);
    const got: Packet[][] = [[], []];
    for (const list of got) receiver.addSink(new Sender('video', H264, (p) => (list.push(p), true)));
    const [packet] = frames(1);
    receiver.write(packet!);
    assert.equal(got[0]![0], packet);
    assert.equal(got[1]![0], packet);
    assert.equal(got[0]![0]!.payload, got[1]![0]!.payload);
  });

  it('starts a new consumer at the cached key frame and replays the GOP in order', () => {
    const receiver = new Receiver(VIDEO, H264);
    const sent = frames(40); // key frames at 0 and 25
    for (const p of sent.slice(0, 30)) receiver.write(p);
    const got: Packet[] = [];
    receiver.addSink(new Sender('video', H264, (p) => (got.push(p), true)));
    assert.equal(got[0], sent[25]);
    assert.deepEqual(got, sent.slice(25, 30));
    for (const p of sent.slice(30)) receiver.write(p);
    assert.deepEqual(got, sent.slice(25));
  });

  it('does not cache audio, and a video consumer joining before any key frame waits for one', () => {
    const audio = new Receiver(AUDIO, PCMU);
    audio.write({ payload: Buffer.alloc(160), timestamp: 0, keyframe: true });
    assert.equal(audio.cachedGop.length, 0);

    const video = new Receiver(VIDEO, H264);
    const got: Packet[] = [];
    const sender = new Sender('video', H264, (p) => (got.push(p), true));
    video.addSink(sender);
    const sent = frames(30, 25, 5); // first key frame at index 20 (frame 25)
    for (const p of sent) video.write(p);
    assert.equal(got[0], sent[20]);
    assert.equal(sender.stats.drops, 20);
  });

  it('drops an overlong GOP from the cache rather than growing without bound', () => {
    const receiver = new Receiver(VIDEO, H264, { gopMaxPackets: 10 });
    for (const p of frames(30, 1000)) receiver.write(p);
    assert.equal(receiver.cachedGop.length, 0);
  });

  it('detaches sinks on close and keeps serving other sinks when one is removed', () => {
    const receiver = new Receiver(VIDEO, H264);
    const a = new Sender('video', H264, () => true);
    const b = new Sender('video', H264, () => true);
    receiver.addSink(a);
    receiver.addSink(b);
    receiver.removeSink(a);
    assert.equal(a.isClosed, true);
    for (const p of frames(3)) receiver.write(p);
    assert.equal(b.stats.packets, 3);
    receiver.close();
    assert.equal(b.isClosed, true);
    assert.equal(receiver.sinkCount, 0);
  });
});

describe('Receiver across upstream sessions', () => {
  const SOURCE = { continuousTime: true };

  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('shifts the next session after the last frame, by the outage, so a consumer never sees time go back', () => {
    const receiver = new Receiver(VIDEO, H264, SOURCE);
    const got: number[] = [];
    receiver.addSink(new Sender('video', H264, (p) => (got.push(p.timestamp), true)));
    for (const p of frames(50, 25, 1000)) receiver.write(p); // the first session ends at 1049 * 3600
    receiver.restart();
    mock.timers.tick(2000); // the outage: 2 s until the next session's first frame
    for (const p of frames(50)) receiver.write(p); // the next session starts over at 0
    const last = 1049 * 3600;
    assert.equal(got[50], last + 2 * 90000, 'the first frame of the next session, 2 s of 90 kHz later');
    assert.equal(got[99], last + 2 * 90000 + 49 * 3600, 'the next session keeps its own spacing');
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `frame ${i}: ${got[i - 1]} -> ${got[i]}`);
  });

  it('leaves at least one frame step when the next session comes at once, and leaves packets untouched', () => {
    const receiver = new Receiver(AUDIO, PCMU, SOURCE);
    const got: Packet[] = [];
    receiver.addSink(new Sender('audio', PCMU, (p) => (got.push(p), true)));
    const first = [0, 160, 320].map((timestamp) => ({ payload: Buffer.alloc(160), timestamp, keyframe: true }));
    for (const p of first) receiver.write(p);
    assert.equal(got[0], first[0], 'the first session is passed on as it is (no copy)');
    receiver.restart();
    receiver.restart(); // a failed attempt in between changes nothing
    const next = { payload: Buffer.alloc(160), timestamp: 5_000_000, keyframe: true };
    receiver.write(next);
    assert.equal(got[3]!.timestamp, 320 + 160, 'one 20 ms frame after the last, though its own time was ahead');
    assert.equal(got[3]!.payload, next.payload, 'the shifted packet shares its payload');
    assert.equal(next.timestamp, 5_000_000, 'the packet the producer wrote is not modified');
  });

  it('leaves the timestamps of a receiver of derived frames alone (an MP4 session mixes time scales)', () => {
    const receiver = new Receiver(VIDEO, H264);
    const got: number[] = [];
    receiver.addSink(new Sender('video', H264, (p) => (got.push(p.timestamp), true)));
    for (const timestamp of [900_000, 0, 48_000])
      receiver.write({ payload: Buffer.alloc(10), timestamp, keyframe: true });
    assert.deepEqual(got, [900_000, 0, 48_000]);
  });

  it('follows a clock that starts over without a restart (an RTMP server switching publishers), not B-frames', () => {
    const receiver = new Receiver(VIDEO, H264, SOURCE);
    const got: Packet[] = [];
    receiver.addSink(new Sender('video', H264, (p) => (got.push(p), true)));
    // Decode order with B-frames: 0, 3, 1, 2 (times in frames of 3600): reordering is no jump.
    const reordered = [0, 3, 1, 2].map((n) => ({
      payload: Buffer.alloc(10),
      timestamp: 900_000 + n * 3600,
      keyframe: n === 0,
    }));
    for (const p of reordered) receiver.write(p);
    assert.deepEqual(got, reordered, 'passed on as they are');
    mock.timers.tick(500);
    for (const p of frames(2)) receiver.write(p); // the new publisher's clock starts at 0
    assert.equal(got[4]!.timestamp, 900_000 + 3 * 3600 + 45_000, 'after the latest frame, by the 0.5 s gap');
    assert.equal(got[5]!.timestamp, got[4]!.timestamp + 3600);
    mock.timers.tick(40);
    const ahead = { payload: Buffer.alloc(10), timestamp: 3600 + 90000 * 3600, keyframe: true }; // an hour on
    receiver.write(ahead);
    assert.equal(got[6]!.timestamp, got[5]!.timestamp + 3600, 'a jump of an hour in 40 ms is a new clock too');
  });
});

describe('Sender queue', () => {
  it('keeps a stalled consumer bounded and resumes it at a key frame, while a fast one gets every frame', () => {
    const receiver = new Receiver(VIDEO, H264);
    const fast: Packet[] = [];
    receiver.addSink(new Sender('video', H264, (p) => (fast.push(p), true)));
    const slow: Packet[] = [];
    let writable = false;
    const stalled = new Sender('video', H264, (p) => (slow.push(p), writable), { maxQueuePackets: 16 });
    receiver.addSink(stalled);

    const sent = frames(100); // key frames at 0, 25, 50, 75
    for (const p of sent.slice(0, 60)) {
      receiver.write(p);
      assert.ok(stalled.queueLength <= 16, `queue ${stalled.queueLength} exceeds its bound`);
    }
    // It took frame 0, then congested; the queue overflowed and was dropped, then restarted at key frame 50.
    assert.equal(slow.length, 1);
    assert.ok(stalled.stats.drops > 0);
    writable = true;
    stalled.resume();
    for (const p of sent.slice(60)) receiver.write(p);
    assert.deepEqual(fast, sent);
    assert.equal(slow[1], sent[50], 'resumes at a key frame');
    assert.equal(slow.at(-1), sent[99]);
    // Every frame after the restart point arrives in order, none twice.
    assert.deepEqual(slow.slice(1), sent.slice(50));
    assert.equal(stalled.stats.drops, 49);
  });

  it('drops the oldest audio frames when the queue overflows', () => {
    const got: Packet[] = [];
    let writable = false;
    const sender = new Sender('audio', PCMU, (p) => (got.push(p), writable), { maxQueuePackets: 4 });
    const sent = Array.from({ length: 10 }, (_, i) => ({
      payload: Buffer.alloc(160),
      timestamp: i * 160,
      keyframe: true,
    }));
    for (const p of sent) sender.push(p);
    assert.equal(sender.queueLength, 4);
    assert.equal(sender.stats.drops, 5);
    writable = true;
    sender.resume();
    assert.deepEqual(got, [sent[0], ...sent.slice(6)]);
  });

  it('bounds the queue by bytes too', () => {
    const sender = new Sender('audio', PCMU, () => false, { maxQueuePackets: 1000, maxQueueBytes: 1000 });
    for (let i = 0; i < 50; i++) sender.push({ payload: Buffer.alloc(100), timestamp: i, keyframe: true });
    assert.ok(sender.queueLength <= 10);
  });

  it('detaches a sender whose writer throws, without disturbing the receiver', () => {
    const receiver = new Receiver(VIDEO, H264);
    const errors: unknown[] = [];
    const broken = new Sender('video', H264, () => {
      throw new Error('socket gone');
    });
    broken.onError.subscribe((err) => errors.push(err));
    const good: Packet[] = [];
    receiver.addSink(broken);
    receiver.addSink(new Sender('video', H264, (p) => (good.push(p), true)));
    for (const p of frames(5)) receiver.write(p);
    assert.equal(errors.length, 1);
    assert.equal(good.length, 5);
    assert.equal(broken.isClosed, true);
  });
});
