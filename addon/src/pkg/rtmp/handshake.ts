import { RtmpError } from './errors.js';

/**
 * The RTMP handshake (RTMP spec 5.2), plain form: C0/S0 = version 3, C1/S1 = time, zero, 1528 random bytes,
 * C2/S2 = an echo of the other side's 1/1 packet. Our S1 has a zero version field, so clients that would
 * check the digest form (ffmpeg, Flash) skip that check; a client's digest C1 is simply echoed.
 */
export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

/** C0+C1 (or S0+S1 without the S2): version byte, then time, zero and `random` (1528 bytes). */
export function buildHello(random: Buffer, timeMs = 0): Buffer {
  if (random.length !== HANDSHAKE_SIZE - 8)
    throw new RangeError(`handshake random must be ${HANDSHAKE_SIZE - 8} bytes`);
  const out = Buffer.alloc(1 + HANDSHAKE_SIZE);
  out[0] = RTMP_VERSION;
  out.writeUInt32BE(timeMs >>> 0, 1);
  random.copy(out, 9);
  return out;
}

export type HandshakeStep =
  /** Need more bytes. */
  | { readonly done: false; readonly send?: Buffer }
  /** Finished; `rest` are the bytes after the handshake (the first chunks). */
  | { readonly done: true; readonly send?: Buffer; readonly rest: Buffer };

function checkVersion(byte: number | undefined, who: string): void {
  if (byte === undefined || byte === RTMP_VERSION) return;
  // 'G'/'P'/'O' is an HTTP request, 0x16 a TLS ClientHello: say so, it is the common mistake.
  const hint =
    byte === 0x47 || byte === 0x50 || byte === 0x4f ? ' (an HTTP request?)' : byte === 0x16 ? ' (TLS? use rtmps)' : '';
  throw new RtmpError('RTMP_HANDSHAKE', `${who} sent version ${byte}, expected ${RTMP_VERSION}${hint}`);
}

/** The server's side: C0+C1 → S0+S1+S2, then C2 → done. */
export class ServerHandshake {
  private buffered: Buffer = Buffer.alloc(0);
  private state: 'c0c1' | 'c2' | 'done' = 'c0c1';

  constructor(private readonly random: Buffer) {}

  push(chunk: Buffer): HandshakeStep {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (this.state === 'c0c1') checkVersion(this.buffered[0], 'client');
    let send: Buffer | undefined;
    if (this.state === 'c0c1') {
      if (this.buffered.length < 1 + HANDSHAKE_SIZE) return { done: false };
      const c1 = this.buffered.subarray(1, 1 + HANDSHAKE_SIZE);
      send = Buffer.concat([buildHello(this.random), c1]);
      this.buffered = this.buffered.subarray(1 + HANDSHAKE_SIZE);
      this.state = 'c2';
    }
    if (this.buffered.length < HANDSHAKE_SIZE) return send ? { done: false, send } : { done: false };
    this.state = 'done';
    const rest = Buffer.from(this.buffered.subarray(HANDSHAKE_SIZE));
    this.buffered = Buffer.alloc(0);
    return send ? { done: true, send, rest } : { done: true, rest };
  }

  /** The version byte was checked; the server waits on C0 (C1, C2) still. */
  get waitingFor(): string {
    return this.state === 'c0c1' ? 'C0+C1' : this.state === 'c2' ? 'C2' : 'nothing';
  }
}

/** The client's side: send `hello()` (C0+C1), then S0+S1+S2 → C2 (an echo of S1) → done. */
export class ClientHandshake {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly random: Buffer) {}

  hello(): Buffer {
    return buildHello(this.random);
  }

  push(chunk: Buffer): HandshakeStep {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    checkVersion(this.buffered[0], 'server');
    if (this.buffered.length < 1 + 2 * HANDSHAKE_SIZE) return { done: false };
    const s1 = Buffer.from(this.buffered.subarray(1, 1 + HANDSHAKE_SIZE));
    const rest = Buffer.from(this.buffered.subarray(1 + 2 * HANDSHAKE_SIZE));
    this.buffered = Buffer.alloc(0);
    return { done: true, send: s1, rest };
  }
}
