import { randomBytes } from 'node:crypto';
import type { App } from '../../app.js';
import { isLoopbackAddress, parseListenAddress } from '../../core/net.js';
import type { Producer } from '../../core/producer.js';
import type { PublishClaims } from '../rtsp/server/publish-claims.js';
import { ExecError } from './errors.js';

/** Where a local process publishes (`{output}`), and how its publisher is handed over. */
export interface LocalIngest {
  /** `rtsp://127.0.0.1:8554` of our RTSP server, where a process reads our streams; undefined when it is off. */
  baseUrl(): string | undefined;
  /**
   * A fresh `rtsp://127.0.0.1:<port>/<random>` URL and the promise of the publisher that ANNOUNCEs on it.
   * Throws EXEC_NO_RTSP when the RTSP server is off. `release()` withdraws the claim (always call it).
   */
  open(): { url: string; publisher: Promise<Producer>; release: () => void };
}

/**
 * The ingest through our own RTSP server, as go2rtc does it: the path is 128 random bits, claimed before the
 * process starts, handed out once, and only to a connection from this machine.
 */
export function rtspIngest(app: App, port: () => number | undefined, claims: PublishClaims): LocalIngest {
  const host = (): string => localHost(app.config.rtsp.listen);
  return {
    baseUrl() {
      const bound = port();
      return bound ? `rtsp://${host()}:${bound}` : undefined;
    },
    open() {
      const base = this.baseUrl();
      if (!base) throw new ExecError('EXEC_NO_RTSP', '{output} needs the RTSP server (rtsp.listen is off)');
      const path = randomBytes(16).toString('hex');
      const local = host();
      let accept: (producer: Producer) => void = () => undefined;
      const publisher = new Promise<Producer>((resolve) => {
        accept = resolve;
      });
      const release = claims.claim(path, (producer, remoteAddress) => {
        if (!isLocal(remoteAddress, local)) return false;
        accept(producer);
        return true;
      });
      return { url: `${base}/${path}`, publisher, release };
    },
  };
}

/** From this machine: loopback, or the one address the server listens on (what the process was told). */
function isLocal(address: string, host: string): boolean {
  return isLoopbackAddress(address) || address.replace(/^::ffff:/, '') === host.replace(/^\[(.*)\]$/, '$1');
}

/** The address a local process reaches our RTSP server at: loopback unless it listens on one address only. */
function localHost(listen: string): string {
  // The RTSP module refused an invalid `listen` before any process could be started.
  const host = parseListenAddress(listen)?.host;
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
