import type { RTCPeerConnection } from 'werift';
import { WeriftInternalsError } from './werift-shim.js';

/**
 * Our DTLS client starts its handshake the moment ICE is connected, as go2rtc's (pion) does (issue 11: first
 * video packet).
 *
 * werift 0.24.4's `RTCDtlsTransport.start()` builds its `DtlsClient` synchronously and then sleeps 100 ms
 * before `connect()` sends the ClientHello: 100 ms on every viewer's first picture. Here `start` is wrapped:
 * right after werift's synchronous part the client's `connect()` is called, and `connect` is replaced by
 * one that returns that same handshake, so werift's own call 100 ms later joins it instead of starting
 * another.
 *
 * The sleep was there for a peer whose DTLS is not listening yet when our ICE check completes first (a
 * werift peer drops such a record; browsers and aiortc keep it): werift's first retransmission only comes
 * after 500 ms. So while nothing at all has come back, the very same ClientHello datagram is sent again
 * at RESEND_AT_MS (browsers' own DTLS timer starts at 50 ms). A byte-identical record is either the one the
 * peer lost or a replay it drops; a werift peer that did get both answers each with the same
 * HelloVerifyRequest, and werift's client, which fails the handshake on a second one (Flight3 throws), is
 * made to skip HelloVerifyRequests once it has answered one.
 */

/** DTLS handshake type hello_verify_request (RFC 6347 4.3.2). */
const HELLO_VERIFY_REQUEST = 3;

/**
 * While nothing came back, the first ClientHello is sent again at these times (ms after the first) until
 * werift's own first retransmission (500 ms): a peer that dropped it while its DTLS was not started yet
 * (Chrome drops a record that comes before its ICE is writable, a werift peer before its own ICE check
 * completed) gets it within a few ms of starting. One small datagram each; the peer answers the first it takes.
 * Every 5 ms for the first 40 ms: our ICE now reports `connected` right after its check (skipIdleCheckPacing),
 * ~20 ms before a werift peer's (its own check pacing), whose DTLS starts then: with 10/25 ms the hello it
 * took came up to 10 ms after it was ready.
 */
const RESEND_AT_MS = [5, 10, 15, 20, 25, 30, 35, 40, 50, 75, 100, 150, 200, 300, 400] as const;

interface SendContext {
  send: (buf: Buffer, ...rest: unknown[]) => unknown;
}

interface DtlsClientLike {
  connect(): Promise<unknown>;
}

function isClient(socket: unknown): socket is DtlsClientLike {
  return typeof socket === 'object' && socket !== null && typeof Reflect.get(socket, 'connect') === 'function';
}

function sendContextOf(socket: object): SendContext {
  const context: unknown = Reflect.get(socket, 'transport');
  if (typeof context !== 'object' || context === null || typeof Reflect.get(context, 'send') !== 'function') {
    throw new WeriftInternalsError('werift DTLS socket has no transport.send');
  }
  return context as SendContext;
}

/** werift's handshake state: the flight this side is at (1 until the peer's first answer arrives). */
function flightOf(socket: object): number | undefined {
  const dtls: unknown = Reflect.get(socket, 'dtls');
  const flight: unknown = typeof dtls === 'object' && dtls !== null ? Reflect.get(dtls, 'flight') : undefined;
  return typeof flight === 'number' ? flight : undefined;
}

/** Starts the handshake now; the first ClientHello is repeated while the peer says nothing. */
function connectNow(socket: DtlsClientLike & object, signal: AbortSignal): Promise<unknown> {
  const context = sendContextOf(socket);
  const send = context.send;
  let hello: Buffer | undefined;
  // werift's Flight1 sends synchronously inside connect(): that first datagram is the ClientHello.
  context.send = (buf, ...rest) => {
    hello ??= Buffer.from(buf);
    return Reflect.apply(send, context, [buf, ...rest]);
  };
  let handshake: Promise<unknown>;
  try {
    handshake = socket.connect();
  } finally {
    context.send = send;
  }
  const timers = hello
    ? RESEND_AT_MS.map((ms) =>
        setTimeout(() => {
          if (!signal.aborted && hello && flightOf(socket) === 1)
            Promise.resolve(context.send(hello)).catch(() => undefined);
        }, ms),
      )
    : [];
  skipRepeatedHelloVerify(socket);
  const clear = (): void => timers.forEach(clearTimeout);
  signal.addEventListener('abort', clear, { once: true });
  void handshake.then(clear, clear);
  return handshake;
}

/** werift's client handles each assembled flight in `onHandleHandshakes`; a repeated HelloVerifyRequest is dropped there. */
function skipRepeatedHelloVerify(socket: object): void {
  const handle: unknown = Reflect.get(socket, 'onHandleHandshakes');
  if (typeof handle !== 'function') throw new WeriftInternalsError('werift DTLS client has no onHandleHandshakes');
  Reflect.set(socket, 'onHandleHandshakes', (assembled: unknown): unknown => {
    const flight = flightOf(socket);
    if (Array.isArray(assembled) && flight !== undefined && flight >= 3) {
      const rest = assembled.filter(
        (h: unknown) => typeof h !== 'object' || h === null || Reflect.get(h, 'msg_type') !== HELLO_VERIFY_REQUEST,
      );
      if (rest.length === 0) return Promise.resolve();
      return Reflect.apply(handle, socket, [rest]) as unknown;
    }
    return Reflect.apply(handle, socket, [assembled]) as unknown;
  });
}

/**
 * Installs the at-once ClientHello on `pc`'s (bundled) DTLS transport; a no-op when werift takes the server
 * role. Call after setRemoteDescription, before ICE connects; `signal` ends the resends (peer released).
 * Throws WeriftInternalsError when the internals are not there.
 */
export function connectDtlsAtOnce(pc: RTCPeerConnection, signal: AbortSignal): void {
  const transport: object | undefined = pc.dtlsTransports[0];
  if (!transport) throw new WeriftInternalsError('peer connection has no DTLS transport yet');
  const start: unknown = Reflect.get(transport, 'start');
  if (typeof start !== 'function' || !Reflect.has(transport, 'dtls'))
    throw new WeriftInternalsError('werift DTLS transport has no start() or dtls field');
  Reflect.set(transport, 'start', (...args: unknown[]): unknown => {
    const started: unknown = Reflect.apply(start, transport, args);
    const socket: unknown = Reflect.get(transport, 'dtls');
    if (isClient(socket)) {
      const handshake = connectNow(socket, signal);
      // werift's own call (after its 100 ms) and its error handling get the handshake already under way.
      Reflect.set(socket, 'connect', () => handshake);
      handshake.catch(() => undefined);
    }
    return started;
  });
}
