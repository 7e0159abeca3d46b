/**
 * The results the benches hand to bench/run.ts: one JSON object per line, appended to the file named by
 * BENCH_RESULTS (a bench run alone, without it, only prints them), and the helpers to read and summarize.
 */
import { appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Protocol } from './consumer.js';

/** One server at one consumer count of a fan-out bench (bench/fanout.ts). */
export interface FanoutRow {
  bench: 'fanout';
  protocol: Protocol;
  server: string;
  consumers: number;
  /** RTP packets a second the camera sends. */
  cameraPps: number;
  /** Server CPU at N consumers and at none, ms per second. */
  cpuMsPerS: number;
  baseCpuMsPerS: number;
  /** (CPU at N - CPU at 0) / N, ms/s; and per packet delivered to a consumer, µs. */
  addedCpuMsPerS: number;
  addedUsPerPacket: number;
  rssMb: number;
  baseRssMb: number;
  /** (RSS at N - RSS at 0) / N, KB. */
  kbPerConsumer: number;
  /** Camera write -> arrival at the consumer, all stamped frames of the window, ms (NaN: no stamp seen). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /**
   * The same samples as counts per 10 µs step (key: the latency in 10 µs units), so that several rounds'
   * windows can be pooled and their quantiles taken over all samples: a p99 of one 7 s window is set by a
   * frame or two, and the median of the rounds' p99s keeps that noise.
   */
  latencyCounts?: Record<string, number>;
  /** Median over the consumers added at this step: request to first media, ms (stream warm). */
  firstMediaMs: number;
  /** Media packets (MSE: fragments) each consumer got a second, on average. */
  packetsPerConsumerPerS: number;
  /** Frames the slowest consumer got over the camera's frames in the window. */
  slowestFrameRatio: number;
  /** The bench process's own event-loop delay p99, ms: when high, latency is partly the bench's. */
  benchLoopP99Ms: number;
  /** Joins at this step (warm-up included) that got no media in time and were tried again. */
  failedJoins: number;
  /** Consumers whose connection failed or that the server dropped during the window. */
  failedConsumers: number;
  load1: number;
  /** Which round of `npm run bench -- --rounds N` measured it (0 when run once). */
  round?: number;
}

/**
 * The server name of bench/idle.ts's reference row: a bare Node process that reads the camera's TCP stream and
 * does nothing with it (bench/rtsp/bare-relay.ts with no player), so its CPU is what any Node server pays to
 * receive the stream at all. Not a compare server.
 */
export const NODE_FLOOR = 'bare Node';

/** Idle cost of one server (bench/idle.ts), or the Node floor (NODE_FLOOR: only its CPU is meaningful). */
export interface IdleRow {
  bench: 'idle';
  server: string;
  idleRssMb: number;
  publisherRssMb: number;
  publisherCpuMsPerS: number;
  load1: number;
  round?: number;
}

/** The mixed-load run of one server (bench/mixed.ts). */
export interface MixedRow {
  bench: 'mixed';
  server: string;
  seconds: number;
  consumers: number;
  cpuMsPerS: number;
  /** Frames got over frames the camera sent, the worst consumer of each protocol. */
  worstFrameRatio: Record<'rtsp' | 'webrtc' | 'mse', number>;
  belowGoal: number;
  /** Consumers whose connection failed or that the server dropped during the run. */
  endedEarly: Record<'rtsp' | 'webrtc' | 'mse', number>;
  rssFirstMb: number;
  rssLastMb: number;
  rssSlopeMbPer10Min: number;
  /** -1: the server has no /api/streams. */
  consumersListedAfter: number;
  /** Joins that got no media in time and were tried again. */
  failedJoins: number;
  openFiles: { fresh: number; withCameras: number; afterConsumers: number; afterAll: number };
  children: number;
  load1: number;
}

/** A bench part that could not run against a server (the reason shows in the table). */
export interface FailedRow {
  bench: 'failed';
  part: string;
  server: string;
  error: string;
}

export type ResultRow = FanoutRow | IdleRow | MixedRow | FailedRow;

export const load1 = (): number => loadavg()[0] ?? Number.NaN;
export const cpuCount = (): number => cpus().length;

export function writeResult(row: ResultRow): void {
  const file = process.env['BENCH_RESULTS'];
  const round = Number(process.env['BENCH_ROUND'] ?? 0);
  if (round > 0 && (row.bench === 'fanout' || row.bench === 'idle')) row = { ...row, round };
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
  // Alone (no BENCH_RESULTS), the row is the output.
  else process.stdout.write(`result ${JSON.stringify(row)}\n`);
}

export function parseResults(text: string): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const value: unknown = JSON.parse(line);
    const bench: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'bench') : undefined;
    // Written by our own benches: the bench field says which shape it is.
    if (bench === 'fanout' || bench === 'idle' || bench === 'mixed' || bench === 'failed')
      rows.push(value as ResultRow);
  }
  return rows;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Latency samples (ns) as counts per 10 µs step, the `latencyCounts` of a row. */
export function latencyCounts(samplesNs: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const ns of samplesNs) {
    const step = String(Math.round(ns / 10_000));
    counts[step] = (counts[step] ?? 0) + 1;
  }
  return counts;
}

/** The q-quantile, ms, of pooled `latencyCounts` (same rule as `quantile` over the sorted samples). */
export function countsQuantileMs(pooled: ReadonlyMap<number, number>, q: number): number {
  const steps = [...pooled.keys()].sort((a, b) => a - b);
  const total = steps.reduce((n, step) => n + (pooled.get(step) ?? 0), 0);
  if (total === 0) return Number.NaN;
  const rank = Math.min(total - 1, Math.floor(q * total));
  let seen = 0;
  for (const step of steps) {
    seen += pooled.get(step) ?? 0;
    if (seen > rank) return step / 100;
  }
  return Number.NaN;
}

/** The bench's size: BENCH_QUICK=1 (`npm run bench -- --quick`) for smoke runs. */
export const quick = (): boolean => process.env['BENCH_QUICK'] === '1';
