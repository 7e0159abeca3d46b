import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Codec } from '../../../core/codec.js';
import { Ts2rtcError, errorMessage } from '../../../core/errors.js';
import type { Media } from '../../../core/media.js';
import {
  buildRtpInfo,
  buildSession,
  buildTransport,
  parseRequestUri,
  parseTransport,
  RtspHeaders,
  type RtspRequest,
  type TransportSpec,
} from '../../../pkg/rtsp/index.js';
import { buildSdp, mediasToSdp, parseSdp, sdpToMedias } from '../../../pkg/sdp/index.js';
import type { StreamHub } from '../../streams/hub.js';
import { parseMediaQuery } from '../../streams/media-query.js';
import type { RtspConnection } from '../../../pkg/rtsp/connection.js';
import type { ServerAuth } from '../../../pkg/rtsp/server/auth.js';
import { trackIndexFromUri, type SessionTrack } from '../../../pkg/rtsp/server/tracks.js';
import { UdpTrackTransport } from '../../../pkg/rtsp/server/udp.js';
import type { PublishClaims } from './publish-claims.js';
import { RtspPublisher } from './publisher.js';
import { RtspReaderConsumer } from './reader-consumer.js';

const PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, ANNOUNCE, RECORD, GET_PARAMETER, SET_PARAMETER';
const ONVIF_BACKCHANNEL = 'www.onvif.org/ver20/backchannel';

/** What the RTSP server can packetize, for `?video`/`?audio` without codecs (go2rtc's "copy"). */
const anyRate = (name: Codec['name']): Codec => ({ name, clockRate: 0, channels: 0 });
const SENDABLE_VIDEO: readonly Codec[] = (['H264', 'H265', 'JPEG'] as const).map(anyRate);
const SENDABLE_AUDIO: readonly Codec[] = (['AAC', 'OPUS', 'PCMU', 'PCMA', 'PCM', 'G722'] as const).map(anyRate);

export interface SessionContext {
  readonly hub: StreamHub;
  /** Paths that local processes (exec:, ffmpeg:) publish to, claimed by their sources. */
  readonly claims: PublishClaims;
  readonly auth: ServerAuth;
  /** `rtsp.default_query`: what a URL without a query asks for. */
  readonly defaultQuery: string;
  /** The host our UDP sockets bind to (the listen address's host). */
  readonly udpHost: string;
  /** `rtsp.pkt_size`: largest RTP packet for readers; `?pkt_size=` overrides it per client. */
  readonly packetSize: number | undefined;
  readonly log: Logger;
}

class RequestError extends Ts2rtcError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`RTSP_${status}`, message);
  }
}

/**
 * One client connection to the RTSP server: a reader (DESCRIBE → SETUP → PLAY, maybe with an ONVIF
 * backchannel) or a publisher (ANNOUNCE → SETUP → RECORD). One session per connection, as every client we
 * serve uses. Errors answer the request with a status and never reach other connections.
 */
export class ServerSession {
  private readonly id = randomBytes(8).toString('hex');
  private reader: RtspReaderConsumer | undefined;
  private publisher: RtspPublisher | undefined;
  private streamName = '';
  private channelTracks = new Map<number, SessionTrack>();
  private closed = false;

  constructor(
    private readonly conn: RtspConnection,
    private readonly ctx: SessionContext,
  ) {
    conn.onRequest.subscribe((req) => void this.handle(req));
    conn.onFrame.subscribe((channel, payload) => this.onFrame(channel, payload));
    conn.onClose.once(() => void this.close());
  }

  private async handle(req: RtspRequest): Promise<void> {
    try {
      if (!this.ctx.auth.check(this.conn, req)) {
        this.conn.respond(req, { status: 401, headers: this.ctx.auth.challenge() });
        return;
      }
      const headers = await this.dispatch(req);
      this.conn.respond(req, headers);
    } catch (err) {
      const status = err instanceof RequestError ? err.status : statusOf(err);
      this.ctx.log.debug({ method: req.method, uri: req.uri, status, err: errorMessage(err) }, 'rtsp: request refused');
      this.conn.respond(req, { status });
    }
  }

  private async dispatch(req: RtspRequest): Promise<{ status: number; headers?: RtspHeaders; body?: string }> {
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
        throw new RequestError(501, `method ${req.method}`);
    }
  }

  private async describe(req: RtspRequest) {
    if (this.reader || this.publisher) throw new RequestError(455, 'session already described');
    const { path, query } = parseRequestUri(req.uri);
    const stream = this.ctx.hub.get(path);
    if (!stream) throw new RequestError(404, `stream not found: ${path}`);
    const wanted = readerMedias(query.toString() ? query : new URLSearchParams(this.ctx.defaultQuery));
    if (req.headers.get('Require')?.includes(ONVIF_BACKCHANNEL)) {
      wanted.push({ kind: 'audio', direction: 'recvonly', codecs: [{ name: 'ANY', clockRate: 0, channels: 0 }] });
    }
    const pktSize = Number(query.get('pkt_size') ?? this.ctx.packetSize ?? 0);
    const reader = new RtspReaderConsumer(
      this.conn,
      wanted,
      this.ctx.log,
      req.headers.get('User-Agent'),
      pktSize > 0 ? pktSize : undefined,
    );
    // Held before negotiating, which waits for the sources to start: a client that hangs up meanwhile (ffmpeg
    // gives up on a slow DESCRIBE) closes the session, and the session must stop this reader, or the stream
    // keeps listing a consumer nobody will ever end.
    this.reader = reader;
    this.streamName = path;
    try {
      await stream.addConsumer(reader);
    } catch (err) {
      // Nothing was attached (or the hub stopped it): the connection stays for the error answer.
      if (this.reader === reader) this.reader = undefined;
      throw err;
    }
    if (this.closed) {
      await reader.stop();
      throw new RequestError(499, 'client closed during DESCRIBE');
    }
    const sdp = buildSdp(
      mediasToSdp(
        reader.tracks.map((t) => ({
          kind: t.media.kind,
          codec: t.codec,
          control: t.control,
          payloadType: t.payloadType,
          ...(t.sdpDirection ? { direction: t.sdpDirection } : {}),
        })),
        { sessionName: 'ts2rtc' },
      ),
    );
    const base = req.uri.split('?')[0]?.replace(/\/?$/, '/') ?? req.uri;
    return {
      status: 200,
      headers: new RtspHeaders({ 'Content-Base': base, 'Content-Type': 'application/sdp' }),
      body: sdp,
    };
  }

  private async announce(req: RtspRequest) {
    if (this.reader || this.publisher) throw new RequestError(455, 'session already described');
    const { path } = parseRequestUri(req.uri);
    if (!path) throw new RequestError(400, 'no stream name');
    const sdpText = req.body.toString('utf8');
    const tracks = sdpToMedias(parseSdp(sdpText)).filter((t) => t.media.direction === 'recvonly');
    if (tracks.length === 0) throw new RequestError(415, 'no media we can receive');
    const publisher = new RtspPublisher(this.conn, tracks, sdpText, this.ctx.log, req.headers.get('User-Agent'));
    // A process we started (exec:/ffmpeg: `{output}`) publishing to the path it was given.
    if (this.ctx.claims.take(path, publisher, this.conn.socket.remoteAddress ?? '')) {
      this.publisher = publisher;
      this.streamName = path;
      return { status: 200, headers: this.sessionHeaders() };
    }
    // As go2rtc: publishing needs a stream that exists (e.g. `name:` with no sources in the config), so a
    // stranger cannot create streams.
    const stream = this.ctx.hub.get(path);
    if (!stream) throw new RequestError(404, `stream not found: ${path}`);
    stream.addPublisher(publisher, `rtsp://${this.conn.remoteAddr}/${path}`);
    this.publisher = publisher;
    this.streamName = path;
    return { status: 200, headers: this.sessionHeaders() };
  }

  private async setup(req: RtspRequest) {
    const tracks = this.reader?.tracks ?? this.publisher?.sessionTracks;
    if (!tracks) throw new RequestError(455, 'SETUP before DESCRIBE or ANNOUNCE');
    const track = this.findTrack(tracks, req.uri);
    if (!track) throw new RequestError(404, `no track for ${req.uri}`);
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
      const transport = await UdpTrackTransport.open(this.ctx.udpHost, host.replace(/^::ffff:/, ''), udp.clientPort);
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
      throw new RequestError(461, 'only RTP/AVP over TCP or UDP unicast');
    }
    const headers = this.sessionHeaders();
    headers.set('Transport', buildTransport(reply));
    return { status: 200, headers };
  }

  private async play(req: RtspRequest) {
    const reader = this.reader;
    if (!reader) throw new RequestError(455, 'PLAY without DESCRIBE');
    const base = req.uri.split('?')[0]?.replace(/\/?$/, '/') ?? req.uri;
    const info = reader.tracks
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

  private async record() {
    if (!this.publisher) throw new RequestError(455, 'RECORD without ANNOUNCE');
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

  private findTrack(tracks: readonly SessionTrack[], uri: string): SessionTrack | undefined {
    const index = trackIndexFromUri(uri);
    if (index !== undefined) return tracks.find((t) => t.control === `trackID=${index}`);
    // A publisher's own controls (ffmpeg: streamid=0), absolute or relative.
    return (
      tracks.find((t) => t.control !== '' && (uri.endsWith(`/${t.control}`) || uri === t.control)) ??
      (tracks.length === 1 ? tracks[0] : undefined)
    );
  }

  private nextChannels(): readonly [number, number] {
    let channel = 0;
    while (this.channelTracks.has(channel)) channel += 2;
    return [channel, channel + 1];
  }

  private sessionHeaders(): RtspHeaders {
    return new RtspHeaders({ Session: buildSession({ id: this.id, timeout: 60 }) });
  }

  private async close(): Promise<void> {
    this.closed = true;
    const reader = this.reader;
    this.reader = undefined;
    if (reader) await reader.stop();
    const publisher = this.publisher;
    this.publisher = undefined;
    if (publisher) await publisher.stop();
    this.ctx.log.debug({ stream: this.streamName }, 'rtsp: session closed');
  }
}

/** `?video&audio=all`: each key a media; codec-less keys mean anything the server can packetize. */
function readerMedias(query: URLSearchParams): Media[] {
  // go2rtc: `?mp4` means what an MP4 can hold, for recorders that write the RTSP stream to files.
  if (query.has('mp4')) {
    return [
      { kind: 'video', direction: 'sendonly', codecs: (['H264', 'H265'] as const).map(anyRate) },
      { kind: 'audio', direction: 'sendonly', codecs: [anyRate('AAC')] },
    ];
  }
  const medias: Media[] = [];
  for (const media of parseMediaQuery(query)) {
    if (media.direction !== 'sendonly') continue;
    const codecs = media.codecs.some((c) => c.name === 'ANY')
      ? media.kind === 'video'
        ? SENDABLE_VIDEO
        : SENDABLE_AUDIO
      : media.codecs;
    medias.push({ ...media, codecs });
  }
  // `audio=all` asks for every audio track of the stream, not just the first: a wanted media takes one
  // source track, so ask for a few more (those that find nothing are simply left out).
  for (const kind of ['video', 'audio'] as const) {
    if (!query.getAll(kind).includes('all')) continue;
    for (let i = 0; i < 3; i++)
      medias.push({ kind, direction: 'sendonly', codecs: kind === 'video' ? SENDABLE_VIDEO : SENDABLE_AUDIO });
  }
  return medias;
}

function statusOf(err: unknown): number {
  if (err instanceof Ts2rtcError) {
    if (err.code === 'STREAM_NOT_FOUND' || err.code === 'CODEC_MISMATCH') return 404;
    if (err.code === 'SOURCE_FAILED') return 503;
    if (err.code.startsWith('RTSP_BAD') || err.code.startsWith('SDP_')) return 400;
  }
  return 500;
}
