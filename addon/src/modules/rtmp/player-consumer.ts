import type { Codec } from '../../core/codec.js';
import { ConsumerBase } from '../../core/consumer.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { encodeAmf0, type FlvTag } from '../../pkg/flv/index.js';
import { ChunkStreamId, type OutgoingMessage } from '../../pkg/rtmp/index.js';
import type { RtmpConnection } from './connection.js';
import { FlvStreamWriter, PLAYER_MEDIAS, type FlvTrack } from './flv-writer.js';

/** Publishing to a server: H265 too (enhanced-RTMP `hvc1`, YouTube and newer servers), after H264. */
export const PUBLISH_MEDIAS: readonly Media[] = [
  {
    kind: 'video',
    direction: 'sendonly',
    codecs: [
      { name: 'H264', clockRate: 90000, channels: 0 },
      { name: 'H265', clockRate: 90000, channels: 0 },
    ],
  },
  ...PLAYER_MEDIAS.filter((m) => m.kind === 'audio'),
];

/**
 * An RTMP client playing a stream (ffplay, VLC, nginx pulling). Senders stay paused until `play()` so the
 * GOP the hub replays waits in the queue and goes out after onStatus and the metadata.
 */
export class RtmpPlayerConsumer extends ConsumerBase {
  private readonly writer = new FlvStreamWriter();

  constructor(
    private readonly conn: RtmpConnection,
    private readonly streamId: number,
    userAgent: string | undefined,
    /** We publish to a server (not serve a player): metadata goes as `@setDataFrame`, as encoders send it. */
    private readonly publishing = false,
    url?: string,
  ) {
    super(
      {
        formatName: 'rtmp',
        protocol: 'rtmp',
        remoteAddr: conn.remoteAddr,
        ...(userAgent ? { userAgent } : {}),
        ...(url ? { url } : {}),
      },
      publishing ? PUBLISH_MEDIAS : PLAYER_MEDIAS,
    );
    conn.onDrain.subscribe(() => {
      for (const { sender } of this.senders) sender.resume();
    });
    conn.onClose.once(() => void this.close());
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    const track = this.writer.addTrack(media.kind, codec);
    this.attach(media, codec, receiver, (packet) => this.send(track, packet), { startPaused: true });
  }

  /** After onStatus Play.Start: metadata, then the queued frames. */
  play(): void {
    const meta = this.writer.begin();
    this.sendTag(this.publishing ? { ...meta, data: Buffer.concat([encodeAmf0('@setDataFrame'), meta.data]) } : meta);
    for (const { sender } of this.senders) sender.resume();
  }

  private send(track: FlvTrack, packet: Packet): boolean {
    let writable = true;
    for (const tag of this.writer.tags(track, packet)) writable = this.sendTag(tag) && writable;
    return writable;
  }

  private sendTag(tag: FlvTag): boolean {
    const csid = tag.type === 9 ? ChunkStreamId.Video : tag.type === 8 ? ChunkStreamId.Audio : ChunkStreamId.Data;
    const message: OutgoingMessage = {
      csid,
      type: tag.type,
      timestamp: tag.timestamp,
      streamId: this.streamId,
      payload: tag.data,
    };
    const before = this.conn.bytesSend;
    const writable = this.conn.send(message);
    this.bytesSend += this.conn.bytesSend - before;
    return writable;
  }

  protected async release(): Promise<void> {
    this.conn.close();
  }
}
