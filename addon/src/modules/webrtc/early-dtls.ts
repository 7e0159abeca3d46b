import type { RTCPeerConnection } from 'werift';
import { WeriftInternalsError } from './werift-shim.js';

/**
 * DTLS records that arrive before werift's DTLS transport exists, kept and handed to it when it starts
 * (issues 9 and 11: the first frame 0.5–1 s late for one viewer in three to five).
 *
 * Why they were lost: werift (0.24.4, `RTCPeerConnection.connect`) awaits `iceTransport.start()`, i.e. until
 * *our* connectivity check on the pair succeeded, and only then calls `RTCDtlsTransport.start()`, which
 * builds the DTLS server and subscribes it to the ICE connection's `onData`. The peer, which is ICE
 * controlling, sends its ClientHello the moment *its* check succeeded, often a few milliseconds before ours
 * does; werift's ICE connection hands those bytes to `onData` with nobody listening, and the peer only
 * retransmits after its DTLS timer (aiortc 1 s, Chrome ~100 ms+ growing, werift 0.5–1 s).
 *
 * The patch is per peer connection (no prototype changes): a listener on the ICE connection's `onData`
 * keeps DTLS records (first byte 20–63, RFC 7983) while the DTLS transport has no DTLS socket yet, and the
 * transport's `start` is wrapped so that right after werift's own synchronous part of `start()` (DTLS
 * socket built and subscribed) the kept records are re-emitted on the same `onData` event, in order, as if
 * they had just arrived. werift's internals used here are checked up front (and by
 * test/unit/modules/webrtc/werift-internals.test.ts); a werift where `start()` no longer builds its socket
 * synchronously makes `start` fail with WeriftInternalsError instead of silently losing records again.
 */

/** A ClientHello flight is one to a few records; anything more is not a handshake start. */
const MAX_HELD_RECORDS = 16;
const MAX_HELD_BYTES = 64 * 1024;

interface OnDataEvent {
  subscribe(handler: (data: Buffer) => void): { unSubscribe: () => void };
  execute(data: Buffer): void;
}

function isDtlsRecord(data: Buffer): boolean {
  const first = data[0];
  return first !== undefined && first > 19 && first < 64;
}

function onDataOf(connection: object): OnDataEvent {
  const event: unknown = Reflect.get(connection, 'onData');
  if (typeof event !== 'object' || event === null)
    throw new WeriftInternalsError('werift ICE connection has no onData event');
  const subscribe: unknown = Reflect.get(event, 'subscribe');
  const execute: unknown = Reflect.get(event, 'execute');
  if (typeof subscribe !== 'function' || typeof execute !== 'function')
    throw new WeriftInternalsError('werift ICE connection onData is not an Event');
  return {
    subscribe: (handler) => Reflect.apply(subscribe, event, [handler]) as { unSubscribe: () => void },
    execute: (data) => {
      Reflect.apply(execute, event, [data]);
    },
  };
}

/** What holdEarlyDtls did, for tests and the debug log. */
export interface EarlyDtlsStats {
  /** DTLS records that came before the DTLS transport existed and were handed to it. */
  handedOver: number;
  /** Records dropped because more than MAX_HELD_RECORDS / MAX_HELD_BYTES came early. */
  dropped: number;
}

/**
 * Installs the early-DTLS hold on `pc`'s (bundled) DTLS transport. Call after setRemoteDescription and
 * before setLocalDescription (which opens the sockets). Returns the disposer (the consumer's release).
 * Throws WeriftInternalsError when the werift internals it needs are not there.
 */
export function holdEarlyDtls(pc: RTCPeerConnection, stats?: EarlyDtlsStats): () => void {
  const dtls: object | undefined = pc.dtlsTransports[0];
  if (!dtls) throw new WeriftInternalsError('peer connection has no DTLS transport yet');
  const iceTransport: unknown = Reflect.get(dtls, 'iceTransport');
  const connection: unknown =
    typeof iceTransport === 'object' && iceTransport !== null ? Reflect.get(iceTransport, 'connection') : undefined;
  if (typeof connection !== 'object' || connection === null)
    throw new WeriftInternalsError('werift DTLS transport has no iceTransport.connection');
  const start: unknown = Reflect.get(dtls, 'start');
  if (typeof start !== 'function') throw new WeriftInternalsError('werift DTLS transport has no start()');
  if (!Reflect.has(dtls, 'dtls') || Reflect.get(dtls, 'state') !== 'new') {
    throw new WeriftInternalsError('werift DTLS transport has no dtls field or is not new');
  }
  const onData = onDataOf(connection);
  const held: Buffer[] = [];
  let heldBytes = 0;
  let holding = true;
  const subscription = onData.subscribe((data) => {
    if (!holding || !isDtlsRecord(data)) return;
    if (Reflect.get(dtls, 'dtls') !== undefined) {
      // werift's own DTLS socket listens now: nothing more to keep.
      holding = false;
      subscription.unSubscribe();
      return;
    }
    if (held.length >= MAX_HELD_RECORDS || heldBytes + data.length > MAX_HELD_BYTES) {
      if (stats) stats.dropped++;
      return;
    }
    // Copied: kept past the callback, and a TCP frame may be a view into a larger receive buffer.
    held.push(Buffer.from(data));
    heldBytes += data.length;
  });
  const stop = (): void => {
    holding = false;
    held.length = 0;
    subscription.unSubscribe();
  };
  Reflect.set(dtls, 'start', (...args: unknown[]): unknown => {
    const started: unknown = Reflect.apply(start, dtls, args);
    const wasHolding = holding;
    holding = false;
    subscription.unSubscribe();
    if (!wasHolding) return started;
    const socket: unknown = Reflect.get(dtls, 'dtls');
    if (typeof socket !== 'object' || socket === null) {
      held.length = 0;
      // Loud: the connection fails (werift logs "dtlsTransport.start failed") rather than waiting on retransmits.
      Promise.resolve(started).catch(() => undefined);
      return Promise.reject(
        new WeriftInternalsError('werift RTCDtlsTransport.start() no longer builds its DTLS socket synchronously'),
      );
    }
    for (const record of held.splice(0)) {
      if (stats) stats.handedOver++;
      onData.execute(record);
    }
    return started;
  });
  return stop;
}
