import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hasDtlsAlert, isDtlsRecord } from '../../../../addon/src/pkg/webrtc/dtls-record.js';

/**
 * aiortc 1.x's close_notify as it reached ts2rtc (three pc.close() calls, captured on the server; one datagram
 * a line, hex): one AES-GCM alert record of epoch 1, 26 bytes of fragment (explicit nonce 8, alert 2, tag 16).
 * The fragment's first two bytes are random: werift 0.24 reads them as a plain alert and, when they name a
 * known one, throws instead of reporting the close.
 */
const AIORTC_CLOSE_NOTIFY = readFileSync(new URL('./fixtures/aiortc-close-notify.hex', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((hex) => Buffer.from(hex, 'hex'));

/** A DTLS 1.2 record header of `type`, epoch 1, followed by `length` bytes. */
function record(type: number, length: number): Buffer {
  const out = Buffer.alloc(13 + length, 0xa5);
  out.set([type, 0xfe, 0xfd, 0x00, 0x01, 0, 0, 0, 0, 0, 7]);
  out.writeUInt16BE(length, 11);
  return out;
}

describe('pkg/webrtc DTLS record headers', () => {
  it("finds aiortc's encrypted close_notify, whatever its ciphertext starts with", () => {
    for (const datagram of AIORTC_CLOSE_NOTIFY) assert.equal(hasDtlsAlert(datagram), true);
    // The werift failure case: ciphertext that reads as "fatal, unexpected_message".
    const misleading = Buffer.from(AIORTC_CLOSE_NOTIFY[0]!);
    misleading.set([0x02, 0x0a], 13);
    assert.equal(hasDtlsAlert(misleading), true);
  });

  it('an alert behind another record of the same datagram counts; application data and handshakes do not', () => {
    assert.equal(hasDtlsAlert(Buffer.concat([record(22, 40), record(21, 26)])), true);
    assert.equal(hasDtlsAlert(record(23, 100)), false);
    assert.equal(hasDtlsAlert(Buffer.concat([record(22, 40), record(20, 1)])), false);
  });

  it('RTP, RTCP, STUN and cut or overlong headers are not DTLS alerts', () => {
    assert.equal(hasDtlsAlert(Buffer.from('80e0000100000000deadbeef', 'hex')), false); // RTP
    assert.equal(hasDtlsAlert(Buffer.from('81cb0001deadbeef', 'hex')), false); // RTCP BYE
    assert.equal(hasDtlsAlert(Buffer.from('000100002112a442000000000000000000000000', 'hex')), false); // STUN
    assert.equal(hasDtlsAlert(AIORTC_CLOSE_NOTIFY[0]!.subarray(0, 12)), false);
    assert.equal(isDtlsRecord(Buffer.from('15030300020100', 'hex')), false, 'TLS, not DTLS');
    const overlong = record(22, 4);
    overlong.writeUInt16BE(0xffff, 11);
    assert.equal(
      hasDtlsAlert(Buffer.concat([overlong, record(21, 26)])),
      false,
      'the second header is inside the first record',
    );
  });
});
