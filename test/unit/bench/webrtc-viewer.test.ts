import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSrtp } from '../../../bench/lib/webrtc-viewer.js';

/** A 12-byte RTP header: version 2, payload type 96. */
const header = (): Buffer => Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);

describe('bench WebRTC viewer: which datagrams are SRTP', () => {
  it('tells RTP from RTCP, STUN and DTLS on the same port', () => {
    assert.equal(isSrtp(header()), true);
    const marked = header();
    marked[1] = 0x80 | 96;
    assert.equal(isSrtp(marked), true, 'a marked packet of payload type 96 (second byte 224)');
    const senderReport = Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0)]);
    assert.equal(isSrtp(senderReport), false);
    assert.equal(isSrtp(Buffer.from([0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0])), false, 'STUN');
    assert.equal(isSrtp(Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), false, 'DTLS');
    assert.equal(isSrtp(Buffer.alloc(4, 0x80)), false, 'too short');
  });
});
