import { randomBytes } from 'node:crypto';
import { isLoopbackAddress } from '../../../core/net.js';
import { basicChallenge, digestChallenge, verifyAuthorization } from '../auth-server.js';
import type { RtspConnection } from '../connection.js';
import { RtspHeaders } from '../headers.js';
import type { RtspRequest } from '../message.js';

const REALM = 'go2rtc';
const NONCE_LIFETIME_MS = 5 * 60 * 1000;
const MAX_NONCES = 1024;

/**
 * The server's login (the module passes `rtsp.username`/`password`): Basic and Digest, as cameras and their
 * clients expect. Loopback clients are let in without credentials, as go2rtc does (Frigate and our own ffmpeg
 * read `rtsp://127.0.0.1:8554/...`).
 */
export class ServerAuth {
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly username: string,
    private readonly password: string,
    /** Let loopback clients in without credentials. Defaults to true (go2rtc); tests turn it off. */
    private readonly trustLoopback = true,
  ) {}

  get enabled(): boolean {
    return this.username !== '';
  }

  check(conn: RtspConnection, req: RtspRequest): boolean {
    if (!this.enabled || (this.trustLoopback && isLoopbackAddress(conn.socket.remoteAddress))) return true;
    return verifyAuthorization(req.headers.get('Authorization'), {
      username: this.username,
      password: this.password,
      realm: REALM,
      method: req.method,
      validNonce: (nonce) => {
        const issued = this.nonces.get(nonce);
        return issued !== undefined && Date.now() - issued < NONCE_LIFETIME_MS;
      },
    });
  }

  challenge(): RtspHeaders {
    const nonce = randomBytes(16).toString('hex');
    if (this.nonces.size >= MAX_NONCES) {
      const oldest = this.nonces.keys().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
    this.nonces.set(nonce, Date.now());
    const headers = new RtspHeaders();
    headers.append('WWW-Authenticate', digestChallenge(REALM, nonce));
    headers.append('WWW-Authenticate', basicChallenge(REALM));
    return headers;
  }
}
