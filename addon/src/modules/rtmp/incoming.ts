import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { FlvDemuxer, type FlvSample, type FlvTag } from '../../pkg/flv/index.js';
import { MessageType, type RtmpMessage } from '../../pkg/rtmp/index.js';

/** Media timeline (ms) after which we stop waiting for a track the metadata promised but never described. */
export const PROBE_TIMELINE_MS = 1500;
/** Frames (and bytes) kept from the last key frame until a receiver is attached, so it starts at once. */
const MAX_PREROLL = 256;
const MAX_PREROLL_BYTES = 8 * 1024 * 1024;

/**
 * The media of one RTMP stream (a played source or a publisher): audio/video/data messages through the FLV
 * demuxer, the track list decided once ("probing": metadata and sequence headers seen, or enough timeline),
 * then frames into whichever receivers the hub asked for. Pure apart from the receivers.
 */
export class IncomingMedia {
  private readonly demuxer = new FlvDemuxer();
  private medias: Media[] | undefined;
  private firstMs: number | undefined;
  private preroll: FlvSample[] = [];
  private prerollBytes = 0;
  private readonly receivers = { video: [] as Receiver[], audio: [] as Receiver[] };
  /** Resolves with the medias once they are known. */
  readonly ready: Promise<Media[]>;
  private resolveReady!: (medias: Media[]) => void;

  constructor() {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  get known(): readonly Media[] | undefined {
    return this.medias;
  }

  get dropped(): number {
    return this.demuxer.dropped;
  }

  /** True for the message types this handles (audio, video, AMF0 data). Throws FlvError on broken tags. */
  push(message: RtmpMessage): boolean {
    const type = message.type === MessageType.DataAmf3 ? MessageType.DataAmf0 : message.type;
    if (type !== MessageType.Audio && type !== MessageType.Video && type !== MessageType.DataAmf0) return false;
    const data =
      message.type === MessageType.DataAmf3 && message.payload[0] === 0 ? message.payload.subarray(1) : message.payload;
    this.pushTag({ type, timestamp: message.timestamp, data });
    return true;
  }

  /** One FLV tag (HTTP-FLV reads them with pkg/flv's FlvReader): the same path as an RTMP message. */
  pushTag(tag: FlvTag): void {
    const { type } = tag;
    const samples = this.demuxer.push(tag);
    // Kept until a receiver is attached for the kind: the hub asks for tracks only after probing.
    for (const s of samples) this.keepPreroll(s);
    if (this.medias === undefined) {
      if (type !== MessageType.DataAmf0) this.firstMs ??= tag.timestamp;
      this.probe(tag.timestamp);
      return;
    }
    for (const s of samples) this.deliver(s);
  }

  /**
   * Decides the tracks when it can: every track `onMetaData` announced has its sequence header, or (without
   * metadata) video and audio both have one; failing that, once PROBE_TIMELINE_MS of media went by with at
   * least one track known. `force` (the caller's wall-clock timeout) takes what is known now.
   */
  probe(nowMs: number | undefined, force = false): Media[] | undefined {
    if (this.medias) return this.medias;
    const d = this.demuxer;
    const expects = d.expects();
    const complete = expects
      ? (!expects.video || d.video !== undefined) &&
        (!expects.audio || d.audio !== undefined) &&
        (expects.video || expects.audio)
      : d.video !== undefined && d.audio !== undefined;
    const waited = nowMs !== undefined && this.firstMs !== undefined && nowMs - this.firstMs >= PROBE_TIMELINE_MS;
    const some = d.video !== undefined || d.audio !== undefined;
    if (!complete && !((waited || force) && some)) return undefined;
    const medias: Media[] = [];
    if (d.video)
      medias.push({
        kind: 'video',
        direction: 'recvonly',
        codecs: [{ name: d.video.codec, clockRate: 90000, channels: 0, fmtp: d.video.fmtp }],
      });
    if (d.audio) {
      const codec: Codec = {
        name: d.audio.codec,
        clockRate: d.audio.clockRate,
        channels: d.audio.channels,
        ...(d.audio.fmtp ? { fmtp: d.audio.fmtp } : {}),
      };
      medias.push({ kind: 'audio', direction: 'recvonly', codecs: [codec] });
    }
    this.medias = medias;
    this.resolveReady(medias);
    return medias;
  }

  /** A receiver the hub asked for: gets the preroll (from the last key frame), then every frame. */
  attach(media: Media, receiver: Receiver): void {
    const list = this.receivers[media.kind];
    if (list.includes(receiver)) return;
    list.push(receiver);
    for (const s of this.preroll) if (s.kind === media.kind) receiver.write(toPacket(s));
  }

  private keepPreroll(sample: FlvSample): void {
    const everyKindAttached = this.receivers.video.length > 0 && this.receivers.audio.length > 0;
    if (everyKindAttached || (sample.kind === 'video' && sample.keyframe)) {
      this.preroll = [];
      this.prerollBytes = 0;
    }
    if (everyKindAttached) return;
    while (
      this.preroll.length > 0 &&
      (this.preroll.length >= MAX_PREROLL || this.prerollBytes + sample.payload.length > MAX_PREROLL_BYTES)
    ) {
      this.prerollBytes -= this.preroll.shift()?.payload.length ?? 0;
    }
    this.preroll.push(sample);
    this.prerollBytes += sample.payload.length;
  }

  private deliver(sample: FlvSample): void {
    const receivers = this.receivers[sample.kind];
    if (receivers.length === 0) return;
    const packet = toPacket(sample);
    for (const r of receivers) r.write(packet);
  }
}

function toPacket(sample: FlvSample): Packet {
  return { payload: sample.payload, timestamp: sample.timestamp, keyframe: sample.kind === 'audio' || sample.keyframe };
}
