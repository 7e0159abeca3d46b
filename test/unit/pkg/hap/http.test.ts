import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HapError, HapMessageReader } from '../../../../addon/src/pkg/hap/index.js';
import { encodeRequest } from '../../../../addon/src/pkg/hap/http.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('pkg/hap HTTP over the session', () => {
  it('writes a request with Host, Content-Type and Content-Length', () => {
    const body = Buffer.from('{"characteristics":[]}');
    assert.equal(
      encodeRequest('PUT', '/characteristics', '127.0.0.1:51826', body, 'application/hap+json').toString(),
      'PUT /characteristics HTTP/1.1\r\nHost: 127.0.0.1:51826\r\nContent-Type: application/hap+json\r\nContent-Length: 22\r\n\r\n{"characteristics":[]}',
    );
    assert.equal(
      encodeRequest('GET', '/accessories', 'h:1').toString(),
      'GET /accessories HTTP/1.1\r\nHost: h:1\r\n\r\n',
    );
  });

  it('reads answers with Content-Length, 204 without a body and EVENT/1.0, split anywhere', () => {
    const stream = text(
      'HTTP/1.1 200 OK\r\nContent-Type: application/pairing+tlv8\r\nContent-Length: 3\r\n\r\n\x06\x01\x02' +
        'HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n' +
        'EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 2\r\n\r\n{}',
    );
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new HapMessageReader();
      const messages = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      assert.deepEqual(
        messages.map((m) => [m.protocol, m.status, m.body.toString('hex')]),
        [
          ['HTTP/1.1', 200, '060102'],
          ['HTTP/1.1', 204, ''],
          ['EVENT/1.0', 200, '7b7d'],
        ],
        `cut at ${cut}`,
      );
      assert.equal(messages[0]!.headers.get('content-type'), 'application/pairing+tlv8');
    }
  });

  it('reads chunked bodies', () => {
    const reader = new HapMessageReader();
    const [message] = reader.push(
      text('HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n'),
    );
    assert.equal(message?.status, 207);
    assert.equal(message?.body.toString(), 'abcde');
  });

  it('malformed answers are HAP_HTTP_INVALID', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc',
    ];
    for (const input of bad) {
      assert.throws(
        () => new HapMessageReader().push(text(input)),
        (err: unknown) => err instanceof HapError && err.code === 'HAP_HTTP_INVALID',
        input,
      );
    }
    assert.throws(() => new HapMessageReader().push(Buffer.alloc(17 * 1024, 0x41)), /header block/);
  });
});
