import WebSocket from 'ws';
import type { Codec } from '../../core/codec.js';
import { maskCredentials } from '../../core/creds.js';
import { errorMessage } from '../../core/errors.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { ProducerBase } from '../../core/producer.js';
import { parseAvcConfig, type AvcConfig } from '../../pkg/h264/index.js';
import { IvideonError } from './errors.js';
import { parseFragment, parseInitSegment, type FragmentedTrack } from './fmp4.js';

const OPEN_TIMEOUT_MS = 10_000;
/** The stream is dead when no fragment came for this long (a live camera sends several a second). */
const SILENCE_MS = 10_000;
/** Fragments kept between open and start: the hub starts at once, this only bounds a slow start. */
const MAX_PENDING = 300;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The WebSocket's JSON messages (go2rtc's `message`): `metadata`, `stream-init`, `fragment`. */
interface StreamMessage {
  readonly type: string;
  readonly codecString: string;
  readonly data: Buffer | undefined;
}

export function parseStreamMessage(text: string): StreamMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new IvideonError('IVIDEON_STREAM', `not a JSON message: ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (typeof value !== 'object' || value === null) throw new IvideonError('IVIDEON_STREAM', 'message is not an object');
  const record = value as Record<string, unknown>;
  const type = typeof record['type'] === 'string' ? record['type'] : '';
  const codecString = typeof record['codec_string'] === 'string' ? record['codec_string'] : '';
  // Go's []byte in JSON: base64.
  const data = typeof record['data'] === 'string' ? Buffer.from(record['data'], 'base64') : undefined;
  return { type, codecString, data };
}

/** The hub's H264 codec from the init segment's avcC (the same fmtp an RTSP camera's SDP would carry). */
export function h264Codec(config: AvcConfig): Codec {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  const sps = config.sps[0];
  const pps = config.pps[0];
  const fmtp = [
    'packetization-mode=1',
    `profile-level-id=${hex(config.profile)}${hex(config.compat)}${hex(config.level)}`,
    ...(sps && pps ? [`sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`] : []),
  ].join(';');
  return { name: 'H264', clockRate: 90000, channels: 0, fmtp };
}

function withLength(nal: Buffer): Buffer {
  const out = Buffer.alloc(4 + nal.length);
  out.writeUInt32BE(nal.length, 0);
  nal.copy(out, 4);
  return out;
}

/** MP4 samples may use 1- or 2-byte NAL lengths; the hub's AVCC has 4. */
function toLength4(data: Buffer, lengthSize: number): Buffer {
  if (lengthSize === 4) return data;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + lengthSize <= data.length) {
    const size = data.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    parts.push(withLength(data.subarray(offset, offset + size)));
    offset += size;
  }
  return Buffer.concat(parts);
}

interface VideoTrack {
  readonly track: FragmentedTrack;
  readonly config: AvcConfig;
  readonly parameterSets: Buffer;
}

/**
 * An Ivideon live stream (go2rtc's `pkg/ivideon`): a WebSocket of JSON messages, `stream-init` carrying a
 * track's fMP4 init segment (base64), `fragment` announcing the binary moof+mdat message that follows. The
 * H264 track (`codec_string` avc1.*) becomes the video media; audio is left out, as go2rtc does.
 */
export class IvideonProducer extends ProducerBase {
  private readonly pending: Buffer[] = [];
  private started = false;
  private expectFragment = false;
  private lastFragmentAt = performance.now();
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly video: VideoTrack,
    url: string,
    source: string,
    first: Buffer,
  ) {
    const media: Media = { kind: 'video', direction: 'recvonly', codecs: [h264Codec(video.config)] };
    super(
      {
        formatName: 'ivideon',
        protocol: url.startsWith('wss:') ? 'wss' : 'ws',
        remoteAddr: new URL(url).host,
        source,
        url: maskCredentials(url),
      },
      [media],
    );
    this.pending.push(first);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on(
      'close',
      (code) => void this.close(new IvideonError('IVIDEON_ENDED', `the live stream's WebSocket closed (${code})`)),
    );
    ws.on('error', (err) => void this.close(new IvideonError('IVIDEON_ENDED', err.message, { cause: err })));
  }

  /** Connects and reads up to the first fragment: the medias are known then. */
  static async open(url: string, source: string): Promise<IvideonProducer> {
    const ws = new WebSocket(url, {
      handshakeTimeout: OPEN_TIMEOUT_MS,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
    });
    try {
      const { video, first } = await probe(ws);
      ws.removeAllListeners('message');
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      return new IvideonProducer(ws, video, url, source, first);
    } catch (err) {
      ws.terminate();
      throw err;
    }
  }

  async start(): Promise<void> {
    if (this.started || this.isClosed) return;
    this.started = true;
    try {
      for (const fragment of this.pending.splice(0)) this.handleFragment(fragment);
    } catch (err) {
      await this.close(err instanceof Error ? err : new IvideonError('IVIDEON_STREAM', String(err)));
      return;
    }
    this.lastFragmentAt = performance.now();
    this.watchdog = setInterval(() => {
      const silent = performance.now() - this.lastFragmentAt;
      if (silent >= SILENCE_MS)
        void this.close(new IvideonError('IVIDEON_ENDED', `no fragment for ${Math.round(silent / 1000)} s`));
    }, 1000);
  }

  protected async release(): Promise<void> {
    clearInterval(this.watchdog);
    this.ws.removeAllListeners('message');
    this.ws.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.isClosed) return;
    this.bytesRecv += data.length;
    try {
      if (isBinary) {
        if (!this.expectFragment)
          throw new IvideonError('IVIDEON_STREAM', 'binary message without a fragment message before it');
        this.expectFragment = false;
        this.lastFragmentAt = performance.now();
        if (!this.started) {
          this.pending.push(data);
          if (this.pending.length > MAX_PENDING) this.pending.shift();
          return;
        }
        this.handleFragment(data);
        return;
      }
      const message = parseStreamMessage(data.toString('utf8'));
      if (message.type === 'fragment') this.expectFragment = true;
      else if (message.type !== 'metadata' && message.type !== 'stream-init')
        throw new IvideonError('IVIDEON_STREAM', `unknown message type ${JSON.stringify(message.type.slice(0, 40))}`);
    } catch (err) {
      void this.close(
        err instanceof IvideonError ? err : new IvideonError('IVIDEON_STREAM', errorMessage(err), { cause: err }),
      );
    }
  }

  private handleFragment(data: Buffer): void {
    const { track, config, parameterSets } = this.video;
    const scale = 90000 / track.timescale;
    let samples;
    try {
      samples = parseFragment(data, [track]);
    } catch (err) {
      throw new IvideonError('IVIDEON_STREAM', `bad fragment: ${errorMessage(err)}`, { cause: err });
    }
    for (const sample of samples) {
      const payload = toLength4(sample.data, config.nalLengthSize);
      const packet: Packet = {
        // Key frames carry SPS/PPS in-band for readers that join mid-stream (MP4 keeps them in avcC only).
        payload: sample.keyframe ? Buffer.concat([parameterSets, payload]) : payload,
        timestamp: Math.round(sample.pts * scale),
        keyframe: sample.keyframe,
      };
      for (const t of this.tracks) t.receiver.write(packet);
    }
  }
}

/** Reads messages until the first fragment; the H264 track from its stream-init. */
function probe(ws: WebSocket): Promise<{ video: VideoTrack; first: Buffer }> {
  return new Promise((resolve, reject) => {
    let video: VideoTrack | undefined;
    let expectFragment = false;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new IvideonError('IVIDEON_STREAM', `no fragment within ${OPEN_TIMEOUT_MS} ms`)),
      OPEN_TIMEOUT_MS,
    );
    ws.on('error', (err) => fail(new IvideonError('IVIDEON_ENDED', `live stream: ${err.message}`, { cause: err })));
    ws.on('close', (code) =>
      fail(new IvideonError('IVIDEON_ENDED', `the live stream's WebSocket closed (${code}) before any fragment`)),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        if (isBinary) {
          if (!expectFragment) throw new IvideonError('IVIDEON_STREAM', 'binary message before any fragment message');
          if (!video)
            throw new IvideonError(
              'IVIDEON_STREAM',
              'the stream sent no H264 (avc1) stream-init before its first fragment',
            );
          clearTimeout(timer);
          resolve({ video, first: data });
          return;
        }
        const message = parseStreamMessage(data.toString('utf8'));
        switch (message.type) {
          case 'metadata':
            return;
          case 'stream-init': {
            if (video || !message.codecString.startsWith('avc1') || !message.data) return;
            const track = parseInitSegment(message.data).find((t) => t.codec === 'H264' && t.avcC);
            if (!track?.avcC)
              throw new IvideonError(
                'IVIDEON_STREAM',
                `stream-init ${message.codecString} has no H264 track with avcC`,
              );
            const config = parseAvcConfig(track.avcC);
            video = { track, config, parameterSets: Buffer.concat([...config.sps, ...config.pps].map(withLength)) };
            return;
          }
          case 'fragment':
            expectFragment = true;
            return;
          default:
            throw new IvideonError(
              'IVIDEON_STREAM',
              `unknown message type ${JSON.stringify(message.type.slice(0, 40))}`,
            );
        }
      } catch (err) {
        fail(err instanceof IvideonError ? err : new IvideonError('IVIDEON_STREAM', errorMessage(err), { cause: err }));
      }
    });
  });
}
