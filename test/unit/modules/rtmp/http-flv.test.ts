import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { Receiver } from '../../../../addon/src/core/track.js';
import { FlvHttpConsumer } from '../../../../addon/src/modules/rtmp/http-flv.js';
import { PLAYER_MEDIAS } from '../../../../addon/src/modules/rtmp/flv-writer.js';
import { waitFor } from '../../../helpers/wait.js';

/**
 * HTTP-FLV clients on real loopback sockets: one stops reading, one keeps reading. The stuck one is dropped
 * once its response buffer stays over the high-water mark past the write deadline (limits scaled down so it
 * happens in well under a second); the reading one keeps its socket and its data.
 */
const LIMITS = { highWaterBytes: 64 * 1024, maxBufferedBytes: 64 * 1024 * 1024, writeDeadlineMs: 300 };
const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };

/** An AVCC key frame: the SPS and PPS x264 wrote for 320x240 baseline, and an IDR slice of `size` bytes. */
function keyframe(size: number): Buffer {
  const nals = [
    Buffer.from('6742c00dd90141fb011000000300100000030320f142a480', 'hex'),
    Buffer.from('68cb83cb20', 'hex'),
    Buffer.alloc(size, 0x11),
  ];
  nals[2]![0] = 0x65;
  return Buffer.concat(
    nals.map((nal) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(nal.length);
      return Buffer.concat([length, nal]);
    }),
  );
}

describe('HTTP-FLV client back-pressure', () => {
  let server: Server;
  let port = 0;
  const track = new Receiver(PLAYER_MEDIAS[0]!, H264);
  const consumers: FlvHttpConsumer[] = [];
  let feeding: NodeJS.Timeout | undefined;

  before(async () => {
    server = createServer((req, res) => {
      const consumer = new FlvHttpConsumer(res, `${req.socket.remoteAddress}:${req.socket.remotePort}`, '', LIMITS);
      consumer.addTrack(PLAYER_MEDIAS[0]!, H264, track);
      consumers.push(consumer);
      res.writeHead(200, { 'Content-Type': 'video/x-flv' });
      consumer.begin();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // 128 KiB key frames every 2 ms: ~64 MB/s, so a client that stops reading fills the kernel's buffers fast.
    let timestamp = 0;
    feeding = setInterval(
      () => track.write({ payload: keyframe(128 * 1024), timestamp: (timestamp += 3600), keyframe: true }),
      2,
    );
  });
  after(async () => {
    clearInterval(feeding);
    for (const consumer of consumers) await consumer.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(): { socket: Socket; received: () => number } {
    const socket = connect(port, '127.0.0.1');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => undefined);
    socket.write(`GET /api/stream.flv?src=cam HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    return { socket, received: () => bytes };
  }

  it('drops a client that stops reading, and keeps the one that reads', async () => {
    const stuck = client();
    const reading = client();
    await waitFor(() => stuck.received() > 0 && reading.received() > 0 && consumers.length === 2, {
      timeoutMs: 5000,
      what: 'both clients served',
    });
    stuck.socket.pause();
    const pausedAt = performance.now();
    const of = (socket: Socket) => consumers.find((c) => c.toJSON().remote_addr === `127.0.0.1:${socket.localPort}`);
    const stuckConsumer = of(stuck.socket);
    const readingConsumer = of(reading.socket);
    assert.ok(stuckConsumer && readingConsumer && stuckConsumer !== readingConsumer);
    await waitFor(() => stuckConsumer!.isClosed, { timeoutMs: 10_000, what: 'the stuck client dropped' });
    const droppedMs = performance.now() - pausedAt;
    const before = reading.received();
    await waitFor(() => reading.received() > before + 1024 * 1024, {
      timeoutMs: 5000,
      what: 'the reading client still served',
    });
    assert.equal(readingConsumer!.isClosed, false);
    assert.equal(track.sinkCount, 1, "the stuck client's sender left the track");
    process.stderr.write(`stuck HTTP-FLV client dropped ${droppedMs.toFixed(0)} ms after it stopped reading\n`);
    stuck.socket.destroy();
    reading.socket.destroy();
  });
});
