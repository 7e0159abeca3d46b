import type { Socket as UdpSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { ntpFromUnixMs } from '../../pkg/rtp/rtcp.js';
import { WeriftInternalsError } from './werift-shim.js';

/**
 * One viewer's RTP sender, without werift's per-packet work that a server sending camera frames does not
 * need (issue 11: WebRTC CPU per viewer and latency).
 *
 * werift 0.24.4's `RTCRtpSender.sendRtp` costs, per packet and per viewer, an NTP timestamp made through a
 * string split and a BigInt (8 % of the server's CPU at 10–30 viewers, and wrong: see `ntpNow`),
 * header-extension map/filter/sort (we negotiate none), a bandwidth-estimator entry that sorts its keys, a new
 * RtpHeader and RtpPacket, and three awaits. This does what of it the peer can see, with werift's own fields,
 * so RTCP and NACK work as before:
 * - the same sequence/timestamp offsets, SSRC and payload type werift applies, the packet kept in werift's
 *   `rtpCache` (NACK retransmissions come from there);
 * - the Sender Report fields (packet and octet counts; the NTP/RTP timestamp pair once per frame, which is
 *   what a report needs: a pair taken at the same moment) and werift's RTCP loop started;
 * - SRTP through the DTLS transport's session (srtp-fast.ts's sender where it applies), then the ICE
 *   connection's selected pair: straight to its UDP socket when the pair is UDP to an IP address, with
 *   werift's consent rule (RFC 7675: nothing after consent expired) and its pair counters kept; through
 *   `connection.send` otherwise (ICE-TCP). werift's path is three async functions and an address parse per
 *   packet: bench/webrtc.ts at 20 viewers put ICE/UDP sending at 15.7–17.4 % of the server's profile through
 *   it, 11.8–13.3 % direct (37.6–40.1 µs of server CPU a packet, from 40.6–42.5).
 * Header and packet objects are a ring of RTP_HISTORY_SIZE per sender, the same slots as `rtpCache`.
 */

/** werift's rtpSender.ts RTP_HISTORY_SIZE: `rtpCache` slots, indexed by sequence number. */
const RTP_HISTORY_SIZE = 128;

interface CandidatePairInternals {
  protocol: object;
  remoteAddr: readonly [string, number];
  packetsSent: number;
  bytesSent: number;
}

interface IceConnectionInternals {
  nominated: CandidatePairInternals | undefined;
  send(data: Buffer): Promise<void>;
  canSendApplicationData(): boolean;
}

interface DtlsInternals {
  state: string;
  srtp: { encrypt(payload: Buffer, header: RtpHeader): Buffer };
  sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
  bytesSent: number;
  packetsSent: number;
  iceTransport: { connection: IceConnectionInternals };
}

/** Where a UDP pair's packets go: werift's own socket and the peer's address, as its UdpTransport sends. */
interface UdpTarget {
  readonly pair: CandidatePairInternals;
  readonly transport: { closed: boolean };
  readonly socket: UdpSocket;
  readonly host: string;
  readonly port: number;
}

/** The UDP socket behind a nominated pair, when werift would send to it without a DNS lookup. */
function udpTargetOf(pair: CandidatePairInternals): UdpTarget | undefined {
  const transport: unknown = Reflect.get(pair.protocol, 'transport');
  const socket: unknown =
    typeof transport === 'object' && transport !== null ? Reflect.get(transport, 'socket') : undefined;
  const closed: unknown =
    typeof transport === 'object' && transport !== null ? Reflect.get(transport, 'closed') : undefined;
  // A TCP pair's transport has no dgram socket (no `setBroadcast`): it keeps werift's path.
  if (
    typeof socket !== 'object' ||
    socket === null ||
    typeof Reflect.get(socket, 'setBroadcast') !== 'function' ||
    typeof closed !== 'boolean'
  )
    return undefined;
  const [host, port] = pair.remoteAddr;
  if (isIP(host) === 0 || !Number.isInteger(port)) return undefined;
  return { pair, transport: transport as { closed: boolean }, socket: socket as UdpSocket, host, port };
}

interface SenderInternals {
  dtlsTransport: DtlsInternals;
  codec: { payloadType: number } | undefined;
  ssrc: number;
  timestampOffset: number;
  seqOffset: number;
  timestamp: number;
  sequenceNumber: number;
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  octetCount: number;
  headerBytesSent: number;
  packetCount: number;
  rtpCache: RtpPacket[];
  rtcpRunning: boolean;
  runRtcp(): Promise<void>;
}

const NUMBER_FIELDS = ['ssrc', 'timestampOffset', 'seqOffset', 'octetCount', 'headerBytesSent', 'packetCount'] as const;

function internalsOf(sender: RTCRtpSender): SenderInternals {
  const s = sender as unknown as Record<string, unknown>;
  for (const field of NUMBER_FIELDS) {
    if (typeof s[field] !== 'number') throw new WeriftInternalsError(`werift RTCRtpSender.${field} is not a number`);
  }
  if (!Array.isArray(s['rtpCache']) || typeof s['runRtcp'] !== 'function' || typeof s['rtcpRunning'] !== 'boolean') {
    throw new WeriftInternalsError('werift RTCRtpSender has no rtpCache/runRtcp/rtcpRunning');
  }
  return sender as unknown as SenderInternals;
}

function checkTransport(dtls: unknown): asserts dtls is DtlsInternals {
  const srtp: unknown = typeof dtls === 'object' && dtls !== null ? Reflect.get(dtls, 'srtp') : undefined;
  const ice: unknown = typeof dtls === 'object' && dtls !== null ? Reflect.get(dtls, 'iceTransport') : undefined;
  const connection: unknown = typeof ice === 'object' && ice !== null ? Reflect.get(ice, 'connection') : undefined;
  if (typeof srtp !== 'object' || srtp === null || typeof Reflect.get(srtp, 'encrypt') !== 'function')
    throw new WeriftInternalsError('werift DTLS transport has no srtp.encrypt');
  if (typeof connection !== 'object' || connection === null || typeof Reflect.get(connection, 'send') !== 'function')
    throw new WeriftInternalsError('werift ICE transport has no connection.send');
  if (typeof Reflect.get(connection, 'canSendApplicationData') !== 'function')
    throw new WeriftInternalsError('werift ICE connection has no canSendApplicationData');
  if (typeof Reflect.get(dtls as object, 'sendRtp') !== 'function')
    throw new WeriftInternalsError('werift DTLS transport has no sendRtp');
}

const ignore = (): void => undefined;

/**
 * The wall clock as the 64-bit NTP timestamp werift's Sender Report carries. Not werift's `ntpTime`: it
 * splits the seconds' decimal text at the point and writes the digits after it as the fraction, so every
 * report said the whole second (up to 1 s early; Chromium's remote-outbound-rtp showed remoteTimestamp
 * always at .000 while the report came .0-.9 s later), which is what a receiver lines audio up with video by.
 */
function ntpNow(): bigint {
  const { seconds, fraction } = ntpFromUnixMs(performance.timeOrigin + performance.now());
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}

/** Packets sent straight to a pair's UDP socket, for benchmarks and tests. */
export const directUdpStats = { packets: 0 };

export class DirectRtpSender {
  private readonly internals: SenderInternals;
  private readonly ring: Array<RtpPacket | undefined> = new Array<RtpPacket | undefined>(RTP_HISTORY_SIZE);
  private lastTimestamp = -1;
  private checked = false;
  /** The nominated pair last looked at, and its UDP target (undefined: send through werift). */
  private targetPair: CandidatePairInternals | undefined;
  private target: UdpTarget | undefined;

  constructor(sender: RTCRtpSender) {
    this.internals = internalsOf(sender);
  }

  /**
   * Sends one RTP packet (our numbering; werift's offsets are added as its own sendRtp does). Returns false
   * while DTLS is not connected (nothing sent).
   */
  send(sequence: number, timestamp: number, marker: boolean, payload: Buffer): boolean {
    const s = this.internals;
    const dtls = s.dtlsTransport;
    if (dtls.state !== 'connected' || !s.codec) return false;
    if (!this.checked) {
      checkTransport(dtls);
      this.checked = true;
      this.takeResends(dtls);
    }
    const seq = (sequence + s.seqOffset) & 0xffff;
    const ts = (timestamp + s.timestampOffset) >>> 0;
    const slot = seq % RTP_HISTORY_SIZE;
    let packet = this.ring[slot];
    if (!packet) {
      packet = new RtpPacket(new RtpHeader(), payload);
      this.ring[slot] = packet;
    }
    const header = packet.header;
    header.ssrc = s.ssrc;
    header.payloadType = s.codec.payloadType;
    header.sequenceNumber = seq;
    header.timestamp = ts;
    header.marker = marker;
    packet.payload = payload;
    s.rtpCache[slot] = packet;
    s.timestamp = ts;
    s.sequenceNumber = seq;
    if (ts !== this.lastTimestamp) {
      // The Sender Report's pair: the wall clock when this frame's first packet left, and its RTP time.
      this.lastTimestamp = ts;
      s.ntpTimestamp = ntpNow();
      s.rtpTimestamp = ts;
    }
    s.octetCount += payload.length;
    s.headerBytesSent += header.serializeSize;
    s.packetCount = (s.packetCount + 1) >>> 0;
    const encrypted = dtls.srtp.encrypt(payload, header);
    dtls.bytesSent += encrypted.length;
    dtls.packetsSent++;
    if (!s.rtcpRunning) s.runRtcp().catch(ignore);
    this.sendUdp(dtls.iceTransport.connection, encrypted);
    return true;
  }

  /**
   * werift's NACK handler (`RTCRtpSender.handleRtcpPacket`) resends from `rtpCache` through the DTLS
   * transport's `sendRtp`: SRTP, then `connection.send`, the three async functions this class avoids. A
   * loaded viewer NACKs often: at 10 werift viewers werift's resend path was 5 % of the server's CPU. The
   * transport's `sendRtp` (its own property, one per peer, whichever sender of the peer sends first) takes
   * the same path as a first send; werift's stays for a transport that is not connected.
   */
  private takeResends(dtls: DtlsInternals): void {
    if (Object.hasOwn(dtls, 'sendRtp')) return;
    const werift = dtls.sendRtp.bind(dtls);
    dtls.sendRtp = (payload: Buffer, header: RtpHeader): Promise<number> => {
      if (dtls.state !== 'connected') return werift(payload, header);
      try {
        const encrypted = dtls.srtp.encrypt(payload, header);
        dtls.bytesSent += encrypted.length;
        dtls.packetsSent++;
        this.sendUdp(dtls.iceTransport.connection, encrypted);
        return Promise.resolve(encrypted.length);
      } catch {
        // As werift's: a packet that cannot be encrypted is not sent, and nothing throws into the NACK loop.
        return Promise.resolve(0);
      }
    };
  }

  /** One encrypted packet to the nominated pair, as werift's `connection.send` would send it. */
  private sendUdp(ice: IceConnectionInternals, packet: Buffer): void {
    const pair = ice.nominated;
    if (pair !== this.targetPair) {
      this.targetPair = pair;
      this.target = pair ? udpTargetOf(pair) : undefined;
    }
    const target = this.target;
    if (!target || target.transport.closed) {
      ice.send(packet).catch(ignore);
      return;
    }
    if (!ice.canSendApplicationData()) return;
    target.socket.send(packet, target.port, target.host);
    directUdpStats.packets++;
    target.pair.packetsSent++;
    target.pair.bytesSent += packet.length;
  }
}
