import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { errorMessage } from '../../../core/errors.js';
import { RtspError } from '../errors.js';

export interface DialTarget {
  readonly host: string;
  readonly port: number;
  /** rtsps: TLS without certificate checks (cameras present self-signed certificates). */
  readonly secure: boolean;
}

/**
 * Opens the TCP (or TLS) connection to a camera. Rejects with RTSP_CONNECT when it is refused, unreachable,
 * the TLS handshake fails, or nothing answers within `timeoutMs`; `where` names the camera in the message.
 */
export function dial(target: DialTarget, timeoutMs: number, where: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = target.secure
      ? tlsConnect({
          host: target.host,
          port: target.port,
          rejectUnauthorized: false,
          // SNI must be a host name (RFC 6066 3); an address there draws a warning and means nothing.
          ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
        })
      : netConnect({ host: target.host, port: target.port });
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new RtspError('RTSP_CONNECT', `${where}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no connection in ${timeoutMs} ms`), timeoutMs);
    const onError = (err: Error): void => fail(errorMessage(err));
    socket.once('error', onError);
    socket.once(target.secure ? 'secureConnect' : 'connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
