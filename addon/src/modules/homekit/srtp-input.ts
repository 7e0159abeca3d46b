import dgram from 'node:dgram';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtcpSession, SrtpSession } from 'werift';
import { isRtcp } from '../../pkg/rtp/rtcp.js';
import { MEDIA_UDP_RECV_BUFFER_BYTES } from '../../core/net.js';

export interface SrtpKeys {
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

export interface SrtpInputStats {
  packets: number;
  bytes: number;
  /** Packets that failed SRTP authentication or decryption. */
  undecryptable: number;
  lastPacketMs: number;
}

/**
 * One UDP socket receiving a HomeKit stream: SRTP and SRTCP muxed on one port (RFC 5761), decrypted with the
 * keys the camera confirmed. Also sends our (encrypted) RTCP back to the camera, which some cameras need to
 * keep streaming. `keys` undefined means the camera sends plain RTP (crypto suite NONE).
 */
export class SrtpInput {
  readonly stats: SrtpInputStats = { packets: 0, bytes: 0, undecryptable: 0, lastPacketMs: 0 };
  private rtp: SrtpSession | undefined;
  private rtcp: SrtcpSession | undefined;
  private remote: { address: string; port: number } | undefined;
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly onRtp: (packet: Buffer) => void,
    private readonly onRtcp: (packet: Buffer) => void,
  ) {
    socket.on('message', (data, from) => this.receive(data, from));
    socket.on('error', () => undefined); // ICMP unreachable after the camera left: the watchdog decides
  }

  /** Binds a free port on `address` (the address the camera reaches us at). */
  static bind(address: string, onRtp: (packet: Buffer) => void, onRtcp: (packet: Buffer) => void): Promise<SrtpInput> {
    const socket = dgram.createSocket({
      type: address.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: MEDIA_UDP_RECV_BUFFER_BYTES,
    });
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(err);
      });
      socket.bind(0, address, () => {
        socket.removeAllListeners('error');
        resolve(new SrtpInput(socket, onRtp, onRtcp));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** `incoming`: the camera's keys (it encrypts with them); `outgoing`: ours, for the RTCP we send. */
  configure(
    incoming: SrtpKeys | undefined,
    outgoing: SrtpKeys | undefined,
    remote: { address: string; port: number },
  ): void {
    this.remote = remote;
    if (incoming && outgoing) {
      const keys = {
        localMasterKey: outgoing.masterKey,
        localMasterSalt: outgoing.masterSalt,
        remoteMasterKey: incoming.masterKey,
        remoteMasterSalt: incoming.masterSalt,
      };
      this.rtp = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
      this.rtcp = new SrtcpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    }
  }

  /** Sends one RTP packet (talk-back) from this port to the camera's, encrypted with our keys. */
  sendRtp(header: Buffer, payload: readonly Buffer[]): boolean {
    if (this.closed || !this.remote) return true;
    const body = payload.length === 1 ? payload[0]! : Buffer.concat(payload);
    const bytes = this.rtp ? this.rtp.encrypt(body, RtpHeader.deSerialize(header)) : Buffer.concat([header, body]);
    this.bytesSent += bytes.length;
    this.socket.send(bytes, this.remote.port, this.remote.address);
    return true;
  }

  /** Bytes of talk-back RTP sent. */
  bytesSent = 0;

  /** Sends one RTCP compound packet (encrypted when the session is). */
  sendRtcp(packet: Buffer): void {
    if (this.closed || !this.remote) return;
    const bytes = this.rtcp ? this.rtcp.encrypt(packet) : packet;
    this.socket.send(bytes, this.remote.port, this.remote.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  private receive(data: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed || !this.remote || data.length < 12) return;
    // Only the camera's address: anything else on this port is not ours to decrypt.
    if (from.address !== this.remote.address) return;
    const rtcp = isRtcp(data);
    let plain: Buffer;
    try {
      plain = rtcp ? (this.rtcp ? this.rtcp.decrypt(data) : data) : this.rtp ? this.rtp.decrypt(data) : data;
    } catch {
      this.stats.undecryptable++;
      return;
    }
    this.stats.packets++;
    this.stats.bytes += data.length;
    this.stats.lastPacketMs = performance.now();
    if (rtcp) this.onRtcp(plain);
    else this.onRtp(plain);
  }
}
