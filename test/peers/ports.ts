import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomInt } from 'node:crypto';

/**
 * Free ports for peers that must be told a port up front (nginx, ffmpeg -listen, a ts2rtc config). The port
 * is free when returned; another process could still take it before the peer binds, so prefer letting a peer
 * pick its own port (`--port 0`) and report it, where the peer can.
 *
 * They are picked at random below the kernel's ephemeral range, not by binding port 0: a port the kernel
 * chose for us a moment ago is the kind it hands the next outgoing connection (ffmpeg, a browser, another
 * test file running beside this one), and a server told that port then failed with EADDRINUSE (the RTMP
 * e2e test, once in a CI run with test files in parallel). Below the range only another listener can take it.
 */

const FIRST_PORT = 10_000;

/** The lowest port the kernel picks for `bind(0)` and outgoing connections. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FIRST_PORT + 1000) return low;
  } catch {
    // not Linux: the IANA dynamic range starts there
  }
  return 49_152;
}

const LAST_PORT = ephemeralLow() - 1;
const ATTEMPTS = 50;

/** The first candidate port `free` says yes to, in ATTEMPTS tries. */
async function pick(what: string, free: (port: number) => Promise<boolean>, candidate: () => number): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = candidate();
    if (await free(port)) return port;
  }
  throw new Error(`no free ${what} in ${ATTEMPTS} attempts`);
}

const anyPort = (): number => randomInt(FIRST_PORT, LAST_PORT);

/** A TCP port nobody listens on at `host` (default 127.0.0.1). */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return pick(`TCP port at ${host}`, (port) => tcpBindable(host, port), anyPort);
}

/** A UDP port nobody is bound to at `host` (default 127.0.0.1). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return pick(`UDP port at ${host}`, (port) => udpBindable(host, [port]), anyPort);
}

/** An even UDP port whose odd neighbour is free too (RTP + RTCP), at `host` (default 127.0.0.1). */
export function freeUdpPortPair(host = '127.0.0.1'): Promise<number> {
  return pick(
    `even/odd UDP port pair at ${host}`,
    (even) => udpBindable(host, [even, even + 1]),
    () => anyPort() & ~1,
  );
}

function tcpBindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Binds every port of `ports` at once, then lets them go: true when all were free. */
async function udpBindable(host: string, ports: readonly number[]): Promise<boolean> {
  const bound: Array<{ close: () => Promise<void> }> = [];
  try {
    for (const port of ports) bound.push(await bindUdp(host, port));
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(bound.map((b) => b.close()));
  }
}

function bindUdp(host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.unref();
    socket.once('error', (err) => {
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      reject(err);
    });
    socket.bind({ address: host, port, exclusive: true }, () => {
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
