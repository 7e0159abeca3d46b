import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  MultipartError,
  MultipartParser,
  boundaryOf,
  normalizeBoundary,
} from '../../../../addon/src/pkg/multipart/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
/** `ffmpeg -f lavfi -i testsrc2=size=64x48 -frames:v 3 -c:v mjpeg -huffman default -f mpjpeg`: boundary `ffmpeg`, Content-length per part. */
const MPJPEG = fixture('ffmpeg_mpjpeg_64x48_3frames.bin');

const jpeg = (n: number): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(n, n & 0xff), Buffer.from([0xff, 0xd9])]);

function feedAll(parser: MultipartParser, input: Buffer, chunkSize: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize)
    bodies.push(...parser.push(input.subarray(i, i + chunkSize)).map((p) => p.body));
  return bodies;
}

describe('pkg/multipart MultipartParser', () => {
  it('cuts ffmpeg mpjpeg bytes into its three JPEGs, whole and in 1-byte chunks', () => {
    for (const chunk of [MPJPEG.length, 1, 7, 1000]) {
      const parser = new MultipartParser({ boundary: 'ffmpeg' });
      const bodies = feedAll(parser, MPJPEG, chunk);
      // The third part has no following boundary yet, but its Content-length ends it.
      assert.equal(bodies.length, 3, `chunk ${chunk}`);
      for (const body of bodies) {
        assert.deepEqual([...body.subarray(0, 2)], [0xff, 0xd8]);
        assert.deepEqual([...body.subarray(-2)], [0xff, 0xd9]);
      }
      assert.equal(bodies[0]?.length, 2303);
    }
  });

  it('reads the headers of a part (names lower-cased)', () => {
    const parser = new MultipartParser();
    const [part] = parser.push(MPJPEG);
    assert.equal(part?.headers.get('content-type'), 'image/jpeg');
    assert.equal(part?.headers.get('content-length'), '2303');
  });

  it('without Content-Length a part ends at the next boundary; the CRLF before it is not part of the body', () => {
    const a = jpeg(10);
    const b = jpeg(20);
    const input = Buffer.concat([
      Buffer.from('--myboundary\r\nContent-Type: image/jpeg\r\n\r\n'),
      a,
      Buffer.from('\r\n--myboundary\r\nContent-Type: image/jpeg\r\n\r\n'),
      b,
      Buffer.from('\r\n--myboundary\r\n'),
    ]);
    const bodies = feedAll(new MultipartParser({ boundary: 'myboundary' }), input, 3);
    assert.deepEqual(bodies, [a, b]);
  });

  it('accepts bare LF line ends, a preamble and blank lines between parts', () => {
    const a = jpeg(5);
    const input = Buffer.concat([
      Buffer.from('preamble\n\n--b\nContent-Length: 9\n\n'),
      a,
      Buffer.from('\n\n\n--b\nContent-Length: 9\n\n'),
      a,
    ]);
    assert.deepEqual(
      new MultipartParser({ boundary: 'b' }).push(input).map((p) => p.body),
      [a, a],
    );
  });

  it('learns the boundary from the body when the header announced another (or none)', () => {
    const a = jpeg(4);
    const input = Buffer.concat([
      Buffer.from('--real\r\nContent-Length: 8\r\n\r\n'),
      a,
      Buffer.from('\r\n--real\r\n\r\n'),
      a,
      Buffer.from('\r\n--real\r\n'),
    ]);
    assert.equal(new MultipartParser({ boundary: 'announced' }).push(input).length, 2);
    assert.equal(new MultipartParser().push(input).length, 2);
  });

  it('a JPEG that contains the boundary text stays whole when Content-Length is given', () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from('\r\n--b\r\n'), Buffer.from([0xff, 0xd9])]);
    const input = Buffer.concat([
      Buffer.from(`--b\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
      Buffer.from('\r\n--b\r\n'),
    ]);
    assert.deepEqual(
      new MultipartParser({ boundary: 'b' }).push(input).map((p) => p.body),
      [body],
    );
  });

  it('typed errors: no boundary, header too large, bad Content-Length, part too large', () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof MultipartError);
        return err.code;
      }
      return 'none';
    };
    assert.equal(
      code(() => new MultipartParser({ maxPreambleBytes: 100 }).push(Buffer.alloc(200, 0x41))),
      'MULTIPART_NO_BOUNDARY',
    );
    assert.equal(
      code(() => new MultipartParser({ maxPreambleBytes: 100 }).push(Buffer.from('x\n'.repeat(100)))),
      'MULTIPART_NO_BOUNDARY',
    );
    assert.equal(
      code(() => new MultipartParser({ maxHeaderBytes: 64 }).push(Buffer.from(`--b\r\nX: ${'y'.repeat(100)}`))),
      'MULTIPART_HEADER_TOO_LARGE',
    );
    assert.equal(
      code(() => new MultipartParser().push(Buffer.from('--b\r\nContent-Length: -1\r\n\r\n'))),
      'MULTIPART_LENGTH_INVALID',
    );
    assert.equal(
      code(() => new MultipartParser({ maxPartBytes: 10 }).push(Buffer.from('--b\r\nContent-Length: 11\r\n\r\n'))),
      'MULTIPART_LENGTH_INVALID',
    );
    assert.equal(
      code(() => new MultipartParser({ maxPartBytes: 10 }).push(Buffer.from(`--b\r\n\r\n${'z'.repeat(20)}`))),
      'MULTIPART_PART_TOO_LARGE',
    );
  });

  it('boundaryOf reads the Content-Type parameter as cameras write it', () => {
    assert.equal(boundaryOf('multipart/x-mixed-replace; boundary=myboundary'), 'myboundary');
    assert.equal(boundaryOf('multipart/x-mixed-replace;boundary=ffmpeg'), 'ffmpeg');
    assert.equal(boundaryOf('multipart/x-mixed-replace; boundary="--frame"'), 'frame');
    assert.equal(boundaryOf('multipart/x-mixed-replace'), undefined);
    assert.equal(normalizeBoundary(' "" '), undefined);
  });
});
