import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message, classes, methods } from 'werift';
import { readFileSync } from 'node:fs';
import {
  bindingRequestUsername,
  buildBindingRequest,
  classifyStunDatagram,
  parseBindingResponse,
  peekStunHeader,
  stunRequestTransaction,
} from '../../../../addon/src/pkg/webrtc/stun.js';
import { encodeFrameHeader, readFirstFrame } from '../../../../addon/src/pkg/webrtc/tcp-frame.js';

/** A binding request as a browser sends it first on an ICE-TCP connection (werift's encoder, a third party). */
function bindingRequest(username: string): Buffer {
  const message = new Message(methods.BINDING, classes.REQUEST);
  message.setAttribute('USERNAME', username);
  message.setAttribute('PRIORITY', 1853824767);
  message.setAttribute('ICE-CONTROLLING', 5n);
  return message.bytes;
}
const REQUEST = bindingRequest('Xk2s:abcd1234');

describe('STUN peeking', () => {
  it('reads the USERNAME of a binding request', () => {
    assert.equal(bindingRequestUsername(REQUEST), 'Xk2s:abcd1234');
    assert.equal(REQUEST.subarray(20, 24).toString('hex'), '0006000d', 'USERNAME first, 13 bytes');
  });

  it('says undefined for anything that is not a binding request, and throws only STUN_INVALID', () => {
    assert.equal(bindingRequestUsername(Buffer.from('16fefd0000000000000000', 'hex')), undefined, 'DTLS');
    assert.equal(bindingRequestUsername(Buffer.alloc(20)), undefined, 'no magic cookie');
    assert.equal(peekStunHeader(REQUEST.subarray(0, 30)), undefined, 'length does not match');
    const truncatedAttribute = Buffer.from(REQUEST.subarray(0, 28));
    truncatedAttribute.writeUInt16BE(8, 2);
    truncatedAttribute.writeUInt16BE(200, 22);
    assert.throws(
      () => bindingRequestUsername(truncatedAttribute),
      (err: Error & { code?: string }) => err.code === 'STUN_INVALID',
    );
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(REQUEST);
      junk[20 + (i % 40)] = (i * 37) & 0xff;
      try {
        bindingRequestUsername(junk);
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'STUN_INVALID');
      }
    }
  });

  it('builds a binding request and reads XOR-MAPPED-ADDRESS from the answer', () => {
    const id = Buffer.from('0102030405060708090a0b0c', 'hex');
    const request = buildBindingRequest(id);
    assert.equal(request.toString('hex'), '000100002112a442' + id.toString('hex'));
    // Answer for 203.0.113.7:54321, XORed with the magic cookie (RFC 5389 15.2).
    const port = 54321 ^ 0x2112;
    const ip = [203 ^ 0x21, 0 ^ 0x12, 113 ^ 0xa4, 7 ^ 0x42];
    const attr = Buffer.from([0x00, 0x20, 0x00, 0x08, 0x00, 0x01, port >> 8, port & 0xff, ...ip]);
    const response = Buffer.concat([Buffer.from('0101000c2112a442', 'hex'), id, attr]);
    assert.deepEqual(parseBindingResponse(response, id), { host: '203.0.113.7', port: 54321 });
    assert.equal(parseBindingResponse(response, Buffer.alloc(12)), undefined, 'another transaction');
  });
});

describe('RFC 4571 framing', () => {
  it('reads the first frame when complete, and refuses empty or oversized ones', () => {
    const frame = Buffer.concat([encodeFrameHeader(3), Buffer.from('abc'), Buffer.from('rest')]);
    assert.equal(readFirstFrame(frame.subarray(0, 4), 100), undefined);
    const first = readFirstFrame(frame, 100);
    assert.equal(first?.frame.toString(), 'abc');
    assert.equal(first?.rest.toString(), 'rest');
    assert.throws(
      () => readFirstFrame(Buffer.from([0, 0]), 100),
      (err: Error & { code?: string }) => err.code === 'TCP_FRAME_INVALID',
    );
    assert.throws(
      () => readFirstFrame(Buffer.from([0x16, 0x03]), 1500),
      (err: Error & { code?: string }) => err.code === 'TCP_FRAME_INVALID',
      'TLS, not ICE-TCP',
    );
    assert.throws(
      () => encodeFrameHeader(70000),
      (err: Error & { code?: string }) => err.code === 'TCP_FRAME_INVALID',
    );
  });
});

/** werift 0.24.4's bytes (a third party's encoder), one message a line: a binding request, then its response. */
const [FIXTURE_REQUEST, FIXTURE_RESPONSE] = readFileSync(
  new URL('./fixtures/stun-binding.hex', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => Buffer.from(l, 'hex')) as [Buffer, Buffer];
const CLOSE_NOTIFY = Buffer.from(
  readFileSync(new URL('./fixtures/aiortc-close-notify.hex', import.meta.url), 'utf8').split('\n')[0]!,
  'hex',
);

describe('STUN classification for the shared UDP port', () => {
  it('a binding request: our ufrag (USERNAME before the colon) and its transaction id', () => {
    assert.deepEqual(classifyStunDatagram(FIXTURE_REQUEST), {
      kind: 'request',
      ufrag: 'Xk2s',
      transactionId: 'a1b2c3d4e5f6a7b8c9d0e1f2',
    });
    assert.equal(stunRequestTransaction(FIXTURE_REQUEST), 'a1b2c3d4e5f6a7b8c9d0e1f2');
  });

  it('a success response: its transaction id, and no request id for it', () => {
    assert.deepEqual(classifyStunDatagram(FIXTURE_RESPONSE), {
      kind: 'response',
      transactionId: 'a1b2c3d4e5f6a7b8c9d0e1f2',
    });
    assert.equal(stunRequestTransaction(FIXTURE_RESPONSE), undefined);
    const error = Buffer.from(FIXTURE_RESPONSE);
    error.writeUInt16BE(0x0111, 0);
    assert.equal(classifyStunDatagram(error)?.kind, 'response', 'an error response too');
  });

  it('DTLS, SRTP and garbage are not STUN (RFC 7983 first byte), and nothing throws', () => {
    assert.equal(classifyStunDatagram(CLOSE_NOTIFY), undefined, 'DTLS alert');
    assert.equal(classifyStunDatagram(Buffer.from('80e0000100000000deadbeef', 'hex')), undefined, 'SRTP');
    assert.equal(classifyStunDatagram(Buffer.alloc(0)), undefined, 'empty');
    assert.equal(classifyStunDatagram(FIXTURE_REQUEST.subarray(0, 40)), undefined, 'truncated: length does not match');
    assert.equal(stunRequestTransaction(CLOSE_NOTIFY), undefined);
  });

  it('a request without USERNAME, a bad attribute, an indication, another method', () => {
    assert.deepEqual(classifyStunDatagram(buildBindingRequest(Buffer.alloc(12, 7))), {
      kind: 'request',
      ufrag: undefined,
      transactionId: '07'.repeat(12),
    });
    const broken = Buffer.from(FIXTURE_REQUEST);
    broken.writeUInt16BE(0x0fff, 22); // USERNAME's length runs past the message
    assert.deepEqual(classifyStunDatagram(broken), {
      kind: 'request',
      ufrag: undefined,
      transactionId: 'a1b2c3d4e5f6a7b8c9d0e1f2',
    });
    const indication = Buffer.from(FIXTURE_REQUEST);
    indication.writeUInt16BE(0x0011, 0);
    assert.deepEqual(classifyStunDatagram(indication), { kind: 'other' });
    const allocate = Buffer.from(FIXTURE_REQUEST);
    allocate.writeUInt16BE(0x0003, 0);
    assert.deepEqual(classifyStunDatagram(allocate), { kind: 'other' });
    assert.equal(
      stunRequestTransaction(allocate),
      'a1b2c3d4e5f6a7b8c9d0e1f2',
      'a TURN request still gets its response routed',
    );
  });
});
