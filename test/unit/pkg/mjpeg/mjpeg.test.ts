import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  JpegStreamSplitter,
  MJPEG_CONTENT_TYPE,
  MjpegError,
  jpegSize,
  multipartPart,
  partHeader,
} from '../../../../addon/src/pkg/mjpeg/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const baseline = fixture('ffmpeg_160x90.jpg');
const stream3 = fixture('ffmpeg_64x48_3frames.mjpeg');

/** A marker segment: FF, marker, 2-byte length, body. */
function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/**
 * A progressive-shaped JPEG: SOF2, then two scans each preceded by a DHT, with stuffed FF 00 and a restart
 * marker in the entropy data. Only the marker structure matters to the splitter and the size parser.
 */
function progressive(width: number, height: number): Buffer {
  const sof = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  const dht = Buffer.alloc(17 + 1, 0);
  dht[1] = 1;
  const sos = Buffer.from([1, 1, 0, 0, 63, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xc2, sof),
    segment(0xc4, dht),
    segment(0xda, sos),
    Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]),
    segment(0xc4, dht),
    segment(0xda, sos),
    Buffer.from([0x78, 0xff, 0x00]),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** The baseline fixture with an EXIF-like APP1 holding a whole thumbnail JPEG (its own SOI...EOI). */
function withThumbnail(image: Buffer): Buffer {
  const thumb = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from([0xff, 0xd8, 0xff, 0xd9])]);
  return Buffer.concat([image.subarray(0, 2), segment(0xe1, thumb), image.subarray(2)]);
}

describe('multipart framing (go2rtc byte for byte)', () => {
  it('writes the boundary, headers, image and CRLF', () => {
    assert.equal(MJPEG_CONTENT_TYPE, 'multipart/x-mixed-replace; boundary=frame');
    const image = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    const parts = multipartPart(image);
    assert.equal(
      Buffer.concat(parts).toString('latin1'),
      `--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 7\r\n\r\n${image.toString('latin1')}\r\n`,
    );
    assert.equal(parts[1], image, 'the image is written by reference');
    assert.equal(partHeader(4506).toString(), '--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 4506\r\n\r\n');
  });
});

describe('jpegSize', () => {
  it('reads the frame header of real and progressive images', () => {
    assert.deepEqual(jpegSize(baseline), { width: 160, height: 90 });
    assert.deepEqual(jpegSize(progressive(1920, 1080)), { width: 1920, height: 1080 });
    assert.deepEqual(jpegSize(withThumbnail(baseline)), { width: 160, height: 90 });
  });

  it('refuses what is not a JPEG, and truncations, with a code', () => {
    assert.throws(
      () => jpegSize(Buffer.from('GIF89a....')),
      (e: unknown) => e instanceof MjpegError && e.code === 'MJPEG_NOT_JPEG',
    );
    for (let cut = 0; cut < 200; cut += 7) {
      assert.throws(
        () => jpegSize(baseline.subarray(0, cut)),
        (e: unknown) => e instanceof MjpegError && (e.code === 'MJPEG_TRUNCATED' || e.code === 'MJPEG_NOT_JPEG'),
        `cut at ${cut}`,
      );
    }
    const zeroLength = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0, 0, 0]);
    assert.throws(
      () => jpegSize(zeroLength),
      (e: unknown) => e instanceof MjpegError && e.code === 'MJPEG_NOT_JPEG',
    );
  });
});

describe('JpegStreamSplitter', () => {
  const frames3 = new JpegStreamSplitter().push(stream3);

  it("cuts ffmpeg's -f mjpeg output into its three images", () => {
    assert.equal(frames3.length, 3);
    assert.equal(
      frames3.reduce((n, f) => n + f.length, 0),
      stream3.length,
    );
    for (const frame of frames3) {
      assert.deepEqual(jpegSize(frame), { width: 64, height: 48 });
      assert.deepEqual([...frame.subarray(-2)], [0xff, 0xd9]);
    }
  });

  it('gives the same images whatever the chunk sizes, down to single bytes', () => {
    for (const size of [1, 2, 3, 5, 64, 1000, 4096]) {
      const splitter = new JpegStreamSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream3.length; i += size) out.push(...splitter.push(stream3.subarray(i, i + size)));
      assert.deepEqual(
        out.map((f) => f.toString('hex')),
        frames3.map((f) => f.toString('hex')),
        `chunks of ${size}`,
      );
      assert.equal(splitter.pendingBytes, 0);
    }
  });

  it('keeps an EXIF thumbnail inside its picture, and progressive scans together', () => {
    const thumb = withThumbnail(baseline);
    const prog = progressive(32, 16);
    const out = new JpegStreamSplitter().push(Buffer.concat([thumb, prog, thumb]));
    assert.deepEqual(
      out.map((f) => f.length),
      [thumb.length, prog.length, thumb.length],
    );
  });

  it('skips and counts garbage before and between images', () => {
    const splitter = new JpegStreamSplitter();
    const junk = Buffer.from('HTTP/1.0 200 OK\r\n\r\n\xff\x00\xff');
    const out = splitter.push(Buffer.concat([junk, baseline, Buffer.from([0, 1, 2]), baseline]));
    assert.equal(out.length, 2);
    assert.equal(splitter.stats.skippedBytes, junk.length + 3);
  });

  it('drops a frame that outgrows the cap and recovers at the next image', () => {
    const splitter = new JpegStreamSplitter(1000);
    const endless = Buffer.concat([baseline.subarray(0, 600), Buffer.alloc(2000, 0x11)]);
    assert.deepEqual(splitter.push(endless), []);
    assert.equal(splitter.stats.droppedFrames, 1);
    const small = progressive(8, 8);
    assert.deepEqual(
      splitter.push(small).map((f) => f.length),
      [small.length],
    );
  });

  it('starts over when a picture breaks off and a new one begins', () => {
    const broken = baseline.subarray(0, 300);
    const out = new JpegStreamSplitter().push(Buffer.concat([broken, baseline]));
    assert.equal(out.at(-1)?.length, baseline.length);
    assert.deepEqual(jpegSize(out.at(-1) ?? Buffer.alloc(0)), { width: 160, height: 90 });
  });

  it('never throws and never grows past its cap on random bytes (seeded)', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const splitter = new JpegStreamSplitter(64 * 1024);
    for (let round = 0; round < 300; round++) {
      const chunk = Buffer.alloc(1 + (rand() % 4096));
      for (let i = 0; i < chunk.length; i++) chunk[i] = rand() % 7 === 0 ? 0xff : rand() & 0xff;
      if (round % 10 === 0) chunk.set(baseline.subarray(0, Math.min(baseline.length, chunk.length)));
      splitter.push(chunk);
      assert.ok(splitter.pendingBytes <= 64 * 1024);
    }
  });
});
