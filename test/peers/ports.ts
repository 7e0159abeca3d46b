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

function candidate(): number {
  return randomInt(FIRST_PORT, LAST_PORT);
}

/** A TCP port nobody listens on at `host` (default 127.0.0.1). */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = candidate();
    if (await tcpBindable(host, port)) return port;
  }
  throw new Error(`no free TCP port at ${host} in ${ATTEMPTS} attempts`);
}

/** A UDP port nobody is bound to at `host` (default 127.0.0.1). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = candidate();
    const bound = await bindUdp(host, port).catch(() => undefined);
    if (!bound) continue;
    await bound.close();
    return port;
  }
  throw new Error(`no free UDP port at ${host} in ${ATTEMPTS} attempts`);
}

/** An even UDP port whose odd neighbour is free too (RTP + RTCP), at `host` (default 127.0.0.1). */
export async function freeUdpPortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const even = candidate() & ~1;
    const a = await bindUdp(host, even).catch(() => undefined);
    if (!a) continue;
    const b = await bindUdp(host, even + 1).catch(() => undefined);
    await a.close();
    if (!b) continue;
    await b.close();
    return even;
  }
  throw new Error(`no free even/odd UDP port pair found in ${ATTEMPTS} attempts`);
}

function tcpBindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
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
