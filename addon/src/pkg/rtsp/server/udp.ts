import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookupNow, MEDIA_UDP_RECV_BUFFER_BYTES } from '../../../core/net.js';
import { Event } from '../../../core/event.js';
import { RtspError } from '../errors.js';

/**
 * The server's side of RTP over UDP for one track: an RTP and an RTCP socket on consecutive ports, sending
 * to the client's `client_port` pair. Incoming RTP (a publisher, a backchannel) is accepted only from the
 * client's address, so a stranger cannot inject media into a stream.
 */
export class UdpTrackTransport {
  readonly onRtp = new Event<[Buffer]>();
  /** Datagrams from the client on either port (its RTP or RTCP): the session's sign of life. */
  received = 0;
  private closed = false;

  private constructor(
    private readonly rtp: UdpSocket,
    private readonly rtcp: UdpSocket,
    readonly serverPorts: readonly [number, number],
    private readonly clientHost: string,
    private readonly clientPorts: readonly [number, number],
  ) {
    rtp.on('message', (msg, rinfo) => {
      if (rinfo.address !== clientHost) return;
      this.received++;
      this.onRtp.emit(msg);
    });
    // RTCP receiver reports are counted and otherwise ignored: nothing we send depends on them.
    rtcp.on('message', (_msg, rinfo) => {
      if (rinfo.address === clientHost) this.received++;
    });
    for (const socket of [rtp, rtcp]) socket.on('error', () => this.close());
  }

  /** Binds an even/odd port pair (RTP even, RFC 3550), retrying a few random pairs. */
  static async open(
    bindHost: string,
    clientHost: string,
    clientPorts: readonly [number, number],
  ): Promise<UdpTrackTransport> {
    const family = clientHost.includes(':') ? 'udp6' : 'udp4';
    for (let attempt = 0; attempt < 20; attempt++) {
      // A publisher's RTP arrives here (a reader's leaves): room for its key-frame bursts, as the client's.
      const rtp = createSocket({ type: family, lookup: lookupNow, recvBufferSize: MEDIA_UDP_RECV_BUFFER_BYTES });
      const even = await bind(rtp, bindHost, 0);
      if (even === undefined) continue;
      const rtpPort = even % 2 === 0 ? even : undefined;
      if (rtpPort === undefined) {
        rtp.close();
        continue;
      }
      const rtcp = createSocket(family);
      if ((await bind(rtcp, bindHost, rtpPort + 1)) === undefined) {
        rtp.close();
        continue;
      }
      return new UdpTrackTransport(rtp, rtcp, [rtpPort, rtpPort + 1], clientHost, clientPorts);
    }
    throw new RtspError('RTSP_TRANSPORT', 'no free UDP port pair');
  }

  /** Sends the packets of one frame; UDP has no backpressure, so this never reports congestion. */
  send(packets: ReadonlyArray<{ readonly header: Buffer; readonly payload: readonly Buffer[] }>): number {
    if (this.closed) return 0;
    let bytes = 0;
    for (const packet of packets) {
      const parts = [packet.header, ...packet.payload];
      for (const part of parts) bytes += part.length;
      this.rtp.send(parts, this.clientPorts[0], this.clientHost);
    }
    return bytes;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtp.close();
    this.rtcp.close();
  }
}

function bind(socket: UdpSocket, host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const onError = () => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind(port, host || undefined, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}
