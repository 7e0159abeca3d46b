import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { ConsumerBase } from '../../../../addon/src/core/consumer.js';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { ProducerBase } from '../../../../addon/src/core/producer.js';
import type { Receiver } from '../../../../addon/src/core/track.js';
import { StreamHub } from '../../../../addon/src/modules/streams/hub.js';

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const AAC: Codec = { name: 'AAC', clockRate: 16000, channels: 1 };
const OPUS: Codec = { name: 'OPUS', clockRate: 48000, channels: 2 };
const PCMU: Codec = { name: 'PCMU', clockRate: 8000, channels: 1 };

/** An in-process source whose frames the test writes by hand, so every assertion is deterministic. */
class ManualProducer extends ProducerBase {
  starts = 0;
  stops = 0;
  backchannel: Packet[] = [];
  constructor(medias: Media[]) {
    super({ formatName: 'manual' }, medias);
  }
  override addTrack(media: Media, codec: Codec, source: Receiver): void {
    this.attachBackTrack(media, codec, source, (p) => (this.backchannel.push(p), true));
  }
  async start(): Promise<void> {
    this.starts++;
  }
  protected async release(): Promise<void> {
    this.stops++;
  }
  /** Writes to every track of the given codec. */
  emit(codecName: Codec['name'], packet: Packet): void {
    for (const track of this.tracks) if (track.receiver.codec.name === codecName) track.receiver.write(packet);
  }
  fail(message: string): void {
    void this.close(new Error(message));
  }
}

class RecordingConsumer extends ConsumerBase {
  readonly got = new Map<string, Packet[]>();
  constructor(medias: Media[]) {
    super({ formatName: 'test' }, medias);
  }
  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    const list: Packet[] = [];
    this.got.set(codec.name, list);
    this.attach(media, codec, receiver, (p) => (list.push(p), true));
  }
  getTrack(media: Media, codec: Codec): Receiver {
    return this.createUplink(media, codec);
  }
  uplink(): Receiver | undefined {
    return this.receivers[0];
  }
  protected async release(): Promise<void> {}
}

const wantVideo = (codecs: Codec[] = [H264]): Media => ({ kind: 'video', direction: 'sendonly', codecs });
const wantAudio = (codecs: Codec[]): Media => ({ kind: 'audio', direction: 'sendonly', codecs });
const source = (kind: Media['kind'], codecs: Codec[], direction: Media['direction'] = 'recvonly'): Media => ({
  kind,
  direction,
  codecs,
});
const key = (ts: number): Packet => ({ payload: Buffer.from([0, 0, 0, 1, 0x65]), timestamp: ts, keyframe: true });
const delta = (ts: number): Packet => ({ payload: Buffer.from([0, 0, 0, 1, 0x41]), timestamp: ts, keyframe: false });

function setup(sources: Record<string, Media[]>, idleStopMs = 20) {
  const hub = new StreamHub(pino({ level: 'silent' }), { idleStopMs, retryDelaysMs: [10] });
  const opened: Record<string, ManualProducer[]> = {};
  hub.registerSource('manual', async (url) => {
    const medias = sources[url.rest];
    if (!medias) throw new Error(`no such source ${url.rest}`);
    const producer = new ManualProducer(medias);
    (opened[url.rest] ??= []).push(producer);
    return producer;
  });
  return { hub, opened };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('StreamHub', () => {
  it('starts a source once for N consumers and stops it after the last one leaves', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const consumers = Array.from({ length: 5 }, () => new RecordingConsumer([wantVideo()]));
    await Promise.all(consumers.map((c) => stream.addConsumer(c)));
    assert.equal(opened.cam?.length, 1);
    const producer = opened.cam![0]!;
    assert.equal(producer.starts, 1);
    producer.emit('H264', key(0));
    for (const c of consumers) assert.equal(c.got.get('H264')?.length, 1);

    for (const c of consumers.slice(0, 4)) await c.stop();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(producer.stops, 0, 'still has a consumer');
    await consumers[4]!.stop();
    await until(() => producer.stops === 1);
    assert.equal(stream.toJSON().consumers, null);
    assert.deepEqual(stream.toJSON().producers, [{ url: 'manual:cam' }]);
    await hub.stop();
  });

  it('tells onConsumerAdded of each attached consumer, and not of one that matched nothing', async () => {
    const { hub } = setup({ cam: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const added: string[] = [];
    hub.onConsumerAdded.subscribe((name) => void added.push(name));
    await stream.addConsumer(new RecordingConsumer([wantVideo()]));
    await assert.rejects(
      stream.addConsumer(
        new RecordingConsumer([
          { kind: 'audio', direction: 'sendonly', codecs: [{ name: 'OPUS', clockRate: 48000, channels: 2 }] },
        ]),
      ),
      { code: 'CODEC_MISMATCH' },
    );
    assert.deepEqual(added, ['cam']);
    await hub.stop();
  });

  it('gives a consumer that joins a running stream the cached key frame first', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const first = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(first);
    const producer = opened.cam![0]!;
    const k = key(0);
    producer.emit('H264', k);
    producer.emit('H264', delta(3600));
    producer.emit('H264', delta(7200));
    const late = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(late);
    assert.equal(late.got.get('H264')?.[0], k);
    assert.equal(late.got.get('H264')?.length, 3);
    await hub.stop();
  });

  it('matches each media to the first source that has a codec the consumer accepts, and opens nothing more', async () => {
    const { hub, opened } = setup({
      camera: [source('video', [H264]), source('audio', [AAC])],
      transcoder: [source('audio', [OPUS])],
    });
    const stream = hub.set('dahua', ['manual:camera', 'manual:transcoder'], 'config');

    // An RTSP-style reader that takes AAC never touches the transcoder.
    const reader = new RecordingConsumer([wantVideo(), wantAudio([AAC, OPUS])]);
    await stream.addConsumer(reader);
    assert.equal(opened.transcoder?.length ?? 0, 0);
    assert.deepEqual([...reader.got.keys()], ['H264', 'AAC']);

    // A browser that only takes Opus gets video from the camera and audio from the transcoder.
    const browser = new RecordingConsumer([wantVideo(), wantAudio([OPUS, PCMU])]);
    await stream.addConsumer(browser);
    assert.equal(opened.transcoder?.length, 1);
    assert.equal(opened.transcoder![0]!.starts, 1);
    assert.deepEqual([...browser.got.keys()], ['H264', 'OPUS']);

    // When the browser leaves, the transcoder stops even though the camera keeps running.
    await browser.stop();
    await until(() => opened.transcoder![0]!.stops === 1);
    assert.equal(opened.camera![0]!.stops, 0);
    await hub.stop();
  });

  it('routes a consumer microphone to the source backchannel', async () => {
    const { hub, opened } = setup({
      cam: [source('video', [H264]), source('audio', [PCMU, AAC], 'sendonly')],
    });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const browser = new RecordingConsumer([
      wantVideo(),
      { kind: 'audio', direction: 'recvonly', codecs: [OPUS, PCMU] },
    ]);
    await stream.addConsumer(browser);
    const mic = browser.uplink();
    assert.ok(mic);
    assert.equal(mic.codec.name, 'PCMU');
    const sample = { payload: Buffer.alloc(160, 0xff), timestamp: 0, keyframe: true };
    mic.write(sample);
    assert.deepEqual(opened.cam![0]!.backchannel, [sample]);
    await hub.stop();
  });

  it('explains a codec mismatch and attaches nothing', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    await assert.rejects(
      stream.addConsumer(new RecordingConsumer([wantVideo([{ name: 'H265', clockRate: 90000, channels: 0 }])])),
      {
        code: 'CODEC_MISMATCH',
        message: 'streams: codecs not matched: video, sendonly, H265 => video, recvonly, H264',
      },
    );
    assert.equal(opened.cam![0]!.starts, 0);
    await until(() => opened.cam![0]!.stops === 1);
    await hub.stop();
  });

  it('reports a source that cannot open, and uses the next one', async () => {
    const { hub } = setup({ backup: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:missing', 'manual:backup'], 'config');
    const viewer = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(viewer);
    assert.equal(viewer.got.size, 1);
    const json = stream.toJSON();
    assert.deepEqual(json.producers?.[0], { url: 'manual:missing', error: 'no such source missing' });
    await hub.stop();

    const only = setup({}).hub;
    const broken = only.set('x', ['manual:nothing'], 'config');
    await assert.rejects(broken.addConsumer(new RecordingConsumer([wantVideo()])), { code: 'SOURCE_FAILED' });
  });

  it('reconnects a failed source while its consumers wait, and they keep receiving', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264])] });
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const viewer = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(viewer);
    opened.cam![0]!.emit('H264', key(0));
    opened.cam![0]!.fail('camera rebooted');
    await until(() => opened.cam?.length === 2 && opened.cam[1]!.starts === 1);
    opened.cam![1]!.emit('H264', key(0)); // the new session's clock starts over
    const [before, after] = viewer.got.get('H264')?.map((p) => p.timestamp) ?? [];
    assert.equal(before, 0);
    // Shifted past the last frame by the outage (core/track.ts): time does not go back for the viewer.
    assert.ok(after !== undefined && after > 0, `after the reconnect: ${after}`);
    await hub.stop();
  });

  it('refuses config-only schemes from the network and unknown schemes', () => {
    const { hub } = setup({});
    hub.registerSource(
      'exec',
      async () => {
        throw new Error('must not run');
      },
      { configOnly: true },
    );
    assert.throws(() => hub.set('x', ['exec:ffmpeg -i x'], 'api'), { code: 'SOURCE_FORBIDDEN' });
    assert.throws(() => hub.getOrCreate('exec:rm -rf /', 'ws'), { code: 'SOURCE_FORBIDDEN' });
    assert.throws(() => hub.set('x', ['nope://a'], 'api'), { code: 'SOURCE_UNSUPPORTED' });
    assert.throws(() => hub.getOrCreate('no-such-stream', 'ws'), { code: 'STREAM_NOT_FOUND' });
    assert.ok(hub.set('x', ['exec:ffmpeg -i x'], 'config'));
    assert.ok(hub.set('y', ['nope://a'], 'config'), 'the config may name schemes this build lacks');
  });

  it('keeps a source running for a viewer who arrives during the idle grace period', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264])] }, 60);
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const first = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(first);
    await first.stop();
    const second = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(second); // within the 60 ms grace: same producer, same relay
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(opened.cam?.length, 1);
    assert.equal(opened.cam![0]!.stops, 0, 'the grace timer of the first viewer must not stop the second');
    opened.cam![0]!.emit('H264', key(0));
    assert.equal(second.got.get('H264')?.length, 1);
    await hub.stop();
  });

  it('stays flat over thousands of viewer connect/disconnect cycles', async () => {
    const { hub, opened } = setup({ cam: [source('video', [H264]), source('audio', [AAC])] }, 1000);
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const keeper = new RecordingConsumer([wantVideo()]);
    await stream.addConsumer(keeper);
    const producer = opened.cam![0]!;
    const cycle = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const viewer = new RecordingConsumer([wantVideo(), wantAudio([AAC])]);
        await stream.addConsumer(viewer);
        producer.emit('H264', i % 25 === 0 ? key(i * 3600) : delta(i * 3600));
        await viewer.stop();
      }
    };
    await cycle(500); // warm up the JIT and the allocator before measuring
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    await cycle(3000);
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(stream.toJSON().consumers?.length, 1, 'only the keeper is left');
    const receivers = (stream.toJSON().producers?.[0] as { receivers?: Array<{ childs?: number[] }> }).receivers ?? [];
    assert.deepEqual(receivers.map((r) => r.childs?.length ?? 0).sort(), [0, 1], 'no sink left behind by a viewer');
    assert.equal(producer.starts, 1);
    // Without --expose-gc the number is noisy; the sink counts above are the hard check.
    if (global.gc) assert.ok(grown < 4 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MiB over 3000 cycles`);
    await hub.stop();
  });
});
