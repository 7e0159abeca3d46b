/**
 * Reads a V8 `.cpuprofile` (from `--cpu-prof`) and says where the time went: self time by function and by
 * area (ts2rtc's RTSP module, the RTP packetizer, the hub, Node's net/stream plumbing, GC), optionally only
 * for samples inside a time window.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Microseconds of samples counted. */
  totalUs: number;
  /** True when the window was applied (the profile's clock matched ours). */
  windowed: boolean;
  byArea: Array<[string, number]>;
  byFunction: Array<[string, number]>;
  /** ts2rtc's own functions with what they call (time with the function anywhere on the stack). */
  inclusive: Array<[string, number]>;
}

function isProfile(value: unknown): value is CpuProfile {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray(Reflect.get(value, 'nodes')) &&
    Array.isArray(Reflect.get(value, 'samples'))
  );
}

/** Where a frame's code lives, for grouping. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  const file = url.replace(/^file:\/\//, '');
  const src = /addon\/(?:src|dist)\/(.*)$/.exec(file)?.[1];
  if (src) {
    if (src.startsWith('pkg/rtp/') || src.startsWith('pkg/h264/')) return 'RTP packetizer (pkg/rtp, pkg/h264)';
    if (src.startsWith('modules/rtsp/')) return 'RTSP module (reader-consumer, publisher, hub handler)';
    if (src.startsWith('pkg/rtsp/'))
      return 'pkg/rtsp (connection, server session, shared RTP, reader, interleaved header)';
    if (src.startsWith('core/')) return 'hub core (Receiver, Sender)';
    if (src.startsWith('modules/streams/')) return 'streams module';
    return `ts2rtc other (${src.split('/').slice(0, 2).join('/')})`;
  }
  if (
    /^node:(net|stream|internal\/stream|internal\/streams)/.test(url) ||
    /internal\/(streams|net|stream_base)/.test(url)
  )
    return 'Node net/stream (write, cork, writev)';
  if (url.startsWith('node:')) return `Node other (${url.split('/').slice(0, 3).join('/')})`;
  if (url === '') return `native/builtin (${name || 'anonymous'})`;
  return `other (${path.basename(file)})`;
}

export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of parsed.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const keyOf = (n: ProfileNode): string => {
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/addon\//, 'addon/').replace(/^file:\/\//, '')}:${lineNumber + 1}` : ''}`;
  };
  const inclusive = new Map<string, number>();
  let at = parsed.startTime;
  const first = parsed.startTime;
  const last = parsed.startTime + parsed.timeDeltas.reduce((a, b) => a + b, 0);
  // V8's profile clock is CLOCK_MONOTONIC in µs, as process.hrtime: use the window only if it lies inside.
  const windowed = window !== undefined && window.fromUs >= first && window.toUs <= last;
  const area = new Map<string, number>();
  const fn = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < parsed.samples.length; i++) {
    const delta = parsed.timeDeltas[i] ?? 0;
    at += delta;
    if (windowed && window && (at < window.fromUs || at > window.toUs)) continue;
    const node = byId.get(parsed.samples[i] ?? -1);
    if (!node) continue;
    const { functionName, url } = node.callFrame;
    // The delta before a sample is the time that sample stands for.
    const us = delta;
    const a = areaOf(url, functionName);
    if (a === 'idle') continue;
    totalUs += us;
    area.set(a, (area.get(a) ?? 0) + us);
    const key = keyOf(node);
    fn.set(key, (fn.get(key) ?? 0) + us);
    const seen = new Set<string>();
    for (let frame: ProfileNode | undefined = node; frame; frame = byId.get(parent.get(frame.id) ?? -1)) {
      if (!/addon\/(src|dist)\//.test(frame.callFrame.url)) continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m.entries()].sort((x, y) => y[1] - x[1]);
  return { totalUs, windowed, byArea: sorted(area), byFunction: sorted(fn), inclusive: sorted(inclusive) };
}

export function findProfile(dir: string): string | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? path.join(dir, file) : undefined;
}
