import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { fastSrtpStats, installFastSrtp } from '../../../../addon/src/modules/webrtc/srtp-fast.js';

describe('fast SRTP sender (AES-CM, werift issue #310)', () => {
  it('gives the bytes werift gives, and werift decrypts them (RFC 3711 round trip)', () => {
    const keys = {
      localMasterKey: randomBytes(16),
      localMasterSalt: randomBytes(14),
      remoteMasterKey: randomBytes(16),
      remoteMasterSalt: randomBytes(14),
    };
    const sender = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const receiver = new SrtpSession({
      keys: {
        localMasterKey: keys.remoteMasterKey,
        localMasterSalt: keys.remoteMasterSalt,
        remoteMasterKey: keys.localMasterKey,
        remoteMasterSalt: keys.localMasterSalt,
      },
      profile: ProtectionProfileAes128CmHmacSha1_80,
    });
    const packets = Array.from({ length: 40 }, (_, i) => ({
      header: new RtpHeader({
        payloadType: 102,
        sequenceNumber: (65530 + i) & 0xffff,
        timestamp: 3000 * i,
        ssrc: 0x11223344,
        marker: i % 7 === 0,
      }),
      payload: randomBytes(1 + ((i * 97) % 1250)),
    }));
    const before = packets.map((p) => sender.encrypt(p.payload, p.header));
    const result = installFastSrtp();
    assert.deepEqual(result, { ok: true });
    // A fresh session (same keys) from the start of the sequence, now through the fast path.
    const fastSender = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const counted = fastSrtpStats.packets;
    const after = packets.map((p) => fastSender.encrypt(p.payload, p.header));
    assert.equal(fastSrtpStats.packets - counted, packets.length, 'the fast path was used');
    for (let i = 0; i < packets.length; i++) {
      assert.ok(after[i]!.equals(before[i]!), `packet ${i} (${packets[i]!.payload.length} bytes) differs`);
      assert.ok(
        receiver.decrypt(after[i]!).subarray(-packets[i]!.payload.length).equals(packets[i]!.payload),
        `packet ${i} decrypts`,
      );
    }
  });
});
