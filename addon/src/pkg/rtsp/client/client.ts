import { errorMessage, Ts2rtcError } from '../../../core/errors.js';
import { Event, type Disposer } from '../../../core/event.js';
import { getAttribute } from '../../sdp/attributes.js';
import { resolveControl } from '../../sdp/control.js';
import { sdpToMedias, type SdpTrack } from '../../sdp/media.js';
import { parseSdp } from '../../sdp/parse.js';
import { pickChallenge, RtspAuthenticator } from '../auth.js';
import { RtspConnection } from '../connection.js';
import { RtspConnectionError, RtspError, rtspStatusError } from '../errors.js';
import { parseSession } from '../header-values.js';
import type { RtspLogger } from '../log.js';
import type { RtspRequest, RtspResponse } from '../message.js';
import { buildTransport, parseTransport } from '../transport.js';
import { parseRtspUrl, rtspBaseUrl, type RtspUrl } from '../url.js';
import { dial } from './dial.js';
import { keepaliveIntervalMs } from './keepalive.js';
import { UdpPair } from './udp.js';

/** How the RTP of a session travels: interleaved in the RTSP TCP connection, or UDP ports per track. */
export type RtspTransportMode = 'tcp' | 'udp';

export interface RtspClientOptions {
  /** rtsp:// or rtsps://, credentials in the userinfo (percent-encoded). */
  readonly url: string;
  readonly transport: RtspTransportMode;
  /** Connect timeout and the time any request may wait for its answer. */
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly log: RtspLogger;
}

export interface DescribeAnswer {
  /** The SDP as received, for `/api/streams`. */
  readonly sdp: string;
  /** Every usable track, in SDP order. */
  readonly tracks: SdpTrack[];
}

const ONVIF_BACKCHANNEL = 'www.onvif.org/ver20/backchannel';
const MAX_REDIRECTS = 5;
const TEARDOWN_WAIT_MS = 1000;
const REDIRECTS = new Set([301, 302, 303, 305, 307, 308]);

/**
 * The client side of one RTSP session with a camera: OPTIONS, DESCRIBE (answering Basic/Digest challenges
 * and following redirects), SETUP per track over interleaved TCP or UDP, PLAY, keep-alive, TEARDOWN.
 * Media is handed out raw per track (`onPacket`); depacketizing is the caller's (TrackInput).
 */
export class RtspClient {
  /** An RTP or RTCP packet of the track set up with `setup(index, ...)`. */
  readonly onPacket = new Event<[index: number, rtcp: boolean, data: Buffer]>();
  /** The session ended without `close()`: the camera hung up, or a keep-alive got no answer. */
  readonly onClose = new Event<[Error]>();
  /** The TCP connection can take more interleaved data. */
  readonly onDrain = new Event<[]>();

  private conn: RtspConnection;
  private target: RtspUrl;
  private auth: RtspAuthenticator | undefined;
  private subscriptions: Disposer[] = [];
  private baseUrl: string;
  private aggregateUrl: string;
  private session: string | undefined;
  private sessionTimeoutS: number | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly channels = new Map<number, { index: number; rtcp: boolean }>();
  private readonly trackChannels = new Map<number, readonly [number, number]>();
  private readonly udp = new Map<number, UdpPair>();
  /** The SSRC the camera's SETUP answer announced per track (Transport `ssrc=`), where it did. */
  private readonly ssrcs = new Map<number, number>();
  private closing: Promise<void> | undefined;
  /** Bytes of connections and UDP ports already closed (redirects, shutdown). */
  private closedBytesRecv = 0;
  private closedBytesSend = 0;

  private constructor(
    private readonly options: RtspClientOptions,
    target: RtspUrl,
    conn: RtspConnection,
  ) {
    this.target = target;
    this.auth = target.credentials ? new RtspAuthenticator(target.credentials) : undefined;
    this.baseUrl = target.url;
    this.aggregateUrl = target.url;
    this.conn = conn;
    this.attach(conn);
  }

  /** Connects and sends OPTIONS (following redirects; failing only on a refused login). */
  static async connect(options: RtspClientOptions): Promise<RtspClient> {
    const target = parseRtspUrl(options.url);
    const conn = await RtspClient.open(target, options);
    const client = new RtspClient(options, target, conn);
    try {
      // Only a refused login or a transport failure matters here: some cameras answer OPTIONS with an
      // error and still play.
      await client.followRedirects('OPTIONS', {});
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** The camera as `host:port`. */
  get remoteAddr(): string {
    return this.conn.remoteAddr;
  }

  /** The URL without credentials, after redirects. */
  get url(): string {
    return this.target.url;
  }

  get bytesRecv(): number {
    return this.conn.bytesRecv + this.closedBytesRecv + [...this.udp.values()].reduce((n, u) => n + u.bytesRecv, 0);
  }

  get bytesSend(): number {
    return this.conn.bytesSend + this.closedBytesSend + [...this.udp.values()].reduce((n, u) => n + u.bytesSend, 0);
  }

  get isClosed(): boolean {
    return this.closing !== undefined || this.conn.isClosed;
  }

  /**
   * DESCRIBE (with `Require: www.onvif.org/ver20/backchannel` when `backchannel`): the SDP and its tracks.
   * Throws RTSP_<status> for an error answer.
   */
  async describe(backchannel: boolean): Promise<DescribeAnswer> {
    const headers: Record<string, string> = { Accept: 'application/sdp' };
    if (backchannel) headers['Require'] = ONVIF_BACKCHANNEL;
    const res = await this.followRedirects('DESCRIBE', headers);
    if (res.status < 200 || res.status >= 300) throw this.statusError(res, 'DESCRIBE');
    const sdp = res.body.toString('utf8');
    const session = parseSdp(sdp);
    this.baseUrl = rtspBaseUrl(this.target.url, res.headers);
    this.aggregateUrl = resolveControl(this.baseUrl, getAttribute(session.attributes, 'control'));
    return { sdp, tracks: sdpToMedias(session) };
  }

  /**
   * SETUP of one track. `index` is the producer's number for it: TCP asks for channels 2n and 2n+1 (the
   * camera may answer others), UDP binds a port pair. Throws RTSP_<status>, or RTSP_BAD_HEADER for a
   * Transport answer that cannot be read.
   */
  async setup(index: number, track: SdpTrack): Promise<void> {
    const uri = resolveControl(this.baseUrl, track.control);
    let udp: UdpPair | undefined;
    let transport: string;
    const wanted = [2 * index, 2 * index + 1] as const;
    if (this.options.transport === 'udp') {
      udp = await UdpPair.bind(this.conn.socket.remoteAddress ?? this.target.host);
      transport = buildTransport({
        protocol: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        clientPort: [udp.port, udp.port + 1],
      });
    } else {
      transport = buildTransport({
        protocol: 'RTP/AVP',
        lowerTransport: 'TCP',
        delivery: 'unicast',
        interleaved: wanted,
      });
    }
    let res: RtspResponse;
    try {
      res = await this.request('SETUP', uri, { Transport: transport });
      if (res.status < 200 || res.status >= 300) throw this.statusError(res, 'SETUP', uri);
      const sessionHeader = res.headers.get('Session');
      if (this.session === undefined && sessionHeader !== undefined) {
        const session = parseSession(sessionHeader);
        this.session = session.id;
        this.sessionTimeoutS = session.timeout;
      }
    } catch (err) {
      await udp?.close();
      throw err;
    }
    const reply = parseTransport(res.headers.get('Transport') ?? transport)[0];
    if (reply?.ssrc !== undefined) this.ssrcs.set(index, reply.ssrc);
    if (udp !== undefined) {
      this.udp.set(index, udp);
      udp.onRtp.subscribe((data) => this.onPacket.emit(index, false, data));
      udp.onRtcp.subscribe((data) => this.onPacket.emit(index, true, data));
      if (reply?.serverPort !== undefined) {
        udp.setRemotePorts(reply.serverPort[0], reply.serverPort[1]);
      }
      return;
    }
    // The camera may pick other channels than we asked for (and some answer a UDP-looking Transport with
    // `interleaved=` in it); what it says is what it sends on.
    const channels = reply?.interleaved ?? wanted;
    this.trackChannels.set(index, channels);
    this.channels.set(channels[0], { index, rtcp: false });
    this.channels.set(channels[1], { index, rtcp: true });
  }

  /** The SSRC the camera announced for the track set up as `index`, if it did. */
  announcedSsrc(index: number): number | undefined {
    return this.ssrcs.get(index);
  }

  /** PLAY of the whole session, then keep-alive requests within the session timeout. */
  async play(): Promise<void> {
    // No Range, as go2rtc: live cameras play from now anyway, and GStreamer's ONVIF media answers a seek to
    // npt=0 with 503.
    const res = await this.request('PLAY', this.aggregateUrl);
    if (res.status < 200 || res.status >= 300) throw this.statusError(res, 'PLAY');
    const interval = keepaliveIntervalMs(this.sessionTimeoutS);
    this.keepalive = setInterval(() => this.sendKeepalive(), interval);
  }

  /** Sends one RTP packet of a track to the camera (backchannel). False when TCP is congested. */
  sendRtp(index: number, parts: readonly Buffer[]): boolean {
    return this.sendTo(index, false, parts);
  }

  sendRtcp(index: number, data: Buffer): void {
    this.sendTo(index, true, [data]);
  }

  /** TEARDOWN (waiting briefly for the answer), then closes the connection and the UDP ports. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    if (this.session !== undefined && !this.conn.isClosed) {
      let timer: NodeJS.Timeout | undefined;
      const answered = this.request('TEARDOWN', this.aggregateUrl).then(
        () => undefined,
        // The session ends either way; a camera that does not answer TEARDOWN is not an error of ours.
        (err: unknown) => this.options.log.debug({ err }, 'rtsp: TEARDOWN not answered'),
      );
      await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, TEARDOWN_WAIT_MS)))]);
      clearTimeout(timer);
    }
    this.detach();
    this.conn.close();
    const pairs = [...this.udp.values()];
    for (const pair of pairs) {
      this.closedBytesRecv += pair.bytesRecv;
      this.closedBytesSend += pair.bytesSend;
    }
    this.udp.clear();
    await Promise.all(pairs.map((p) => p.close()));
    this.onPacket.clear();
  }

  private static async open(target: RtspUrl, options: RtspClientOptions): Promise<RtspConnection> {
    const socket = await dial(target, options.timeoutMs, maskedUrl(target));
    return new RtspConnection(socket, options.log, { requestTimeoutMs: options.timeoutMs });
  }

  private attach(conn: RtspConnection): void {
    this.subscriptions = [
      conn.onFrame.subscribe((channel, payload) => {
        const route = this.channels.get(channel);
        if (route !== undefined) this.onPacket.emit(route.index, route.rtcp, payload);
      }),
      conn.onRequest.subscribe((req) => this.answer(req)),
      conn.onDrain.subscribe(() => this.onDrain.emit()),
      conn.onClose.subscribe((error) => {
        if (this.closing !== undefined) return;
        // Socket errors (ECONNRESET) become ours too, so the stream shows a code and which camera.
        const reason = error === undefined ? 'the camera closed the connection' : errorMessage(error);
        this.onClose.emit(
          error instanceof Ts2rtcError ? error : new RtspError('RTSP_CLOSED', `${maskedUrl(this.target)}: ${reason}`),
        );
      }),
    ];
  }

  private detach(): void {
    for (const dispose of this.subscriptions) dispose();
    this.subscriptions = [];
  }

  /** Cameras send OPTIONS (and GET_PARAMETER) to check we are alive; anything else is not for a player. */
  private answer(req: RtspRequest): void {
    const known = req.method === 'OPTIONS' || req.method === 'GET_PARAMETER';
    this.conn.respond(req, known ? { status: 200, headers: { Public: 'OPTIONS, GET_PARAMETER' } } : { status: 501 });
  }

  private sendKeepalive(): void {
    // OPTIONS with the session, as go2rtc: every camera answers it, and it refreshes the session.
    this.request('OPTIONS', this.baseUrl).then(
      (res) => {
        if (res.status >= 300)
          this.options.log.debug({ status: res.status }, 'rtsp: keep-alive answered with an error');
      },
      (err: unknown) => {
        if (this.closing !== undefined || this.conn.isClosed) return;
        this.conn.close(
          err instanceof Ts2rtcError ? err : new RtspError('RTSP_CLOSED', `keep-alive: ${errorMessage(err)}`),
        );
      },
    );
  }

  private sendTo(index: number, rtcp: boolean, parts: readonly Buffer[]): boolean {
    if (this.closing !== undefined) return true;
    const udp = this.udp.get(index);
    if (udp !== undefined) {
      const data = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
      if (rtcp) udp.sendRtcp(data);
      else udp.sendRtp(data);
      return true;
    }
    const channels = this.trackChannels.get(index);
    if (channels === undefined) return true;
    return this.conn.writeFrame(rtcp ? channels[1] : channels[0], parts);
  }

  /** OPTIONS and DESCRIBE may be redirected (3xx + Location) to another camera URL: reconnect there. */
  private async followRedirects(method: string, headers: Record<string, string>): Promise<RtspResponse> {
    for (let hops = 0; ; hops++) {
      const res = await this.request(method, this.target.url, headers);
      const location = res.headers.get('Location');
      if (!REDIRECTS.has(res.status) || location === undefined) return res;
      if (hops >= MAX_REDIRECTS) {
        throw new RtspError(
          'RTSP_REDIRECTS',
          `${method} ${maskedUrl(this.target)}: more than ${MAX_REDIRECTS} redirects`,
        );
      }
      await this.redirect(location);
    }
  }

  private async redirect(location: string): Promise<void> {
    const next = new URL(location.trim(), this.target.url);
    // A Location without credentials keeps ours (go2rtc does the same): the camera still wants them.
    if (next.username === '' && this.target.credentials !== undefined) {
      next.username = encodeURIComponent(this.target.credentials.username);
      next.password = encodeURIComponent(this.target.credentials.password);
    }
    const target = parseRtspUrl(next.toString());
    this.options.log.debug({ to: target.url }, 'rtsp: redirected');
    this.detach();
    this.conn.close();
    this.closedBytesRecv += this.conn.bytesRecv;
    this.closedBytesSend += this.conn.bytesSend;
    const conn = await RtspClient.open(target, this.options);
    this.target = target;
    this.auth = target.credentials ? new RtspAuthenticator(target.credentials) : undefined;
    this.baseUrl = target.url;
    this.aggregateUrl = target.url;
    this.conn = conn;
    this.attach(conn);
  }

  /** One request with User-Agent, Session and Authorization; answers a 401 challenge once. */
  private async request(method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    for (let attempt = 0; ; attempt++) {
      const all: Record<string, string> = { ...headers, 'User-Agent': this.options.userAgent };
      if (this.session !== undefined) all['Session'] = this.session;
      const authorization = this.auth?.authorization(method, uri);
      if (authorization !== undefined) all['Authorization'] = authorization;
      let res: RtspResponse;
      try {
        res = await this.conn.request({ method, uri, headers: all });
      } catch (err) {
        if (err instanceof RtspConnectionError)
          throw new RtspError(err.code, `${maskedUrl(this.target)}: ${err.message}`);
        throw err;
      }
      if (res.status !== 401) return res;
      const challenges = res.headers.getAll('WWW-Authenticate');
      if (this.auth === undefined)
        throw this.statusError(res, method, undefined, 'the camera wants a user and password, the URL has none');
      if (pickChallenge(challenges) === undefined)
        throw this.statusError(res, method, undefined, 'no authentication scheme this client can answer');
      if (attempt >= 2 || !this.auth.handleChallenge(challenges))
        throw this.statusError(res, method, undefined, 'wrong user or password');
    }
  }

  private statusError(res: RtspResponse, method: string, uri?: string, detail?: string): Error {
    const where = uri === undefined ? maskedUrl(this.target) : uri;
    return rtspStatusError(res.status, res.reason, `${method} ${where}${detail === undefined ? '' : `: ${detail}`}`);
  }
}

/** The URL for messages: `rtsp://***@host/path` when it carries credentials. */
function maskedUrl(target: RtspUrl): string {
  return target.credentials === undefined ? target.url : target.url.replace('://', '://***@');
}
