import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Free ports for peers that must be told a port up front (nginx, ffmpeg -listen). The port is free when
 * returned; another process could still take it before the peer binds, so prefer letting a peer pick its
 * own port (`--port 0`) and report it, where the peer can.
 */

/** A TCP port nobody listens on at `host` (default 127.0.0.1). */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** A UDP port nobody is bound to at `host` (default 127.0.0.1). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return bindUdp(host, 0).then(({ port, close }) => close().then(() => port));
}

/** An even UDP port whose odd neighbour is free too (RTP + RTCP), at `host` (default 127.0.0.1). */
export async function freeUdpPortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(host, 0);
    const even = first.port % 2 === 0 ? first.port : first.port + 1;
    await first.close();
    if (even + 1 > 65535) continue;
    const a = await bindUdp(host, even).catch(() => undefined);
    if (!a) continue;
    const b = await bindUdp(host, even + 1).catch(() => undefined);
    await a.close();
    if (!b) continue;
    await b.close();
    return even;
  }
  throw new Error('no free even/odd UDP port pair found in 50 attempts');
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
