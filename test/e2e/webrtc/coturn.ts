import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { buildBindingRequest, parseBindingResponse } from '../../../addon/src/pkg/webrtc/stun.js';
import { PeerError } from '../../peers/errors.js';
import { freeUdpPort } from '../../peers/ports.js';
import { findProgram, startProcess, type PeerProcess } from '../../peers/process.js';

/**
 * coturn (`turnserver`, Debian package coturn) as a real STUN server on loopback: it answers binding requests
 * with the address it sees, as stun.home-assistant.io would. STUN only: no TURN, TLS, CLI or config file.
 */
export interface Coturn {
  readonly port: number;
  /** `stun:127.0.0.1:PORT`. */
  readonly url: string;
  /** `turn:127.0.0.1:PORT` with its credentials, when started with `turn: true`. */
  readonly turn?: { urls: string[]; username: string; credential: string };
  stop(): Promise<void>;
}

export const COTURN = 'turnserver';

/** Whether coturn is installed (tests that need it say so and skip when it is not). */
export function coturnInstalled(): boolean {
  return findProgram(COTURN) !== undefined;
}

/** One binding request from a fresh socket; resolves true when the server answered within `timeoutMs`. */
async function answers(port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket('udp4');
  const id = randomBytes(12);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('message', (msg) => {
        try {
          if (parseBindingResponse(msg, id)) {
            clearTimeout(timer);
            resolve(true);
          }
        } catch {
          // not an answer to us yet
        }
      });
      socket.on('error', () => undefined);
      socket.send(buildBindingRequest(id), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/**
 * Starts coturn on 127.0.0.1 and resolves once it answers a binding request. With `turn`, it relays too
 * (long-term credentials `ts2rtc`/`secret`, relay addresses on loopback, loopback peers allowed).
 */
export async function startCoturn(options: { turn?: boolean; timeoutMs?: number } = {}): Promise<Coturn> {
  const timeoutMs = options.timeoutMs ?? 10000;
  const port = await freeUdpPort();
  const mode = options.turn
    ? [
        '--lt-cred-mech',
        '--user=ts2rtc:secret',
        '--realm=ts2rtc.test',
        '--relay-ip=127.0.0.1',
        '--allow-loopback-peers',
        '--no-tcp-relay',
        '--min-port=49152',
        '--max-port=65535',
      ]
    : ['--stun-only'];
  const peer: PeerProcess = startProcess({
    name: 'coturn',
    command: COTURN,
    debianPackage: 'coturn',
    args: [
      '-n',
      ...mode,
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--log-file=stdout',
      '--simple-log',
    ],
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (peer.exitInfo)
      throw new PeerError('PEER_START_FAILED', `coturn: ${peer.describeExit()}\n${peer.stderr().slice(-2000)}`);
    if (await answers(port, 200)) break;
    if (Date.now() > deadline) {
      await peer.stop();
      throw new PeerError('PEER_TIMEOUT', `coturn does not answer on 127.0.0.1:${port} after ${timeoutMs} ms`);
    }
  }
  return {
    port,
    url: `stun:127.0.0.1:${port}`,
    ...(options.turn ? { turn: { urls: [`turn:127.0.0.1:${port}`], username: 'ts2rtc', credential: 'secret' } } : {}),
    async stop() {
      await peer.stop();
    },
  };
}
