import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RtspError,
  RtspHeaders,
  RtspReader,
  interleavedHeader,
  rtspStatusError,
  serializeRequest,
  serializeResponse,
} from '../../../../addon/src/pkg/rtsp/index.js';

describe('RtspHeaders', () => {
  it('is case-insensitive, keeps spelling, order and repeated names', () => {
    const h = new RtspHeaders([
      ['CSeq', '2'],
      ['WWW-Authenticate', 'Digest realm="a", nonce="b"'],
      ['www-authenticate', 'Basic realm="a"'],
    ]);
    assert.equal(h.get('cseq'), '2');
    assert.deepEqual(h.getAll('WWW-AUTHENTICATE'), ['Digest realm="a", nonce="b"', 'Basic realm="a"']);
    h.set('Www-Authenticate', 'x');
    assert.deepEqual(h.entries(), [
      ['CSeq', '2'],
      ['Www-Authenticate', 'x'],
    ]);
    h.delete('CSEQ');
    assert.equal(h.has('cseq'), false);
    assert.deepEqual(new RtspHeaders({ A: '1', b: '2' }).toJSON(), { A: '1', b: '2' });
  });
});

describe('serializing messages', () => {
  it('a request: start line, headers in order, Content-Length from the body', () => {
    const bytes = serializeRequest({
      method: 'ANNOUNCE',
      uri: 'rtsp://127.0.0.1:8554/live',
      headers: { CSeq: '2', 'Content-Type': 'application/sdp', 'Content-Length': '999' },
      body: 'v=0\r\n',
    });
    assert.equal(
      bytes.toString(),
      'ANNOUNCE rtsp://127.0.0.1:8554/live RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n',
    );
  });

  it('a response: the RFC 2326 reason by default, no Content-Length without a body', () => {
    assert.equal(
      serializeResponse({ status: 454, headers: { CSeq: '5' } }).toString(),
      'RTSP/1.0 454 Session Not Found\r\nCSeq: 5\r\n\r\n',
    );
    assert.equal(serializeResponse({ status: 299, reason: 'Odd' }).toString(), 'RTSP/1.0 299 Odd\r\n\r\n');
  });

  it('line breaks in values cannot inject headers', () => {
    const bytes = serializeResponse({ status: 200, headers: { CSeq: '1\r\nSession: evil' } });
    const [item] = new RtspReader().push(bytes);
    assert.ok(item?.kind === 'response');
    assert.equal(item.headers.has('session'), false);
  });

  it('what it writes the reader reads back', () => {
    const req = serializeRequest({
      method: 'SET_PARAMETER',
      uri: '*',
      headers: new RtspHeaders({ CSeq: '9' }),
      body: Buffer.from('a: b\r\n'),
    });
    const [item] = new RtspReader().push(req);
    assert.ok(item?.kind === 'request');
    assert.deepEqual(
      [item.method, item.uri, item.headers.get('cseq'), item.body.toString()],
      ['SET_PARAMETER', '*', '9', 'a: b\r\n'],
    );
  });

  it('interleaved headers, and status errors with stable codes', () => {
    assert.equal(interleavedHeader(4, 1400).toString('hex'), '24040578');
    assert.throws(
      () => interleavedHeader(256, 1),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_MESSAGE',
    );
    assert.throws(
      () => interleavedHeader(0, 65536),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_MESSAGE',
    );
    const err = rtspStatusError(401, 'Unauthorized', 'DESCRIBE rtsp://cam/live');
    assert.equal(err.code, 'RTSP_401');
    assert.equal(err.message, 'RTSP_401: Unauthorized (DESCRIBE rtsp://cam/live)');
  });
});
