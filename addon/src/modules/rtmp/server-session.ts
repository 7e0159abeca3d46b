import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { watchCounter } from '../../core/liveness.js';
import { encodeAmf0, type AmfObject, type AmfValue } from '../../pkg/flv/index.js';
import {
  MessageType,
  UserControlEvent,
  command,
  onStatus,
  parseCommand,
  setPeerBandwidth,
  userControl,
  windowAckSize,
  type RtmpCommand,
  type RtmpMessage,
} from '../../pkg/rtmp/index.js';
import type { StreamHub } from '../streams/hub.js';
import type { Stream } from '../streams/stream.js';
import type { RtmpAuth } from './auth.js';
import { OUR_WINDOW, type RtmpConnection } from './connection.js';
import { IncomingMedia } from './incoming.js';
import { RtmpPlayerConsumer } from './player-consumer.js';
import { RtmpPublisher } from './publisher.js';

export interface SessionContext {
  readonly hub: StreamHub;
  readonly auth: RtmpAuth;
  /** How long a publisher may take to send its sequence headers. */
  readonly probeTimeoutMs: number;
  /** A publisher that sends nothing for this long is gone (its host vanished, the connection half-open). */
  readonly publisherTimeoutMs: number;
  readonly log: Logger;
}

/** Our one media stream id per connection: clients play or publish one stream each. */
const STREAM_ID = 1;

/**
 * One client of the RTMP server: connect, createStream, then play (a reader of any stream) or publish (into
 * a stream that exists, as RTSP ANNOUNCE). Every other command gets an empty `_result` so clients that ask
 * (releaseStream, FCPublish, _checkbw) go on.
 */
export class RtmpServerSession {
  private app = '';
  private tcUrl = '';
  private flashVer: string | undefined;
  private media: IncomingMedia | undefined;
  private publisher: RtmpPublisher | undefined;
  private player: RtmpPlayerConsumer | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopPublisherWatch: (() => void) | undefined;

  constructor(
    private readonly conn: RtmpConnection,
    private readonly ctx: SessionContext,
  ) {
    conn.onMessage.subscribe((message) => this.onMessage(message));
    conn.onClose.once(() => {
      clearTimeout(this.probeTimer);
      this.stopPublisherWatch?.();
      void this.player?.stop();
      void this.publisher?.stop();
    });
  }

  private onMessage(message: RtmpMessage): void {
    if (this.media?.push(message)) {
      if (!this.publisher) this.checkProbe();
      return;
    }
    if (message.type !== MessageType.CommandAmf0 && message.type !== MessageType.CommandAmf3) return;
    const cmd = parseCommand(message.type, message.payload);
    switch (cmd.name) {
      case 'connect':
        return this.connect(cmd);
      case 'createStream':
        this.conn.send(command(0, '_result', cmd.transactionId, null, STREAM_ID));
        return;
      case 'publish':
        return this.publish(cmd);
      case 'play':
        void this.play(cmd).catch((err: unknown) => this.fail('NetStream.Play.Failed', errorMessage(err)));
        return;
      case 'deleteStream':
      case 'closeStream':
      case 'FCUnpublish':
        this.conn.close();
        return;
      default:
        if (cmd.transactionId > 0) this.conn.send(command(0, '_result', cmd.transactionId, null, null));
    }
  }

  private connect(cmd: RtmpCommand): void {
    const object = asObject(cmd.object);
    this.app = typeof object['app'] === 'string' ? object['app'] : '';
    this.tcUrl = typeof object['tcUrl'] === 'string' ? object['tcUrl'] : '';
    this.flashVer = typeof object['flashVer'] === 'string' ? object['flashVer'] : undefined;
    this.conn.send(windowAckSize(OUR_WINDOW));
    this.conn.send(setPeerBandwidth(OUR_WINDOW));
    this.conn.send(
      command(
        0,
        '_result',
        cmd.transactionId,
        { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
        {
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
          objectEncoding: 0,
        },
      ),
    );
  }

  /** The stream a play/publish name refers to: `name`, else `app/name`, else the app (`rtmp://host/cam`). */
  private resolve(cmd: RtmpCommand): { name: string; stream: Stream | undefined; allowed: boolean } {
    const raw = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
    const q = raw.indexOf('?');
    const name = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const app = this.app.split('?')[0] ?? '';
    const appQuery = new URLSearchParams(this.app.includes('?') ? this.app.slice(this.app.indexOf('?') + 1) : '');
    const tcQuery = new URLSearchParams(this.tcUrl.includes('?') ? this.tcUrl.slice(this.tcUrl.indexOf('?') + 1) : '');
    const allowed = this.ctx.auth.check(this.conn.socket.remoteAddress, [query, appQuery, tcQuery]);
    for (const candidate of [name, `${app}/${name}`, app]) {
      const stream = candidate ? this.ctx.hub.get(candidate) : undefined;
      if (stream) return { name: candidate, stream, allowed };
    }
    return { name: name || app, stream: undefined, allowed };
  }

  private publish(cmd: RtmpCommand): void {
    if (this.media || this.player) return this.fail('NetStream.Publish.BadName', 'already playing or publishing');
    const { name, stream, allowed } = this.resolve(cmd);
    if (!allowed) return this.fail('NetStream.Publish.Unauthorized', `unauthorized: ${name}`);
    // As RTSP ANNOUNCE and go2rtc: publishing needs a stream that exists, so a stranger cannot create streams.
    if (!stream) return this.fail('NetStream.Publish.BadName', `stream not found: ${name}`);
    const media = new IncomingMedia();
    this.media = media;
    this.conn.send(userControl(UserControlEvent.StreamBegin, STREAM_ID));
    this.conn.send(onStatus(STREAM_ID, 'status', 'NetStream.Publish.Start', `${name} is now published`));
    this.probeTimer = setTimeout(() => this.checkProbe(true), this.ctx.probeTimeoutMs);
    this.watchPublisher(name);
    void media.ready.then((medias) => {
      clearTimeout(this.probeTimer);
      if (this.conn.isClosed) return;
      if (medias.length === 0) return this.fail('NetStream.Publish.Failed', 'no H264/H265/AAC/G.711 track');
      const publisher = new RtmpPublisher(this.conn, media, medias, this.flashVer);
      this.publisher = publisher;
      stream.addPublisher(publisher, `rtmp://${this.conn.remoteAddr}/${name}`);
      this.ctx.log.info({ stream: name, remote: this.conn.remoteAddr }, 'rtmp: publishing');
    });
  }

  /**
   * A publisher whose host vanished leaves its TCP connection half-open, and its stream would wait on it for
   * ever (OBS on a Wi-Fi that dropped): nothing received for `publisherTimeoutMs` closes it, as the RTSP
   * server does with its publishers. Counted from the connection's byte counter on a timer.
   */
  private watchPublisher(name: string): void {
    this.stopPublisherWatch = watchCounter(
      this.ctx.publisherTimeoutMs,
      () => this.conn.bytesRecv,
      (silentMs) => {
        const seconds = Math.round(silentMs / 1000);
        this.ctx.log.info({ stream: name, remote: this.conn.remoteAddr, seconds }, 'rtmp: publisher sent nothing');
        this.conn.close();
      },
    );
  }

  private checkProbe(force = false): void {
    const media = this.media;
    if (!media || media.known) return;
    const medias = media.probe(undefined, force);
    if (force && !medias)
      this.fail('NetStream.Publish.Failed', `no audio/video sequence header in ${this.ctx.probeTimeoutMs} ms`);
  }

  private async play(cmd: RtmpCommand): Promise<void> {
    if (this.media || this.player) return this.fail('NetStream.Play.Failed', 'already playing or publishing');
    const { name, stream, allowed } = this.resolve(cmd);
    if (!allowed) return this.fail('NetStream.Play.Unauthorized', `unauthorized: ${name}`);
    if (!stream) return this.fail('NetStream.Play.StreamNotFound', `stream not found: ${name}`);
    const player = new RtmpPlayerConsumer(this.conn, STREAM_ID, this.flashVer);
    this.player = player;
    await stream.addConsumer(player);
    if (this.conn.isClosed) return;
    this.conn.send(userControl(UserControlEvent.StreamBegin, STREAM_ID));
    this.conn.send(onStatus(STREAM_ID, 'status', 'NetStream.Play.Reset', `Playing and resetting ${name}.`));
    this.conn.send(onStatus(STREAM_ID, 'status', 'NetStream.Play.Start', `Started playing ${name}.`));
    this.conn.send({
      csid: 5,
      type: MessageType.DataAmf0,
      timestamp: 0,
      streamId: STREAM_ID,
      payload: encodeSampleAccess(),
    });
    player.play();
    this.ctx.log.debug({ stream: name, remote: this.conn.remoteAddr }, 'rtmp: playing');
  }

  /** An error onStatus the client can show, then the connection ends (once the status is written). */
  private fail(code: string, description: string): void {
    if (this.conn.isClosed) return;
    this.ctx.log.info({ remote: this.conn.remoteAddr, code, description }, 'rtmp: refused');
    this.conn.send(onStatus(STREAM_ID, 'error', code, description));
    this.conn.socket.end(() => this.conn.close());
    setTimeout(() => this.conn.close(), 1000).unref();
  }
}

function asObject(value: AmfValue): AmfObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) ? value : {};
}

/** `|RtmpSampleAccess` true, true: Flash-era players expect it before media. */
function encodeSampleAccess(): Buffer {
  return encodeAmf0('|RtmpSampleAccess', true, true);
}
