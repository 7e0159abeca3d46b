import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Event } from '../../../core/event.js';
import { MEDIA_UDP_RECV_BUFFER_BYTES } from '../../../core/net.js';
import { RtspError } from '../errors.js';

const BIND_ATTEMPTS = 10;

function bindSocket(type: 'udp4' | 'udp6', port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type, recvBufferSize: MEDIA_UDP_RECV_BUFFER_BYTES });
    const onError = (): void => {
      // Taken (EADDRINUSE) or not allowed: the caller tries another pair.
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind({ port, address: type === 'udp4' ? '0.0.0.0' : '::' }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch (err) {
      // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed, which is what we wanted.
      if (err instanceof Error && 'code' in err && err.code === 'ERR_SOCKET_DGRAM_NOT_RUNNING') resolve();
      else throw err;
    }
  });
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one host. */
function sameHost(a: string, b: string): boolean {
  const strip = (s: string) => (s.startsWith('::ffff:') ? s.slice(7) : s).toLowerCase();
  return strip(a) === strip(b);
}

/**
 * The two UDP sockets of one RTP track (RFC 3550 11: RTP on an even port, RTCP on the next one), bound on
 * every interface as go2rtc does. Only datagrams from the camera's address are taken, so nobody else on
 * the network can inject media into the stream.
 */
export class UdpPair {
  readonly onRtp = new Event<[Buffer]>();
  readonly onRtcp = new Event<[Buffer]>();
  bytesRecv = 0;
  bytesSend = 0;
  /** Socket errors: about one datagram each (a send that failed), nothing to end the session for. */
  errors = 0;
  private remoteRtpPort: number | undefined;
  private remoteRtcpPort: number | undefined;
  private closed = false;

  private constructor(
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    private readonly remoteAddress: string,
  ) {
    rtp.on('message', (data: Buffer, from: RemoteInfo) => this.receive(data, from, this.onRtp));
    rtcp.on('message', (data: Buffer, from: RemoteInfo) => this.receive(data, from, this.onRtcp));
    rtp.on('error', () => this.errors++);
    rtcp.on('error', () => this.errors++);
  }

  /** Binds an even/odd port pair; throws RTSP_TRANSPORT when none is free after a few tries. */
  static async bind(cameraAddress: string): Promise<UdpPair> {
    const remoteAddress = cameraAddress.startsWith('::ffff:') ? cameraAddress.slice(7) : cameraAddress;
    const type = remoteAddress.includes(':') ? 'udp6' : 'udp4';
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const first = await bindSocket(type, 0);
      if (first === undefined) continue;
      const port = first.address().port;
      const second = await bindSocket(type, port % 2 === 0 ? port + 1 : port - 1);
      if (second === undefined) {
        await closeSocket(first);
        continue;
      }
      return port % 2 === 0 ? new UdpPair(first, second, remoteAddress) : new UdpPair(second, first, remoteAddress);
    }
    throw new RtspError('RTSP_TRANSPORT', `no free UDP port pair after ${BIND_ATTEMPTS} tries`);
  }

  /** Our RTP port (even); RTCP is the next one. */
  get port(): number {
    return this.rtp.address().port;
  }

  /** The camera's ports from the SETUP answer (server_port). Without them we can only receive. */
  setRemotePorts(rtpPort: number, rtcpPort: number): void {
    this.remoteRtpPort = rtpPort;
    this.remoteRtcpPort = rtcpPort;
  }

  sendRtp(data: Buffer): void {
    this.send(this.rtp, data, this.remoteRtpPort);
  }

  sendRtcp(data: Buffer): void {
    this.send(this.rtcp, data, this.remoteRtcpPort);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onRtp.clear();
    this.onRtcp.clear();
    await Promise.all([closeSocket(this.rtp), closeSocket(this.rtcp)]);
  }

  private send(socket: Socket, data: Buffer, port: number | undefined): void {
    if (this.closed || port === undefined) return;
    this.bytesSend += data.length;
    socket.send(data, port, this.remoteAddress);
  }

  private receive(data: Buffer, from: RemoteInfo, event: Event<[Buffer]>): void {
    if (!sameHost(from.address, this.remoteAddress)) return;
    this.bytesRecv += data.length;
    event.emit(data);
  }
}
