import { randomBytes } from 'node:crypto';
import { errorMessage, Ts2rtcError } from '../../../core/errors.js';
import { watchCounter } from '../../../core/liveness.js';
import { buildSdp, mediasToSdp, parseSdp, sdpToMedias } from '../../sdp/index.js';
import type { RtspConnection } from '../connection.js';
import { RtspConnectionError, RtspRequestError } from '../errors.js';
import { buildRtpInfo, buildSession } from '../header-values.js';
import { RtspHeaders } from '../headers.js';
import type { RtspLogger } from '../log.js';
import type { RtspRequest } from '../message.js';
import { buildTransport, parseTransport, type TransportSpec } from '../transport.js';
import { parseRequestUri } from '../url.js';
import type { ServerAuth } from './auth.js';
import type { ServerSessionHandler, SessionPublisher, SessionReader } from './handler.js';
import { trackIndexFromUri, type SessionTrack } from './tracks.js';
import { UdpTrackTransport } from './udp.js';

const PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, ANNOUNCE, RECORD, GET_PARAMETER, SET_PARAMETER';
const ONVIF_BACKCHANNEL = 'www.onvif.org/ver20/backchannel';

export interface ServerSessionOptions {
  /** The server's login. Defaults to none: every request is let in. */
  readonly auth?: ServerAuth;
  /**
   * Seconds without anything from the client (a request, interleaved RTP or RTCP, a datagram on its UDP
   * ports) after which the connection is closed; announced in the Session header (RFC 2326 12.37). Defaults
   * to 60, as go2rtc's read deadline for readers.
   */
  readonly sessionTimeoutS?: number | undefined;
  /** The same once the client publishes (RECORD): its media stops, it is gone. Defaults to 15, as go2rtc. */
  readonly publisherTimeoutS?: number | undefined;
  /** The host the UDP sockets of `RTP/AVP` tracks bind to (the listen address's host; '' for all). */
  readonly udpHost: string;
  readonly log: RtspLogger;
}

interface Answer {
  status: number;
  headers?: RtspHeaders;
  body?: string;
}

/**
 * The server side of one RTSP connection: a reader (DESCRIBE → SETUP → PLAY, maybe with an ONVIF
 * backchannel) or a publisher (ANNOUNCE → SETUP → RECORD). One session per connection, as every client we
 * serve uses. What DESCRIBE offers and whether an ANNOUNCE is taken is the handler's (`handler.ts`); the rest
 * is answered here. Errors answer the request with a status and never reach other connections.
 */
export class ServerSession {
  private readonly id = randomBytes(8).toString('hex');
  /** DESCRIBE or ANNOUNCE is running or was answered: a second one is refused (455). */
  private described = false;
  private reader: SessionReader | undefined;
  private publisher: SessionPublisher | undefined;
  private readonly channelTracks = new Map<number, SessionTrack>();
  private readonly udp = new Set<UdpTrackTransport>();
  private closed = false;
  private readonly timeoutS: number;
  /** Stops the watch on what the client sends (byte and datagram counts); replaced at RECORD. */
  private stopActivityWatch: () => void;

  constructor(
    private readonly conn: RtspConnection,
    private readonly handler: ServerSessionHandler,
    private readonly options: ServerSessionOptions,
  ) {
    this.timeoutS = options.sessionTimeoutS ?? 60;
    this.stopActivityWatch = this.watchActivity(this.timeoutS * 1000);
    conn.onRequest.subscribe((req) => void this.handle(req));
    conn.onFrame.subscribe((channel, payload) => this.onFrame(channel, payload));
    conn.onClose.once(() => void this.close());
  }

  /**
   * Closes the connection when nothing came from the client for `timeoutMs`. A reader over UDP is the case
   * this is for: its TCP connection carries nothing while it plays, so a client whose host vanished (no FIN,
   * no RST) kept a consumer and our packets going out forever.
   */
  private watchActivity(timeoutMs: number): () => void {
    const received = (): number => {
      let total = this.conn.bytesRecv;
      for (const transport of this.udp) total += transport.received;
      return total;
    };
    return watchCounter(timeoutMs, received, (silentMs) => {
      const seconds = Math.round(silentMs / 1000);
      this.options.log.debug({ remote: this.conn.remoteAddr, seconds }, 'rtsp: session timed out');
      this.conn.close(new RtspConnectionError('RTSP_TIMEOUT', `nothing from the client for ${seconds} s`));
    });
  }

  private async handle(req: RtspRequest): Promise<void> {
    const auth = this.options.auth;
    try {
      if (auth && !auth.check(this.conn, req)) {
        this.conn.respond(req, { status: 401, headers: auth.challenge() });
        return;
      }
      const answer = await this.dispatch(req);
      this.conn.respond(req, answer);
    } catch (err) {
      const status = statusOf(err);
      this.options.log.debug(
        { method: req.method, uri: req.uri, status, err: errorMessage(err) },
        'rtsp: request refused',
      );
      this.conn.respond(req, { status });
    }
  }

  private async dispatch(req: RtspRequest): Promise<Answer> {
    switch (req.method.toUpperCase()) {
      case 'OPTIONS':
        return { status: 200, headers: new RtspHeaders({ Public: PUBLIC }) };
      case 'DESCRIBE':
        return this.describe(req);
      case 'ANNOUNCE':
        return this.announce(req);
      case 'SETUP':
        return this.setup(req);
      case 'PLAY':
        return this.play(req);
      case 'RECORD':
        return this.record();
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
      case 'PAUSE':
        return { status: 200, headers: this.sessionHeaders() };
      case 'TEARDOWN':
        setImmediate(() => this.conn.close());
        return { status: 200, headers: this.sessionHeaders() };
      default:
        throw new RtspRequestError(501, `method ${req.method}`);
    }
  }

  private async describe(req: RtspRequest): Promise<Answer> {
    if (this.described) throw new RtspRequestError(455, 'session already described');
    const { path, query } = parseRequestUri(req.uri);
    const backchannel = req.headers.get('Require')?.includes(ONVIF_BACKCHANNEL) ?? false;
    this.described = true;
    let reader: SessionReader;
    try {
      reader = await this.handler.describe({ request: req, path, query, backchannel });
    } catch (err) {
      this.described = false;
      throw err;
    }
    this.reader = reader;
    const sdp = buildSdp(
      mediasToSdp(
        reader.sessionTracks.map((t) => ({
          kind: t.media.kind,
          codec: t.codec,
          control: t.control,
          payloadType: t.payloadType,
          ...(t.sdpDirection ? { direction: t.sdpDirection } : {}),
        })),
        { sessionName: 'ts2rtc' },
      ),
    );
    return {
      status: 200,
      headers: new RtspHeaders({ 'Content-Base': baseUri(req.uri), 'Content-Type': 'application/sdp' }),
      body: sdp,
    };
  }

  private async announce(req: RtspRequest): Promise<Answer> {
    if (this.described) throw new RtspRequestError(455, 'session already described');
    const { path } = parseRequestUri(req.uri);
    if (!path) throw new RtspRequestError(400, 'no stream name');
    const sdp = req.body.toString('utf8');
    const tracks = sdpToMedias(parseSdp(sdp)).filter((t) => t.media.direction === 'recvonly');
    if (tracks.length === 0) throw new RtspRequestError(415, 'no media we can receive');
    this.publisher = this.handler.announce({ request: req, path, sdp, tracks });
    this.described = true;
    return { status: 200, headers: this.sessionHeaders() };
  }

  private async setup(req: RtspRequest): Promise<Answer> {
    const tracks = this.reader?.sessionTracks ?? this.publisher?.sessionTracks ?? (this.described ? [] : undefined);
    if (!tracks) throw new RtspRequestError(455, 'SETUP before DESCRIBE or ANNOUNCE');
    const track = findTrack(tracks, req.uri);
    if (!track) throw new RtspRequestError(404, `no track for ${req.uri}`);
    const specs = parseTransport(req.headers.get('Transport') ?? '');
    const tcp = specs.find((s) => s.lowerTransport === 'TCP');
    const udp = specs.find((s) => s.lowerTransport === 'UDP' && s.delivery !== 'multicast' && s.clientPort);
    let reply: TransportSpec;
    if (tcp) {
      const channels = tcp.interleaved ?? this.nextChannels();
      track.transport = { kind: 'tcp', channel: channels[0] };
      this.channelTracks.set(channels[0], track);
      reply = {
        protocol: tcp.protocol,
        lowerTransport: 'TCP',
        delivery: 'unicast',
        interleaved: channels,
        ...(tcp.mode ? { mode: tcp.mode } : {}),
      };
    } else if (udp?.clientPort) {
      const host = this.conn.socket.remoteAddress ?? '';
      const transport = await UdpTrackTransport.open(
        this.options.udpHost,
        host.replace(/^::ffff:/, ''),
        udp.clientPort,
      );
      if (this.closed) {
        transport.close();
        throw new RtspRequestError(499, 'client closed during SETUP');
      }
      this.udp.add(transport);
      transport.onRtp.subscribe((datagram) => this.incoming(track, datagram));
      track.transport = { kind: 'udp', udp: transport };
      reply = {
        protocol: udp.protocol,
        lowerTransport: 'UDP',
        delivery: 'unicast',
        clientPort: udp.clientPort,
        serverPort: transport.serverPorts,
        ...(udp.mode ? { mode: udp.mode } : {}),
      };
    } else {
      throw new RtspRequestError(461, 'only RTP/AVP over TCP or UDP unicast');
    }
    const headers = this.sessionHeaders();
    headers.set('Transport', buildTransport(reply));
    return { status: 200, headers };
  }

  private async play(req: RtspRequest): Promise<Answer> {
    const reader = this.reader;
    if (!reader) throw new RtspRequestError(455, 'PLAY without DESCRIBE');
    const base = baseUri(req.uri);
    const info = reader.sessionTracks
      .filter((t) => t.transport && t.packetizer)
      // A TCP track shares its numbering with the other readers: its first packet (the replayed GOP's) has
      // no sequence number to promise before it is sent, so RTP-Info names the track only.
      .map((t) => ({
        url: `${base}${t.control}`,
        ...(t.shared && t.transport?.kind === 'tcp' ? {} : { seq: t.packetizer!.nextSequence }),
      }));
    const headers = this.sessionHeaders();
    if (info.length) headers.set('RTP-Info', buildRtpInfo(info));
    headers.set('Range', 'npt=0.000-');
    // The answer must leave before the first RTP packet, so start sending after it is written.
    setImmediate(() => reader.play());
    return { status: 200, headers };
  }

  private async record(): Promise<Answer> {
    const publisher = this.publisher;
    if (!publisher) throw new RtspRequestError(455, 'RECORD without ANNOUNCE');
    if (publisher.record) setImmediate(() => publisher.record?.());
    this.stopActivityWatch();
    this.stopActivityWatch = this.watchActivity((this.options.publisherTimeoutS ?? 15) * 1000);
    return { status: 200, headers: this.sessionHeaders() };
  }

  private onFrame(channel: number, payload: Buffer): void {
    // Odd channels carry RTCP; receiver reports from readers need no answer.
    const track = this.channelTracks.get(channel);
    if (track) this.incoming(track, payload);
  }

  private incoming(track: SessionTrack, datagram: Buffer): void {
    if (this.publisher) this.publisher.receive(track, datagram);
    else this.reader?.receive(track, datagram);
  }

  private nextChannels(): readonly [number, number] {
    let channel = 0;
    while (this.channelTracks.has(channel)) channel += 2;
    return [channel, channel + 1];
  }

  private sessionHeaders(): RtspHeaders {
    return new RtspHeaders({ Session: buildSession({ id: this.id, timeout: this.timeoutS }) });
  }

  private async close(): Promise<void> {
    this.closed = true;
    this.stopActivityWatch();
    for (const transport of this.udp) transport.close();
    this.udp.clear();
    this.reader = undefined;
    this.publisher = undefined;
    await this.handler.close();
  }
}

/** The request URI without its query, ending in `/`: what the controls of our SDP are relative to. */
function baseUri(uri: string): string {
  return uri.split('?')[0]?.replace(/\/?$/, '/') ?? uri;
}

function findTrack(tracks: readonly SessionTrack[], uri: string): SessionTrack | undefined {
  const index = trackIndexFromUri(uri);
  if (index !== undefined) return tracks.find((t) => t.control === `trackID=${index}`);
  // A publisher's own controls (ffmpeg: streamid=0), absolute or relative.
  return (
    tracks.find((t) => t.control !== '' && (uri.endsWith(`/${t.control}`) || uri === t.control)) ??
    (tracks.length === 1 ? tracks[0] : undefined)
  );
}

/** A handler's refusal keeps its status; a request we could not read is 400; anything else 500. */
function statusOf(err: unknown): number {
  if (err instanceof RtspRequestError) return err.status;
  if (err instanceof Ts2rtcError && (err.code.startsWith('RTSP_BAD') || err.code.startsWith('SDP_'))) return 400;
  return 500;
}
