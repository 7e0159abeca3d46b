/** The tables bench/rtsp.ts prints, and the summary of a ts2rtc CPU profile. */
import { FPS, type Clip } from './clip.js';
import { findProfile, summarizeProfile } from './profile.js';
import type { Memory } from './servers.js';

export const GOALS = { cpuUs: 3, kbPerReader: 200, p99Ms: 2 };
/** How much RSS after a GC moves between two windows with the same readers, as seen on the bench machine. */
const RSS_NOISE_KB = 5 * 1024;

/** One measured window of one server at one reader count. */
export interface Step {
  readers: number;
  /** Server CPU, ns per second of window (schedstat), and the 10 ms-tick cross-check. */
  cpuRate: number;
  /** Half the difference between the rates of the window's two halves, ns per second. */
  cpuNoiseRate: number;
  cpuTicksRate: number;
  /** RTP packets delivered to all readers together, per second. */
  packetRate: number;
  /** RTP packets the camera sent, per second. */
  cameraRate: number;
  /** Packets the slowest reader got over what the camera sent (the servers re-packetize alike: about 1). */
  slowest: number;
  memory: Memory;
  /** Latencies of all readers, ns, sorted: every frame, key frames only, the others only. */
  latencies: number[];
  keyLatencies: number[];
  deltaLatencies: number[];
  /** This process's event loop delay p99 in the window, ms: when high, latencies are partly the bench's own. */
  benchLoopP99Ms: number;
  /** The window on the monotonic clock, µs (to cut a CPU profile). */
  fromUs: number;
  toUs: number;
}

export interface Run {
  readonly name: string;
  readonly steps: Step[];
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const fmt = (value: number, digits: number, width: number): string =>
  (Number.isFinite(value) ? value.toFixed(digits) : '-').padStart(width);
const ms = (sorted: readonly number[], q: number): number => quantile(sorted, q) / 1e6;
const pair = (sorted: readonly number[], width: number): string =>
  `${fmt(ms(sorted, 0.5), 2, width)} / ${fmt(ms(sorted, 0.99), 2, 5)}`;

interface Derived {
  /** µs per packet per reader over the 0-reader baseline, its noise, and all CPU over all packets. */
  addedUs: number;
  addedNoiseUs: number;
  allUs: number;
  kbPerReader: number;
  kbNoise: number;
  p99Ms: number;
}

function derive(step: Step, base: Step): Derived {
  return {
    addedUs: (step.cpuRate - base.cpuRate) / 1000 / step.packetRate,
    addedNoiseUs: (step.cpuNoiseRate + base.cpuNoiseRate) / 1000 / step.packetRate,
    allUs: step.cpuRate / 1000 / step.packetRate,
    kbPerReader: (step.memory.rss - base.memory.rss) / 1024 / step.readers,
    kbNoise: RSS_NOISE_KB / step.readers,
    p99Ms: ms(step.latencies, 0.99),
  };
}

/** `met` / `MISSED` when the value is clear of the goal by more than its noise, `unsure` otherwise. */
function judge(value: number, noise: number, goal: number): string {
  if (value + noise <= goal) return 'met';
  if (value - noise > goal) return 'MISSED';
  return 'unsure';
}

export function report(input: { clip: Clip; runs: readonly Run[]; load: string; windowMs: number }): void {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const [ours, peer, bare] = input.runs;
  const camera = ours?.steps[0]?.cameraRate ?? Number.NaN;
  if (!ours || !peer || !bare) return;
  out(
    `rtsp fan-out: H264 ${(input.clip.bitrate / 1e6).toFixed(2)} Mbit/s 640x360@${FPS} (GOP ${FPS}), ${fmt(camera, 0, 0)} RTP packets/s ` +
      `from the camera; ${input.windowMs / 1000} s windows; load average ${input.load}`,
  );
  out(
    'us/pkt/rdr: server CPU per RTP packet per reader, "added" = (CPU at N - CPU at 0 readers) / packets delivered to all readers,',
  );
  out(
    '  "(all)" = all its CPU / packets delivered. GStreamer = gst-rtsp-server relaying the same camera (depayload + payload, shared',
  );
  out(
    "  media): the same work. bare = a Node relay writing the camera's bytes unchanged to every reader: the floor, for CPU (socket",
  );
  out('  writes alone) and latency (what this machine and the bench add to any relay). ratio = ts2rtc / GStreamer.');
  out(
    '  ± = noise: how much the CPU rates of the two halves of the windows (N and 0 readers) disagree, per packet per reader.',
  );
  out(
    `KB/rdr: (RSS at N - RSS at 0) / N, RSS after a GC (ts2rtc: forced full GC); ± = ${RSS_NOISE_KB / 1024} MB / N, how much RSS moves between`,
  );
  out("  windows here. latency: camera write -> arrival of the frame's last packet at the reader, all frames.");
  out(
    'Goals (ts2rtc added, KB/rdr, p99): met / MISSED when clear of the goal by more than the noise, unsure otherwise.',
  );
  out('');
  const titles = [
    'readers',
    'us/pkt/rdr added ± noise (all): ts2rtc',
    'GStreamer',
    'bare',
    'ratio added (all)',
    'KB/rdr: ts2rtc ±',
    'GStreamer',
    'latency p50 / p99 ms: ts2rtc',
    'GStreamer',
    'bare',
    'goals <=3us <200KB p99<2ms',
  ];
  const rows: string[][] = [];
  for (let i = 1; i < ours.steps.length; i++) {
    const [o, p, b, ob, pb, bb] = [
      ours.steps[i],
      peer.steps[i],
      bare.steps[i],
      ours.steps[0],
      peer.steps[0],
      bare.steps[0],
    ];
    if (!o || !p || !b || !ob || !pb || !bb) continue;
    const [x, y, z] = [derive(o, ob), derive(p, pb), derive(b, bb)];
    const goals = [
      judge(x.addedUs, x.addedNoiseUs, GOALS.cpuUs),
      judge(x.kbPerReader, x.kbNoise, GOALS.kbPerReader),
      x.p99Ms < GOALS.p99Ms ? 'met' : 'MISSED',
    ];
    const cpu = (d: Derived): string => `${fmt(d.addedUs, 2, 0)} (${fmt(d.allUs, 2, 0)})`;
    const cells = [
      fmt(o.readers, 0, 0),
      `${fmt(x.addedUs, 2, 0)} ±${fmt(x.addedNoiseUs, 2, 0)} (${fmt(x.allUs, 2, 0)})`,
      cpu(y),
      cpu(z),
      `${fmt(x.addedUs / y.addedUs, 2, 0)} (${fmt(x.allUs / y.allUs, 2, 0)})`,
      `${fmt(x.kbPerReader, 0, 0)} ±${fmt(x.kbNoise, 0, 0)}`,
      fmt(y.kbPerReader, 0, 0),
      pair(o.latencies, 0),
      pair(p.latencies, 0),
      pair(b.latencies, 0),
      goals.join(' '),
    ];
    rows.push(cells);
  }
  const widths = titles.map((t, c) => Math.max(t.length, ...rows.map((r) => r[c]?.length ?? 0)));
  out(titles.map((t, c) => t.padStart(widths[c] ?? 0)).join(' | '));
  for (const row of rows) out(row.map((cell, c) => cell.padStart(widths[c] ?? 0)).join(' | '));
  out('');
  out(
    'details:  server | rdrs | CPU % core (ticks) | pkts/s to rdrs | slowest got | RSS MB | KB/rdr vs last step | heap+ext MB | latency ms p50/p99: other frames |    key frames | max | samples | bench loop p99 ms',
  );
  for (const run of input.runs) {
    for (const [i, st] of run.steps.entries()) {
      const prev = run.steps[i - 1];
      out(
        [
          run.name.padStart(16),
          fmt(st.readers, 0, 4),
          `${fmt(st.cpuRate / 1e7, 2, 10)} (${fmt(st.cpuTicksRate / 1e7, 1, 5)})`,
          fmt(st.packetRate, 0, 14),
          st.readers ? `${fmt(st.slowest * 100, 1, 10)}%` : '          -',
          fmt(st.memory.rss / 2 ** 20, 1, 6),
          prev
            ? fmt((st.memory.rss - prev.memory.rss) / 1024 / (st.readers - prev.readers), 1, 19)
            : '                  -',
          st.memory.heap !== undefined ? fmt(st.memory.heap / 2 ** 20, 1, 11) : '          -',
          pair(st.deltaLatencies, 25),
          pair(st.keyLatencies, 6),
          fmt((st.latencies[st.latencies.length - 1] ?? Number.NaN) / 1e6, 1, 3),
          fmt(st.latencies.length, 0, 7),
          fmt(st.benchLoopP99Ms, 2, 17),
        ].join(' | '),
      );
    }
  }
}

export function reportProfile(dir: string, steps: readonly Step[]): void {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const file = findProfile(dir);
  const last = steps[steps.length - 1];
  if (!file || !last) {
    out(`no CPU profile written in ${dir}`);
    return;
  }
  const summary = summarizeProfile(file, { fromUs: last.fromUs, toUs: last.toUs });
  out('');
  out(
    `ts2rtc CPU profile ${file}: ${summary.windowed ? `the ${last.readers}-reader window` : 'whole run (clock mismatch)'}, ` +
      `${(summary.totalUs / 1000).toFixed(0)} ms of samples (idle left out); self time by area:`,
  );
  for (const [area, us] of summary.byArea.slice(0, 14))
    out(`  ${((us / summary.totalUs) * 100).toFixed(1).padStart(5)}%  ${area}`);
  out('  top functions (self time):');
  for (const [name, us] of summary.byFunction.slice(0, 25))
    out(`  ${((us / summary.totalUs) * 100).toFixed(1).padStart(5)}%  ${name}`);
  out('  ts2rtc functions with their callees (inclusive time):');
  for (const [name, us] of summary.inclusive.slice(0, 25))
    out(`  ${((us / summary.totalUs) * 100).toFixed(1).padStart(5)}%  ${name}`);
}
