import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { holdEarlyDtls, type EarlyDtlsStats } from '../../../../addon/src/modules/webrtc/early-dtls.js';
import { WeriftInternalsError } from '../../../../addon/src/modules/webrtc/werift-shim.js';

/** A peer connection with its (bundled) DTLS transport in state `new`, no sockets, DTLS server role. */
function serverPeer(): { pc: RTCPeerConnection; emit: (data: Buffer) => void } {
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
  pc.addTransceiver('video', { direction: 'sendonly' });
  const dtls = pc.dtlsTransports[0]!;
  dtls.role = 'server';
  dtls.setRemoteParams({ fingerprints: [{ algorithm: 'sha-256', value: 'AA' }], role: 'client' } as never);
  return { pc, emit: (data) => pc.iceTransports[0]!.connection.onData.execute(data) };
}

/** A DTLS handshake record header (content type 22) with a few bytes: what the hold keeps (it does not parse). */
const record = (n: number): Buffer => Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, n, 0, 1, n]);

describe('holdEarlyDtls (a ClientHello before our ICE check completes)', () => {
  it('keeps DTLS records that come before the DTLS transport starts and re-emits them, in order, once it listens', async () => {
    const { pc, emit } = serverPeer();
    const stats: EarlyDtlsStats = { handedOver: 0, dropped: 0 };
    try {
      holdEarlyDtls(pc, stats);
      const seen: number[] = [];
      pc.iceTransports[0]!.connection.onData.subscribe((data: Buffer) =>
        seen.push(data[0] === 22 ? (data[13] ?? -1) : -data[0]!),
      );
      emit(record(1));
      emit(Buffer.from([0x80, 96, 0, 1])); // RTP: not DTLS, not kept
      emit(record(2));
      assert.equal(stats.handedOver, 0);
      seen.length = 0;
      void pc.dtlsTransports[0]!.start().catch(() => undefined);
      assert.deepEqual(seen, [1, 2], 'the two DTLS records again, in order, right after start() built the DTLS socket');
      assert.deepEqual(stats, { handedOver: 2, dropped: 0 });
      emit(record(3));
      assert.deepEqual(seen, [1, 2, 3], 'later records go straight to DTLS, once');
      assert.equal(stats.handedOver, 2);
    } finally {
      await pc.close();
    }
  });

  it('keeps at most 16 records, and nothing after its disposer ran', async () => {
    const { pc, emit } = serverPeer();
    const stats: EarlyDtlsStats = { handedOver: 0, dropped: 0 };
    try {
      const stop = holdEarlyDtls(pc, stats);
      for (let i = 0; i < 20; i++) emit(record(i));
      assert.equal(stats.dropped, 4);
      stop();
      void pc.dtlsTransports[0]!.start().catch(() => undefined);
      assert.equal(stats.handedOver, 0, 'released: the kept records are gone');
    } finally {
      await pc.close();
    }
  });

  it('fails loudly when werift no longer builds its DTLS socket inside start()', async () => {
    const { pc, emit } = serverPeer();
    try {
      const dtls = pc.dtlsTransports[0]!;
      // A werift whose start() builds the socket later (an internals change the hold cannot follow).
      Reflect.set(dtls, 'start', async () => undefined);
      holdEarlyDtls(pc);
      emit(record(1));
      await assert.rejects(
        dtls.start(),
        (err: unknown) => err instanceof WeriftInternalsError && err.code === 'WEBRTC_WERIFT_INTERNALS',
      );
    } finally {
      await pc.close();
    }
  });

  it('refuses a DTLS transport that already started', async () => {
    const { pc } = serverPeer();
    try {
      void pc.dtlsTransports[0]!.start().catch(() => undefined);
      assert.throws(() => holdEarlyDtls(pc), WeriftInternalsError);
    } finally {
      await pc.close();
    }
  });
});
