import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { ConsumerBase } from '../../../../addon/src/core/consumer.js';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { ProducerBase, type Producer } from '../../../../addon/src/core/producer.js';
import { Receiver } from '../../../../addon/src/core/track.js';
import type { LocalIngest } from '../../../../addon/src/modules/exec/ingest.js';
import { ProcessTable } from '../../../../addon/src/modules/exec/process.js';
import { ProcessProducer } from '../../../../addon/src/modules/exec/producer.js';
import { StreamHub } from '../../../../addon/src/modules/streams/hub.js';

/**
 * The media path of issue 11: a source track is one Receiver, made by the stream's slot and written into
 * directly by every producer session (an ffmpeg/exec source's RTSP publisher included), with the one GOP
 * cache. Every Receiver.write is counted, so "one hop" is measured, not inferred from the graph.
 */

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const PCMA: Codec = { name: 'PCMA', clockRate: 8000, channels: 1 };
const video = (): Media => ({ kind: 'video', direction: 'recvonly', codecs: [H264] });
const audio = (): Media => ({ kind: 'audio', direction: 'recvonly', codecs: [PCMA] });
const key = (ts: number): Packet => ({ payload: Buffer.from([0, 0, 0, 1, 0x65]), timestamp: ts, keyframe: true });
const delta = (ts: number): Packet => ({ payload: Buffer.from([0, 0, 0, 1, 0x41]), timestamp: ts, keyframe: false });

/** A source whose frames the test writes by hand. */
class ManualProducer extends ProducerBase {
  constructor(medias: Media[]) {
    super({ formatName: 'manual' }, medias);
  }
  async start(): Promise<void> {}
  protected async release(): Promise<void> {}
  /** Writes to the track of `kind` as the adapter's input would, creating it as an RTSP publisher does. */
  emit(kind: Media['kind'], packet: Packet): Receiver {
    const media = this.medias.find((m) => m.kind === kind);
    const codec = media?.codecs[0];
    assert.ok(media && codec);
    const receiver = this.getTrack(media, codec);
    receiver.write(packet);
    return receiver;
  }
  fail(): void {
    void this.close(new Error('camera hung up'));
  }
}

class Viewer extends ConsumerBase {
  readonly got: Packet[] = [];
  readonly tracks: Receiver[] = [];
  constructor(kind: Media['kind'] = 'video') {
    super({ formatName: 'viewer' }, [{ kind, direction: 'sendonly', codecs: [kind === 'video' ? H264 : PCMA] }]);
  }
  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    this.tracks.push(receiver);
    this.attach(media, codec, receiver, (p) => (this.got.push(p), true));
  }
  protected async release(): Promise<void> {}
}

/** Every Receiver.write while a test runs (node's mock calls through to the real one). */
let spy: ReturnType<typeof mock.method<Receiver, 'write'>>;
beforeEach(() => {
  spy = mock.method(Receiver.prototype, 'write');
});
afterEach(() => {
  mock.restoreAll();
});

/** Which receiver carried which packet, in order. */
function writes(): Array<{ receiver: Receiver | undefined; packet: Packet }> {
  return spy.mock.calls.map((call) => ({
    receiver: call.this instanceof Receiver ? call.this : undefined,
    packet: call.arguments[0],
  }));
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function manualHub(sessions: () => Media[]) {
  const hub = new StreamHub(pino({ level: 'silent' }), { idleStopMs: 1000, retryDelaysMs: [10] });
  const opened: ManualProducer[] = [];
  hub.registerSource('manual', async () => {
    const producer = new ManualProducer(sessions());
    opened.push(producer);
    return producer;
  });
  return { hub, opened };
}

describe('one media path', () => {
  it('hands one packet object to a viewer through exactly one Receiver, the one the producer writes into', async () => {
    const { hub, opened } = manualHub(() => [video()]);
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const viewer = new Viewer();
    await stream.addConsumer(viewer);
    const packet = key(0);
    const written = opened[0]!.emit('video', packet);
    assert.equal(viewer.got[0], packet, 'the very object the producer wrote');
    assert.deepEqual(writes(), [{ receiver: written, packet }], 'one Receiver.write on the whole path');
    assert.equal(viewer.tracks[0], written, 'the viewer hangs on the producer track itself');
    // The graph of /api/streams: the producer's receiver is the viewer sender's parent.
    const json = stream.toJSON();
    const receivers = (json.producers?.[0] as { receivers?: Array<{ id: number; childs?: number[] }> }).receivers;
    const senders = json.consumers?.[0]?.senders;
    assert.deepEqual(
      receivers?.map((r) => r.id),
      [written.id],
    );
    assert.equal(senders?.[0]?.parent, written.id);
    assert.deepEqual(receivers?.[0]?.childs, [senders?.[0]?.id]);
    await hub.stop();
  });

  it('after a reconnect the same Receiver carries the new session, with the old GOP dropped', async () => {
    const { hub, opened } = manualHub(() => [video()]);
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const viewer = new Viewer();
    await stream.addConsumer(viewer);
    const receiver = opened[0]!.emit('video', key(0));
    opened[0]!.emit('video', delta(3600));
    assert.equal(receiver.cachedGop.length, 2);

    opened[0]!.fail();
    await until(() => opened.length === 2);
    assert.equal(receiver.isClosed, false, 'the producer does not close the receiver the slot supplied');
    assert.deepEqual(receiver.cachedGop, [], 'the old session is not replayed to anyone');
    assert.equal(receiver.latest, undefined);
    assert.equal(receiver.stats.bytes, 0, "/api/streams counts a session's bytes");

    const again = opened[1]!.emit('video', key(0)); // the new session's clock starts over
    assert.equal(again, receiver, 'the new producer writes into the same Receiver');
    opened[1]!.emit('video', delta(3600));
    const got = viewer.got.map((p) => p.timestamp);
    assert.equal(got.length, 4, 'the viewer kept its sender');
    // The new session follows the old one (core/track.ts shifts it by the outage), with its own spacing.
    assert.deepEqual(got.slice(0, 2), [0, 3600]);
    assert.ok(got[2]! > 3600, `the new session's first frame at ${got[2]}`);
    assert.equal(got[3]! - got[2]!, 3600);
    assert.equal(receiver.sinkCount, 1);

    const late = new Viewer();
    await stream.addConsumer(late);
    assert.equal(late.tracks[0], receiver, 'a viewer negotiating on the new session finds the same track');
    assert.deepEqual(
      late.got.map((p) => p.timestamp),
      got.slice(2),
      'the GOP replayed is the new session only',
    );
    assert.ok(
      writes().every((w) => w.receiver === receiver),
      'no other Receiver on the path',
    );
    await hub.stop();
  });

  it('ends a track the new session lacks and keeps the others', async () => {
    let session = 0;
    const { hub, opened } = manualHub(() => (session++ === 0 ? [video(), audio()] : [video()]));
    const stream = hub.set('cam', ['manual:cam'], 'config');
    const watcher = new Viewer('video');
    const listener = new Viewer('audio');
    await stream.addConsumer(watcher);
    await stream.addConsumer(listener);
    const videoTrack = opened[0]!.emit('video', key(0));
    const audioTrack = opened[0]!.emit('audio', key(0));
    opened[0]!.fail();
    await until(() => opened.length === 2 && audioTrack.isClosed);
    assert.equal(listener.isClosed, false, 'the consumer itself decides what an ended track means');
    assert.equal(audioTrack.sinkCount, 0);
    assert.equal(opened[1]!.emit('video', key(90000)), videoTrack);
    assert.equal(watcher.got.length, 2);
    await hub.stop();
  });

  it('a producer closes the receivers it made, never the ones its owner supplied', async () => {
    const producer = new ManualProducer([video(), audio()]);
    const supplied = new Receiver(video(), H264);
    producer.supplyTracks((media) => (media.kind === 'video' ? supplied : undefined));
    assert.equal(producer.emit('video', key(0)), supplied);
    const own = producer.emit('audio', key(0));
    assert.notEqual(own, supplied);
    await producer.stop();
    assert.equal(supplied.isClosed, false);
    assert.equal(own.isClosed, true);
  });

  it("an ffmpeg/exec source's RTSP publisher writes straight into the stream's Receiver, bytes still counted", async () => {
    const hub = new StreamHub(pino({ level: 'silent' }), { idleStopMs: 1000, retryDelaysMs: [10] });
    const processes = new ProcessTable();
    const publishers: ManualProducer[] = [];
    const ingest: LocalIngest = {
      baseUrl: () => 'rtsp://127.0.0.1:1',
      open: () => {
        // What our RTSP server hands over at ANNOUNCE: a publisher with the medias of the SDP.
        const publisher = new ManualProducer([video(), audio()]);
        publishers.push(publisher);
        return {
          url: 'rtsp://127.0.0.1:1/x',
          publisher: Promise.resolve<Producer>(publisher),
          release: () => undefined,
        };
      },
    };
    hub.registerSource('proc', async () =>
      ProcessProducer.open({
        name: 'ffmpeg',
        command: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 60000)', '{output}'],
        medias: [video(), audio()],
        description: { formatName: 'ffmpeg', protocol: 'rtsp' },
        log: pino({ level: 'silent' }),
        ingest,
        processes,
      }),
    );
    const stream = hub.set('cam', ['proc:cam'], 'config');
    const viewer = new Viewer();
    await stream.addConsumer(viewer);
    await until(() => publishers.length === 1 && processes.size === 1);
    await until(() => (stream.toJSON().producers?.[0] as { id?: number }).id !== undefined);

    // The first RTP of each track: the publisher makes its tracks, which are the stream's receivers.
    const packet = key(0);
    const written = publishers[0]!.emit('video', packet);
    assert.equal(written, viewer.tracks[0], "the publisher's track is the viewer's receiver");
    assert.equal(viewer.got[0], packet);
    assert.deepEqual(writes(), [{ receiver: written, packet }], 'no Forward, no second receiver');
    const heard = publishers[0]!.emit('audio', key(0));
    const listener = new Viewer('audio');
    await stream.addConsumer(listener);
    assert.equal(listener.tracks[0], heard, 'a track nobody had asked for is a stream track too');

    const json = stream.toJSON().producers?.[0] as {
      bytes_recv?: number;
      receivers?: Array<{ id: number; childs?: number[] }>;
    };
    assert.equal(json.bytes_recv, 10, 'what the process published into our tracks');
    assert.deepEqual(json.receivers?.map((r) => r.id).sort(), [written.id, heard.id].sort());
    await hub.stop();
    assert.equal(written.isClosed, true, 'the slot closes its tracks when the stream stops');
    assert.equal(processes.size, 0);
  });
});
