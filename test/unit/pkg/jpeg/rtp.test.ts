import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  JpegDepacketizer,
  JpegError,
  JpegPacketizer,
  buildJpegHeader,
  parseJpeg,
  scaledQuantTables,
} from '../../../../addon/src/pkg/jpeg/index.js';
import { RtpError, parseRtp, rtpPacketToBuffer } from '../../../../addon/src/pkg/rtp/index.js';
import { depacketizeAll, fixtureUrl, packetizeAll, readFrames, readPackets, readSession } from '../rtp/capture.js';

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 26;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  return Buffer.concat([h, payload]);
}

const restartJpeg = readFileSync(fixtureUrl('jpeg', 'ffmpeg_restart_420.jpg'));

describe('JPEG depacketizer on real streams', () => {
  for (const name of ['gst_jpeg420', 'gst_jpeg422']) {
    it(`${name}: rtpjpegpay fragments become the JPEG jpegenc made (same scan, tables, size)`, () => {
      const packets = readPackets(fixtureUrl('jpeg', `${name}.rtp`));
      const originals = readFrames(fixtureUrl('jpeg', `${name}.frames`));
      const frames = depacketizeAll(new JpegDepacketizer(), packets);
      assert.equal(frames.length, originals.length);
      frames.forEach((f, i) => {
        assert.ok(f.keyframe);
        const ours = parseJpeg(f.payload);
        const theirs = parseJpeg(originals[i] as Buffer);
        assert.deepEqual(
          [ours.width, ours.height, ours.type, ours.quantTables, ours.restartInterval, ours.standardHuffman],
          [theirs.width, theirs.height, theirs.type, theirs.quantTables, theirs.restartInterval, true],
        );
        assert.deepEqual(ours.scan, theirs.scan);
      });
    });
  }

  it('ffmpeg -f rtsp (mjpeg, 2 slices): every image is whole', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_mjpeg_pcmu.bin'));
    const packets = channels.get(0) ?? [];
    // ffmpeg 5.1 sends type 1 even though its slices put restart markers in the scan.
    assert.equal(parseRtp(packets[0] as Buffer).payload[4], 1);
    const frames = depacketizeAll(new JpegDepacketizer(), packets);
    assert.equal(frames.length, 5);
    for (const f of frames) {
      const image = parseJpeg(f.payload);
      assert.deepEqual([image.width, image.height, image.type, image.restartInterval], [192, 128, 1, 0]);
    }
  });
});

describe('JPEG packetizer', () => {
  it('sends an ffmpeg JPEG with restart markers as type 65, Q 255 with its tables; the receiver rebuilds the same scan', () => {
    const source = parseJpeg(restartJpeg);
    assert.ok(source.restartInterval > 0 && source.type === 1);
    const packetizer = new JpegPacketizer({ payloadType: 26, ssrc: 5, initialSequence: 0, maxPayloadSize: 1000 });
    const packets = packetizer.packetize({ payload: restartJpeg, timestamp: 3600, keyframe: true });
    const first = Buffer.concat(packets[0]?.payload ?? []);
    assert.equal(
      first.subarray(0, 8).toString('hex'),
      '00000000' + '41' + 'ff' + '28' + '1e',
      'offset 0, type 65, Q 255, 320x240',
    );
    assert.equal(first.readUInt16BE(8), source.restartInterval);
    assert.equal(
      first.subarray(10, 16).toString('hex'),
      'ffff' + '0000' + '0080',
      'F=L=1, count 0x3fff; 2 8-bit tables',
    );
    assert.equal(packets.length, Math.ceil((source.scan.length + 132) / (1000 - 12)));
    for (const p of packets) assert.equal(p.timestamp, 3600);
    const frames = depacketizeAll(new JpegDepacketizer(), packets.map(rtpPacketToBuffer));
    assert.equal(frames.length, 1);
    assert.deepEqual(parseJpeg(frames[0]?.payload ?? Buffer.alloc(0)).scan, source.scan);
  });

  it('round trip is a fixed point: depacketize(packetize(image)) rebuilds the same bytes', () => {
    const frames = depacketizeAll(new JpegDepacketizer(), readPackets(fixtureUrl('jpeg', 'gst_jpeg422.rtp')));
    const again = depacketizeAll(
      new JpegDepacketizer(),
      packetizeAll(new JpegPacketizer({ payloadType: 26, maxPayloadSize: 700 }), frames),
    );
    assert.deepEqual(again, frames);
  });

  it('refuses what RTP/JPEG cannot carry', () => {
    const p = new JpegPacketizer({ payloadType: 26 });
    const code = (fn: () => unknown, c: string) =>
      assert.throws(fn, (e: unknown) => e instanceof JpegError && e.code === c);
    code(
      () => p.packetize({ payload: Buffer.from('ffd8ffd9', 'hex'), timestamp: 0, keyframe: true }),
      'JPEG_TRUNCATED',
    );
    code(
      () => p.packetize({ payload: Buffer.from('00112233', 'hex'), timestamp: 0, keyframe: true }),
      'JPEG_BAD_MARKER',
    );
    // A progressive SOF.
    const progressive = Buffer.concat([
      Buffer.from('ffd8ffc2000b08001000100101110000', 'hex').subarray(0, 15),
      Buffer.from('ffd9', 'hex'),
    ]);
    code(() => p.packetize({ payload: progressive, timestamp: 0, keyframe: true }), 'JPEG_UNSUPPORTED');
    // Custom Huffman tables: change one code count of the DC luminance table.
    const custom = Buffer.from(restartJpeg);
    const dht = custom.indexOf(Buffer.from('ffc4', 'hex'));
    custom[dht + 6] = (custom[dht + 6] ?? 0) + 1;
    custom[dht + 7] = (custom[dht + 7] ?? 1) - 1;
    code(() => p.packetize({ payload: custom, timestamp: 0, keyframe: true }), 'JPEG_UNSUPPORTED');
  });
});

describe('JPEG depacketizer details', () => {
  it('builds tables from Q < 128 (RFC 2435 scaling) and caches Q 128..254 tables sent once', () => {
    const [luma, chroma] = scaledQuantTables(50);
    assert.deepEqual([...luma.subarray(0, 8)], [16, 11, 12, 14, 12, 10, 16, 14], 'K.1 in zigzag order at Q 50');
    assert.deepEqual([...chroma.subarray(0, 4)], [17, 18, 18, 24]);
    assert.deepEqual([...scaledQuantTables(99)[0].subarray(0, 3)], [1, 1, 1]);
    const d = new JpegDepacketizer();
    const scan = Buffer.from('aabbccddeeff', 'hex');
    const header = (q: number) => Buffer.from([0, 0, 0, 0, 1, q, 2, 2]);
    const [frame] = d.push(parseRtp(rtp(1, 0, true, Buffer.concat([header(50), scan]))));
    assert.ok(frame);
    assert.deepEqual(parseJpeg(frame.payload).quantTables, [luma, chroma]);
    assert.deepEqual(parseJpeg(frame.payload).scan, scan);
    const tables = Buffer.concat([Buffer.from([0, 0, 0, 128]), Buffer.alloc(64, 3), Buffer.alloc(64, 4)]);
    assert.equal(d.push(parseRtp(rtp(2, 1, true, Buffer.concat([header(200), tables, scan])))).length, 1);
    const [cached] = d.push(parseRtp(rtp(3, 2, true, Buffer.concat([header(200), Buffer.from([0, 0, 0, 0]), scan]))));
    assert.deepEqual(parseJpeg(cached?.payload ?? Buffer.alloc(0)).quantTables, [
      Buffer.alloc(64, 3),
      Buffer.alloc(64, 4),
    ]);
    assert.throws(
      () => d.push(parseRtp(rtp(4, 3, true, Buffer.concat([header(201), Buffer.from([0, 0, 0, 0]), scan])))),
      (e: unknown) => e instanceof RtpError && e.code === 'RTP_BAD_PAYLOAD',
    );
  });

  it('drops a frame whose fragment offsets do not line up (a lost packet)', () => {
    const packets = readPackets(fixtureUrl('jpeg', 'gst_jpeg420.rtp'));
    const d = new JpegDepacketizer();
    const frames = depacketizeAll(
      d,
      packets.filter((_, i) => i !== 1),
    );
    assert.equal(frames.length, 1);
    assert.equal(d.stats.framesDropped, 1);
  });

  it('rejects unknown types and short headers', () => {
    const d = new JpegDepacketizer();
    const code = (fn: () => unknown, c: string) =>
      assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === c);
    code(() => d.push(parseRtp(rtp(1, 0, true, Buffer.from([0, 0, 0, 0, 2, 50, 2, 2, 0xaa])))), 'RTP_UNSUPPORTED');
    code(() => d.push(parseRtp(rtp(2, 0, true, Buffer.from([0, 0, 0])))), 'RTP_BAD_PAYLOAD');
    code(() => d.push(parseRtp(rtp(3, 0, true, Buffer.from([0, 0, 0, 0, 64, 50, 2, 2, 0])))), 'RTP_BAD_PAYLOAD');
  });

  it('the JFIF header it writes parses back', () => {
    const [luma, chroma] = scaledQuantTables(80);
    const header = buildJpegHeader({
      type: 0,
      width: 320,
      height: 240,
      quantTables: [luma, chroma],
      restartInterval: 20,
    });
    const image = parseJpeg(Buffer.concat([header, Buffer.from('00ffd9', 'hex')]));
    assert.deepEqual(
      [image.width, image.height, image.type, image.restartInterval, image.standardHuffman],
      [320, 240, 0, 20, true],
    );
  });
});
