import assert from 'node:assert/strict';
import type { Codec } from '../../../addon/src/core/codec.js';
import { ConsumerBase } from '../../../addon/src/core/consumer.js';
import type { Media } from '../../../addon/src/core/media.js';
import type { Packet } from '../../../addon/src/core/packet.js';
import type { Receiver } from '../../../addon/src/core/track.js';
import { registerRtspSource } from '../../../addon/src/modules/rtsp/client/index.js';
import type { Stream } from '../../../addon/src/modules/streams/stream.js';
import { encodeUlaw } from '../../../addon/src/pkg/pcm/g711.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { waitFor } from '../../helpers/wait.js';

export interface RtspTestApp extends TestApp {
  /** Every log line (pino JSON), for checking what a user would read. */
  readonly logLines: string[];
}

/** A test App with the RTSP client registered (rtsp, rtsps, rtspx) and log lines collected. */
export function startApp(hub: { retryDelaysMs?: number[]; idleStopMs?: number } = {}): RtspTestApp {
  const logLines: string[] = [];
  const app = createTestApp({ logLines, logLevel: 'debug', hub });
  registerRtspSource(app);
  return Object.assign(app, { logLines });
}

export interface Arrival {
  readonly kind: Media['kind'];
  readonly codec: Codec;
  readonly packet: Packet;
  /** performance.now() at arrival. */
  readonly at: number;
}

/** A viewer that records every frame with its arrival time. */
export class Viewer extends ConsumerBase {
  readonly arrivals: Arrival[] = [];

  constructor(kinds: ReadonlyArray<Media['kind']> = ['video', 'audio']) {
    super(
      { formatName: 'test', protocol: 'pipe' },
      kinds.map((kind): Media => ({
        kind,
        direction: 'sendonly',
        codecs: [{ name: 'ANY', clockRate: 0, channels: 0 }],
      })),
    );
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    this.attach(media, codec, receiver, (packet) => {
      if (this.arrivals.length < 100_000)
        this.arrivals.push({ kind: media.kind, codec, packet, at: performance.now() });
      return true;
    });
  }

  of(kind: Media['kind']): Arrival[] {
    return this.arrivals.filter((a) => a.kind === kind);
  }

  async waitFor(kind: Media['kind'], count: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.of(kind).length >= count, { timeoutMs, what: `${count} ${kind} frames` });
  }

  protected async release(): Promise<void> {}
}

export interface WindowCount {
  /** Frames that arrived within the window that starts at the first frame. */
  frames: number;
  /** Stream time those frames cover, from their timestamps (clock-rate units → ms), plus one frame. */
  streamMs: number;
  /**
   * Frames the camera's timestamps say were sent inside that span but never arrived: a step of k median
   * steps between two frames is k − 1 missing. Unlike `frames`, it does not move when the camera itself is
   * starved of CPU (a busy CI machine encodes fewer frames per second of wall time; none of them is lost).
   */
  missing: number;
}

/**
 * Waits until `windowMs` have passed since the first frame of `kind` (or since `from`, the index of a frame
 * to start at), then counts the frames of that window. Fails when no frame comes in `timeoutMs`.
 */
export async function countWindow(
  viewer: Viewer,
  kind: Media['kind'],
  windowMs: number,
  from = 0,
): Promise<WindowCount> {
  await viewer.waitFor(kind, from + 1);
  const start = viewer.of(kind)[from]?.at ?? 0;
  await waitFor(() => performance.now() - start >= windowMs, {
    timeoutMs: windowMs + 2000,
    what: `${windowMs} ms of ${kind}`,
  });
  const inWindow = viewer
    .of(kind)
    .slice(from)
    .filter((a) => a.at - start < windowMs);
  const first = inWindow[0];
  const last = inWindow.at(-1);
  const clock = first?.codec.clockRate || 90000;
  const step =
    inWindow.length > 1 && first && last ? (last.packet.timestamp - first.packet.timestamp) / (inWindow.length - 1) : 0;
  const streamMs = first && last ? ((last.packet.timestamp - first.packet.timestamp + step) * 1000) / clock : 0;
  const steps = inWindow.slice(1).map((a, i) => a.packet.timestamp - (inWindow[i]?.packet.timestamp ?? 0));
  const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const missing = median > 0 ? steps.reduce((sum, s) => sum + Math.max(0, Math.round(s / median) - 1), 0) : 0;
  return { frames: inWindow.length, streamMs, missing };
}

/**
 * At least `share` of the frames the camera sent arrived (counted from the RTP timestamps, so a camera that
 * encodes slower than real time on a busy machine loses nothing), and the wall window held most of the
 * stream time (70 %): it is live. Prints the counts.
 */
export function assertArrived(what: string, window: WindowCount, windowMs: number, share = 0.95): void {
  process.stderr.write(
    `${what}: ${window.frames} frames, ${window.missing} missing, ${window.streamMs.toFixed(0)} ms of stream in ${windowMs} ms\n`,
  );
  const arrived = window.frames / (window.frames + window.missing);
  assert.ok(
    arrived >= share,
    `${what}: ${window.frames} frames arrived, ${window.missing} missing (${(arrived * 100).toFixed(1)} %)`,
  );
  assert.ok(
    window.streamMs >= windowMs * 0.7,
    `${what}: only ${window.streamMs.toFixed(0)} ms of stream in ${windowMs} ms`,
  );
}

/**
 * A client microphone (browser, two-way audio card) in process: one recvonly PCMU media. `speak` writes a
 * 440 Hz sine as 20 ms G.711 frames in real time into the receiver the hub gave it.
 */
export class Microphone extends ConsumerBase {
  uplink: Receiver | undefined;
  sent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    super({ formatName: 'microphone', protocol: 'pipe' }, [
      { kind: 'audio', direction: 'recvonly', codecs: [{ name: 'PCMU', clockRate: 8000, channels: 1 }] },
    ]);
  }

  addTrack(): void {}

  getTrack(media: Media, codec: Codec): Receiver {
    this.uplink = this.createUplink(media, codec);
    return this.uplink;
  }

  speak(amplitude = 0.25): void {
    let phase = 0;
    let timestamp = 0;
    const started = performance.now();
    const tick = (): void => {
      // Catch up on late timers: as many frames as real time asks for.
      while ((timestamp / 8000) * 1000 <= performance.now() - started) {
        const samples = new Int16Array(160);
        for (let i = 0; i < samples.length; i++) {
          samples[i] = Math.round(32767 * amplitude * Math.sin(phase));
          phase += (2 * Math.PI * 440) / 8000;
        }
        this.uplink?.write({ payload: encodeUlaw(samples), timestamp, keyframe: true });
        this.sent++;
        timestamp += 160;
      }
    };
    this.timer = setInterval(tick, 20);
  }

  protected async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The stream's producer entry as `/api/streams` shows it (the first source). */
export function producerJson(stream: Stream): Record<string, unknown> {
  const producer = stream.toJSON().producers?.[0];
  return producer === undefined ? {} : { ...producer };
}

/** AVCC (4-byte lengths) → NAL unit types, using `typeOf` for the codec's header layout. */
export function nalTypes(avcc: Buffer, typeOf: (firstByte: number) => number): number[] {
  const types: number[] = [];
  for (let pos = 0; pos + 4 <= avcc.length;) {
    const size = avcc.readUInt32BE(pos);
    const first = avcc[pos + 4];
    if (first !== undefined) types.push(typeOf(first));
    pos += 4 + size;
  }
  return types;
}

/** AVCC → Annex B (start codes), for ffprobe. */
export function avccToAnnexB(avcc: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let pos = 0; pos + 4 <= avcc.length;) {
    const size = avcc.readUInt32BE(pos);
    parts.push(Buffer.from([0, 0, 0, 1]), avcc.subarray(pos + 4, pos + 4 + size));
    pos += 4 + size;
  }
  return Buffer.concat(parts);
}
