import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RtspReader, type RtspReadItem } from '../../../../addon/src/pkg/rtsp/index.js';
import { isViewOf } from '../rtp/capture.js';
import { Prng } from '../../../fuzz/mutate.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const sdpFixture = (name: string) => readFileSync(new URL(`../sdp/fixtures/${name}`, import.meta.url));

/** A comparable form of read items: kind, start line or channel, headers, body/payload bytes. */
function describeItems(items: readonly RtspReadItem[]): unknown[] {
  return items.map((i) => {
    switch (i.kind) {
      case 'request':
        return ['request', i.method, i.uri, i.version, i.headers.entries(), i.body.toString('hex')];
      case 'response':
        return ['response', i.status, i.reason, i.headers.entries(), i.body.toString('hex')];
      case 'frame':
        return ['frame', i.channel, i.payload.toString('hex')];
      case 'garbage':
        return ['garbage', i.size, i.error.code];
      case 'error':
        return ['error', i.error.code];
    }
  });
}

function readChunked(data: Buffer, sizes: () => number, reader = new RtspReader()): RtspReadItem[] {
  const items: RtspReadItem[] = [];
  for (let pos = 0; pos < data.length;) {
    const n = Math.max(1, sizes());
    items.push(...reader.push(data.subarray(pos, pos + n)));
    pos += n;
  }
  return items;
}

describe('RtspReader on captured sessions', () => {
  const server = fixture('gst_onvif_digest.server.bin');

  it('GStreamer server side: 8 responses and the interleaved RTP, the DESCRIBE body is the SDP', () => {
    const reader = new RtspReader();
    const items = reader.push(server);
    const responses = items.filter((i) => i.kind === 'response');
    assert.deepEqual(
      responses.map((r) => [r.status, r.headers.get('cseq')]),
      [
        [200, '1'],
        [401, '2'],
        [200, '3'],
        [200, '4'],
        [200, '5'],
        [200, '6'],
        [200, '7'],
        [200, '8'],
      ],
    );
    assert.deepEqual(responses[2]?.body, sdpFixture('gst_onvif_backchannel.sdp'));
    assert.equal(responses[2]?.headers.get('CONTENT-BASE'), 'rtsp://127.0.0.1:18622/cam/');
    const frames = items.filter((i) => i.kind === 'frame');
    assert.deepEqual([...new Set(frames.map((f) => f.channel))].sort(), [0, 2]);
    assert.equal(frames.length, 80);
    for (const f of frames) assert.ok(isViewOf(f.payload, server), 'frames within one chunk are views');
    assert.equal(reader.buffered, 0);
  });

  it('gives the same items however the stream is cut (1-byte chunks, TCP-sized chunks, random)', () => {
    const whole = describeItems(new RtspReader().push(server));
    assert.deepEqual(describeItems(readChunked(server, () => 1)), whole);
    assert.deepEqual(describeItems(readChunked(server, () => 1448)), whole);
    const rng = new Prng(7);
    for (let round = 0; round < 20; round++) {
      assert.deepEqual(describeItems(readChunked(server, () => 1 + rng.below(3000))), whole, `round ${round}`);
    }
  });

  it('client side: our requests with Authorization, the RR and 25 backchannel packets', () => {
    const items = new RtspReader().push(fixture('gst_onvif_digest.client.bin'));
    const requests = items.filter((i) => i.kind === 'request');
    assert.deepEqual(
      requests.map((r) => r.method),
      ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'SETUP', 'PLAY', 'TEARDOWN'],
    );
    assert.equal(requests[3]?.uri, 'rtsp://127.0.0.1:18622/cam/stream=0');
    assert.deepEqual(
      requests.map((r) => r.headers.has('authorization')),
      [false, false, true, true, true, true, true, true],
    );
    const frames = items.filter((i) => i.kind === 'frame');
    assert.deepEqual(
      frames.map((f) => f.channel),
      [1, ...new Array<number>(25).fill(4)],
    );
  });

  it('ffmpeg publishing: ANNOUNCE with its SDP body, SETUP with mode=record, then RTP and RTCP', () => {
    const items = new RtspReader().push(fixture('ffmpeg_announce_h264_aac.bin'));
    const announce = items.find((i) => i.kind === 'request' && i.method === 'ANNOUNCE');
    assert.ok(announce?.kind === 'request');
    assert.equal(announce.headers.get('content-type'), 'application/sdp');
    assert.deepEqual(announce.body, sdpFixture('ffmpeg_announce_h264_aac.sdp'));
    const setup = items.find((i) => i.kind === 'request' && i.method === 'SETUP');
    assert.ok(setup?.kind === 'request');
    assert.equal(setup.headers.get('transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record');
    assert.equal(items.filter((i) => i.kind === 'frame').length, 21);
  });
});

describe('RtspReader resync and limits', () => {
  const options = Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n');
  const frame = Buffer.from('2401000580aabbccdd', 'hex');

  it('skips garbage between items and reports each run once, with its size', () => {
    const junk = Buffer.from('\x00\x01\x02junk here\r\n', 'latin1');
    const stream = Buffer.concat([junk, options, Buffer.from('zz'), frame, Buffer.from('\xff\xfe', 'latin1'), options]);
    const items = new RtspReader().push(stream);
    assert.deepEqual(
      describeItems(items).map((i) => (Array.isArray(i) ? i.slice(0, 2) : i)),
      [
        ['garbage', junk.length],
        ['request', 'OPTIONS'],
        ['garbage', 2],
        ['frame', 1],
        ['garbage', 2],
        ['request', 'OPTIONS'],
      ],
    );
    assert.equal(items[0]?.kind === 'garbage' && items[0].error.code, 'RTSP_GARBAGE');
    assert.deepEqual(describeItems(readChunked(stream, () => 1)), describeItems(items));
  });

  it('a `$` whose payload is not RTP/RTCP version 2 is garbage, a line that is not a start line is skipped', () => {
    const items = new RtspReader().push(
      Buffer.concat([Buffer.from('2400000512', 'hex'), Buffer.from('HELLO there\n'), options]),
    );
    assert.deepEqual(
      describeItems(items).map((i) => (Array.isArray(i) ? i.slice(0, 2) : i)),
      [
        ['garbage', 17],
        ['request', 'OPTIONS'],
      ],
    );
  });

  it('tolerates LF-only lines, a status line without a reason, folded and colon-less header lines', () => {
    const text =
      'RTSP/1.0 200\nCSeq: 3\nX-Long: a\n  b\nnot a header\nContent-Length: 2\n\nokRTSP/1.0 404 Not Found\r\ncseq: 4\r\n\r\n';
    const items = new RtspReader().push(Buffer.from(text));
    assert.deepEqual(describeItems(items), [
      [
        'response',
        200,
        '',
        [
          ['CSeq', '3'],
          ['X-Long', 'a b'],
          ['Content-Length', '2'],
        ],
        '6f6b',
      ],
      ['response', 404, 'Not Found', [['cseq', '4']], ''],
    ]);
  });

  it('an empty interleaved frame, and frames across chunks (then copied, still correct)', () => {
    const r = new RtspReader();
    assert.deepEqual(describeItems(r.push(Buffer.from('24030000', 'hex'))), [['frame', 3, '']]);
    assert.deepEqual(r.push(frame.subarray(0, 6)), []);
    assert.equal(r.buffered, 6);
    const [item] = r.push(frame.subarray(6));
    assert.ok(item?.kind === 'frame');
    assert.deepEqual(item.payload, frame.subarray(4));
  });

  it('headers over 64 KiB, a body over the cap, a bad Content-Length: an error item, then nothing', () => {
    const big = new RtspReader();
    const huge = Buffer.from(`OPTIONS * RTSP/1.0\r\nX: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    assert.deepEqual(describeItems(big.push(huge)), [['error', 'RTSP_HEADER_TOO_LARGE']]);
    assert.deepEqual(big.push(options), []);
    assert.equal(big.failed?.code, 'RTSP_HEADER_TOO_LARGE');
    assert.deepEqual(describeItems(readChunked(huge, () => 1000)), [['error', 'RTSP_HEADER_TOO_LARGE']]);
    const longLine = Buffer.from(`DESCRIBE rtsp://x/${'a'.repeat(70 * 1024)} RTSP/1.0\r\n\r\n`);
    assert.deepEqual(describeItems(new RtspReader().push(longLine)), [['error', 'RTSP_HEADER_TOO_LARGE']]);
    const body = Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 2000000\r\n\r\n');
    assert.deepEqual(describeItems(new RtspReader().push(body)), [['error', 'RTSP_BODY_TOO_LARGE']]);
    assert.deepEqual(
      describeItems(
        new RtspReader({ maxBodySize: 10 }).push(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 11\r\n\r\n')),
      ),
      [['error', 'RTSP_BODY_TOO_LARGE']],
    );
    assert.deepEqual(
      describeItems(new RtspReader().push(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n'))),
      [['error', 'RTSP_BAD_MESSAGE']],
    );
  });
});
