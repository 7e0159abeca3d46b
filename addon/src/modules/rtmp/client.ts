import { connect as netConnect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Media } from '../../core/media.js';
import type { AmfValue } from '../../pkg/flv/index.js';
import {
  MessageType,
  command,
  parseCommand,
  statusInfo,
  windowAckSize,
  type RtmpCommand,
  type RtmpUrl,
} from '../../pkg/rtmp/index.js';
import { handshake, OUR_WINDOW, RtmpConnection } from './connection.js';
import { RtmpModuleError } from './errors.js';
import { IncomingMedia } from './incoming.js';

export interface ClientOptions {
  readonly url: RtmpUrl;
  /** For messages: the URL without credentials. */
  readonly where: string;
  /** Connect, handshake, each command answer and the probe each get this long. */
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly flashVer?: string;
}

/** A played RTMP stream: the connection, and its media once the tracks are known. */
export interface PlaySession {
  readonly conn: RtmpConnection;
  readonly media: IncomingMedia;
  readonly medias: Media[];
  readonly streamId: number;
}

/** A stream we publish to a server (`publish:` targets, POST /api/streams?dst=rtmp://…). */
export interface PublishSession {
  readonly conn: RtmpConnection;
  readonly streamId: number;
}

/** onStatus codes that end a played stream (nginx-rtmp sends UnpublishNotify when its publisher leaves). */
const ENDED = new Set(['NetStream.Play.UnpublishNotify', 'NetStream.Play.Stop', 'NetStream.Play.Complete']);

function dial(url: RtmpUrl, timeoutMs: number, where: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: url.host, port: url.port });
    const fail = (reason: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new RtmpModuleError('RTMP_CONNECT', `${where}: ${reason}`));
    };
    const timer = setTimeout(() => fail(`no connection in ${timeoutMs} ms`), timeoutMs);
    const onError = (err: Error): void => fail(err.message);
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * One client connection's command side (RTMP spec 7.2): transactions answered by `_result`/`_error`, and the
 * onStatus a play or publish waits for. Media messages go to `media`, when given.
 */
class ClientConversation {
  private nextTx = 1;
  private readonly pending = new Map<number, { resolve: (c: RtmpCommand) => void; reject: (e: Error) => void }>();
  private status: { code: string; resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    readonly conn: RtmpConnection,
    private readonly options: ClientOptions,
    private readonly media?: IncomingMedia,
  ) {
    conn.onClose.subscribe((err) =>
      this.failAll(err ?? new RtmpModuleError('RTMP_CLOSED', `${options.where}: closed`)),
    );
    conn.onMessage.subscribe((message) => {
      if (this.media?.push(message)) return;
      if (message.type === MessageType.CommandAmf0 || message.type === MessageType.CommandAmf3)
        this.onCommand(parseCommand(message.type, message.payload));
    });
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  call(name: string, streamId: number, object: AmfValue, ...args: AmfValue[]): Promise<RtmpCommand> {
    const tx = this.nextTx++;
    const answer = new Promise<RtmpCommand>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending.set(tx, { resolve, reject });
    });
    this.conn.send(command(streamId, name, tx, object, ...args));
    return withTimeout(
      answer,
      this.options.timeoutMs,
      `${this.options.where}: no answer to ${name} in ${this.options.timeoutMs} ms`,
    );
  }

  /** Sends a stream command (play, publish: transaction 0, as Flash and ffmpeg) and waits for `okCode`. */
  streamCommand(streamId: number, name: string, okCode: string, ...args: AmfValue[]): Promise<void> {
    const started = new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.status = { code: okCode, resolve, reject };
    });
    this.conn.send(command(streamId, name, 0, null, ...args));
    return withTimeout(
      started,
      this.options.timeoutMs,
      `${this.options.where}: no ${okCode} in ${this.options.timeoutMs} ms`,
    );
  }

  /** connect and createStream (`beforeCreate` sends what goes between); returns the stream id. */
  async open(beforeCreate?: () => void): Promise<number> {
    const { url } = this.options;
    await this.call('connect', 0, {
      app: url.app,
      type: 'nonprivate',
      flashVer: this.options.flashVer ?? 'LNX 9,0,124,2',
      tcUrl: url.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 3191,
      videoCodecs: 252,
      videoFunction: 1,
      // enhanced-RTMP: the codecs we take beyond legacy AVC.
      fourCcList: ['avc1', 'hvc1'],
    });
    this.conn.send(windowAckSize(OUR_WINDOW));
    beforeCreate?.();
    const created = await this.call('createStream', 0, null);
    return typeof created.args[0] === 'number' ? created.args[0] : 1;
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.status?.reject(err);
  }

  private onCommand(cmd: RtmpCommand): void {
    const { where, url } = this.options;
    if (cmd.name === '_result' || cmd.name === '_error') {
      const waiter = this.pending.get(cmd.transactionId);
      this.pending.delete(cmd.transactionId);
      if (cmd.name === '_result') waiter?.resolve(cmd);
      else waiter?.reject(new RtmpModuleError('RTMP_REFUSED', `${where}: ${describe(cmd.args[0] ?? cmd.object)}`));
      return;
    }
    if (cmd.name !== 'onStatus') return;
    const info = statusInfo(cmd.args[0] ?? null);
    if (info === undefined) return;
    if (ENDED.has(info.code)) {
      // The publisher behind the server left: end now so the hub reconnects, rather than waiting out the silence.
      this.conn.close(new RtmpModuleError('RTMP_CLOSED', `${where}: stream ended (${info.code})`));
      return;
    }
    if (info.code === this.status?.code) this.status.resolve();
    else if (info.code === 'NetStream.Play.StreamNotFound') {
      this.status?.reject(new RtmpModuleError('RTMP_STREAM_NOT_FOUND', `${where}: stream not found: ${url.stream}`));
    } else if (info.level === 'error') {
      const error = new RtmpModuleError('RTMP_REFUSED', `${where}: ${info.code} ${info.description}`.trim());
      if (this.status) this.status.reject(error);
      else this.conn.close(error);
    }
  }
}

async function connectClient(options: ClientOptions): Promise<RtmpConnection> {
  const socket = await dial(options.url, options.timeoutMs, options.where);
  const rest = await handshake(socket, 'client', options.timeoutMs);
  return new RtmpConnection(socket, options.log, rest);
}

/**
 * Plays a stream: connect, createStream, play, then media until the tracks are known. `NetStream.Play.StreamNotFound`
 * becomes RTMP_STREAM_NOT_FOUND naming the stream; `_error` or another error status RTMP_REFUSED. On any
 * failure the socket is closed before the promise rejects.
 */
export async function openPlay(options: ClientOptions): Promise<PlaySession> {
  const conn = await connectClient(options);
  const media = new IncomingMedia();
  const talk = new ClientConversation(conn, options, media);
  try {
    const streamId = await talk.open();
    // play(name, start = -2: live if there is one, else recorded).
    await talk.streamCommand(streamId, 'play', 'NetStream.Play.Start', options.url.stream, -2);
    const medias = await withTimeout(
      media.ready,
      options.timeoutMs,
      `${options.where}: no audio/video sequence header in ${options.timeoutMs} ms`,
    ).catch((err: unknown) => {
      const forced = media.probe(undefined, true);
      if (forced && forced.length > 0) return forced;
      throw talk.failed ?? err;
    });
    if (medias.length === 0)
      throw new RtmpModuleError('RTMP_NO_TRACKS', `${options.where}: no H264/H265/AAC/G.711 track`);
    return { conn, media, medias, streamId };
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** Publishes to a server: connect, releaseStream/FCPublish (what nginx, YouTube and Twitch expect), createStream, publish. */
export async function openPublish(options: ClientOptions): Promise<PublishSession> {
  const conn = await connectClient(options);
  const talk = new ClientConversation(conn, options);
  try {
    const name = options.url.stream;
    const streamId = await talk.open(() => {
      // Some servers never answer these two: they are sent, not awaited.
      conn.send(command(0, 'releaseStream', 0, null, name));
      conn.send(command(0, 'FCPublish', 0, null, name));
    });
    await talk.streamCommand(streamId, 'publish', 'NetStream.Publish.Start', name, 'live');
    return { conn, streamId };
  } catch (err) {
    conn.close();
    throw err;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RtmpModuleError('RTMP_TIMEOUT', message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(value: AmfValue): string {
  const info = statusInfo(value);
  if (info && (info.code || info.description)) return `${info.code} ${info.description}`.trim();
  return 'refused';
}
