import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRtp, rtpPayloadOffset } from '../../../bench/lib/webrtc-viewer.js';

/** An RTP header: version 2, `csrcs` CSRC entries, an extension of `extensionWords` 32-bit words when given. */
function header(csrcs: number, extensionWords?: number): Buffer {
  const ext =
    extensionWords === undefined
      ? []
      : [0xbe, 0xde, 0, extensionWords, ...new Array<number>(4 * extensionWords).fill(7)];
  const fixed = [0x80 | (extensionWords === undefined ? 0 : 0x10) | csrcs, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
  return Buffer.from([...fixed, ...new Array<number>(4 * csrcs).fill(9), ...ext]);
}

describe('bench WebRTC viewer: reading SRTP headers in clear', () => {
  it('finds the payload after CSRCs and a header extension', () => {
    assert.equal(rtpPayloadOffset(Buffer.concat([header(0), Buffer.from([6])])), 12);
    assert.equal(rtpPayloadOffset(Buffer.concat([header(2), Buffer.from([6])])), 20);
    assert.equal(rtpPayloadOffset(Buffer.concat([header(0, 1), Buffer.from([6])])), 20);
    assert.equal(rtpPayloadOffset(Buffer.concat([header(1, 2), Buffer.from([6])])), 28);
    assert.equal(rtpPayloadOffset(header(0)), 12, 'an empty payload');
  });

  it('says -1 for a header cut short', () => {
    assert.equal(rtpPayloadOffset(Buffer.alloc(11)), -1);
    assert.equal(rtpPayloadOffset(header(2).subarray(0, 16)), -1);
    assert.equal(rtpPayloadOffset(header(0, 2).subarray(0, 14)), -1);
    assert.equal(rtpPayloadOffset(header(0, 2).subarray(0, 20)), -1);
  });

  it('tells RTP from RTCP, STUN and DTLS on the same port', () => {
    assert.equal(isRtp(header(0)), true);
    const marked = header(0);
    marked[1] = 0x80 | 96;
    assert.equal(isRtp(marked), true, 'a marked packet of payload type 96 (second byte 224)');
    const senderReport = Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0)]);
    assert.equal(isRtp(senderReport), false);
    assert.equal(isRtp(Buffer.from([0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0])), false, 'STUN');
    assert.equal(isRtp(Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), false, 'DTLS');
    assert.equal(isRtp(Buffer.alloc(4, 0x80)), false, 'too short');
  });
});
