/**
 * What every bench consumer (RTSP reader, WebRTC viewer, MSE client) tells the benches: packets and frames
 * received, the latency of each stamped frame (bench/rtsp/stamp.ts) from the camera's write to its arrival,
 * and how long it took from asking to play to its first media.
 */
import { withTimeout } from '../../test/helpers/wait.js';
import { BenchReader } from '../rtsp/reader.js';
import { nowNs } from '../rtsp/stamp.js';

export type Protocol = 'rtsp' | 'webrtc' | 'mse';

export interface Consumer {
  readonly protocol: Protocol;
  /** Media packets (RTP packets; MSE: media fragments) and whole video frames received so far. */
  readonly packets: number;
  readonly frames: number;
  /** ns from the camera's write to arrival, frames sent since `record` (capped per consumer). */
  readonly latencies: readonly number[];
  /** ms from the request to play (RTSP DESCRIBE, WebRTC offer POST, MSE ws open) to the first media. */
  readonly firstMediaMs: number;
  readonly failure: Error | undefined;
  record(fromNs: number): void;
  close(): Promise<void>;
}

/** Latency samples kept per consumer per window. */
export const MAX_SAMPLES = 4096;
/** How long a consumer may take to get its first media. */
export const FIRST_MEDIA_TIMEOUT_MS = 15_000;

/** Where a consumer keeps its frame latencies. */
export interface Latencies {
  readonly values: readonly number[];
  record(fromNs: number): void;
}

/** What a consumer counts as media comes in. */
export interface Counters {
  readonly packets: number;
  readonly frames: number;
  readonly failure: Error | undefined;
}

/** Frame latencies since `record`, for consumers that see the stamp themselves. */
export class LatencyLog implements Latencies {
  readonly values: number[] = [];
  private fromNs = Number.POSITIVE_INFINITY;

  record(fromNs: number): void {
    this.values.length = 0;
    this.fromNs = fromNs;
  }

  add(sentNs: number, arrivalNs: number): void {
    if (sentNs >= this.fromNs && this.values.length < MAX_SAMPLES) this.values.push(arrivalNs - sentNs);
  }
}

/** The Consumer view of live counters (read at each access: the benches read them before and after a window). */
export function consumerOf(
  protocol: Protocol,
  counters: Counters,
  latencies: Latencies,
  firstMediaMs: number,
  close: () => Promise<void>,
): Consumer {
  return {
    protocol,
    get packets() {
      return counters.packets;
    },
    get frames() {
      return counters.frames;
    },
    get latencies() {
      return latencies.values;
    },
    firstMediaMs,
    get failure() {
      return counters.failure;
    },
    record: (fromNs) => latencies.record(fromNs),
    close,
  };
}

/** Plays `url` over RTSP/TCP; resolves at its first RTP packet. */
export async function joinRtsp(url: string): Promise<Consumer> {
  const t0 = nowNs();
  const reader = await BenchReader.play(url);
  try {
    await withTimeout(reader.started, FIRST_MEDIA_TIMEOUT_MS, `first RTP packet of ${url}`);
  } catch (err) {
    reader.close();
    throw err;
  }
  const latencies: Latencies = {
    get values() {
      return [...reader.keyLatencies, ...reader.deltaLatencies];
    },
    record: (fromNs) => reader.record(fromNs),
  };
  return consumerOf('rtsp', reader, latencies, (nowNs() - t0) / 1e6, async () => reader.close());
}
