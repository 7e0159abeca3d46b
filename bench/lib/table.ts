/**
 * The one table `npm run bench` prints (Markdown, so it goes into the README as it is): per protocol and
 * consumer count, ts2rtc / compare server (ratio), then the idle figures, then every goal of issues 11 and 15
 * checked against this run.
 */
import {
  countsQuantileMs,
  NODE_FLOOR,
  type FanoutRow,
  type IdleRow,
  type MixedRow,
  type ResultRow,
} from './results.js';

const OURS = 'ts2rtc';

const num = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** Digits that keep about three significant figures. */
function auto(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  return v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

function cell(ours: number | undefined, peer: number | undefined): string {
  if (ours === undefined) return '-';
  if (peer === undefined) return auto(ours);
  const ratio = peer !== 0 && Number.isFinite(ours / peer) && ours / peer > 0 ? ` (${num(ours / peer, 2)}x)` : '';
  return `${auto(ours)} / ${auto(peer)}${ratio}`;
}

interface Metric {
  title: string;
  value: (r: FanoutRow) => number;
}

const METRICS: readonly Metric[] = [
  { title: 'added CPU per consumer, ms/s', value: (r) => r.addedCpuMsPerS },
  { title: 'CPU per packet per consumer, µs', value: (r) => r.addedUsPerPacket },
  { title: 'RSS per consumer, KB', value: (r) => r.kbPerConsumer },
  { title: 'latency p50, ms', value: (r) => r.latencyP50Ms },
  { title: 'latency p99, ms', value: (r) => r.latencyP99Ms },
  { title: 'first media (warm), ms', value: (r) => r.firstMediaMs },
  { title: 'packets per consumer per s', value: (r) => r.packetsPerConsumerPerS },
];

const PROTOCOL_TITLE: Record<string, string> = { rtsp: 'RTSP readers', webrtc: 'WebRTC viewers', mse: 'MSE clients' };

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How the rounds' values of one field become the merged row's: the median, except the trouble reports. */
function mergeField(field: string, values: readonly number[]): number {
  switch (field) {
    case 'failedJoins':
    case 'failedConsumers':
      return values.reduce((a, b) => a + b, 0);
    case 'slowestFrameRatio':
      return Math.min(...values);
    case 'benchLoopP99Ms':
      return Math.max(...values);
    default:
      return median(values);
  }
}

/** The rounds' latency samples together, when every round kept them (`latencyCounts`). */
function pooledLatency(rows: readonly object[]): Map<number, number> | undefined {
  const pooled = new Map<number, number>();
  for (const r of rows) {
    const counts: unknown = Reflect.get(r, 'latencyCounts');
    if (typeof counts !== 'object' || counts === null) return undefined;
    for (const [step, n] of Object.entries(counts as Record<string, number>))
      pooled.set(Number(step), (pooled.get(Number(step)) ?? 0) + n);
  }
  return pooled;
}

/**
 * One row per server (and protocol and consumer count) out of a run of several rounds: each figure the median
 * of the rounds', except the ones that report trouble (failures summed, the slowest consumer and the bench's
 * own loop delay at their worst) and latency, whose p50 and p99 are taken over the rounds' samples pooled (a
 * 7 s window's p99 is one or two frames' worth of samples). A single round's rows pass through.
 */
function mergeRounds<T extends FanoutRow | IdleRow>(rows: readonly T[], key: (r: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const group = groups.get(key(r));
    if (group) group.push(r);
    else groups.set(key(r), [r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1) return first;
    const merged: Record<string, unknown> = { ...first };
    for (const [field, value] of Object.entries(first)) {
      if (typeof value !== 'number' || field === 'round' || field === 'consumers') continue;
      merged[field] = mergeField(
        field,
        group.map((r) => Reflect.get(r, field) as number),
      );
    }
    const pooled = pooledLatency(group);
    if (pooled) {
      merged['latencyP50Ms'] = countsQuantileMs(pooled, 0.5);
      merged['latencyP99Ms'] = countsQuantileMs(pooled, 0.99);
    }
    return merged as T;
  });
}

const fanoutKey = (r: FanoutRow): string => `${r.server}/${r.protocol}/${r.consumers}`;

interface Check {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

function checks(
  fanout: readonly FanoutRow[],
  idle: readonly IdleRow[],
  peer: string | undefined,
  perRound: readonly FanoutRow[],
): Check[] {
  const out: Check[] = [];
  /** With several rounds, each round's own ratio, to show how far one run can move. */
  const roundRatios = (protocol: string, c: number, value: (r: FanoutRow) => number): string => {
    const rounds = [...new Set(perRound.map((r) => r.round ?? 0))].sort((a, b) => a - b);
    if (rounds.length < 2 || !peer) return '';
    const ratios = rounds.map((round) => {
      const at = (server: string): FanoutRow | undefined =>
        perRound.find((r) => r.round === round && r.server === server && r.protocol === protocol && r.consumers === c);
      const [o, p] = [at(OURS), at(peer)];
      return o && p ? `${num(value(o) / value(p), 2)}x` : '-';
    });
    return `; rounds ${ratios.join(' ')}`;
  };
  const find = (server: string, protocol: string, n?: number): FanoutRow[] =>
    fanout.filter((r) => r.server === server && r.protocol === protocol && (n === undefined || r.consumers === n));
  const maxN = (protocol: string): number => Math.max(0, ...find(OURS, protocol).map((r) => r.consumers));
  const each = (
    protocol: string,
    goal: string,
    value: (r: FanoutRow) => number,
    ok: (v: number) => boolean,
    unit: string,
    from = 1,
  ): void => {
    const rows = find(OURS, protocol).filter((r) => r.consumers >= from);
    if (rows.length === 0) return;
    out.push({
      goal,
      measured: rows.map((r) => `${auto(value(r))}${unit} at ${r.consumers}`).join(', '),
      met: rows.every((r) => ok(value(r))),
    });
  };
  const vsPeer = (
    protocol: string,
    goal: string,
    value: (r: FanoutRow) => number,
    factor: number,
    n?: number,
  ): void => {
    if (!peer) return;
    const counts =
      n !== undefined
        ? [n]
        : find(OURS, protocol)
            .map((r) => r.consumers)
            .filter((c) => c >= 10);
    const parts: string[] = [];
    let met = true;
    for (const c of counts) {
      const [o, p] = [find(OURS, protocol, c)[0], find(peer, protocol, c)[0]];
      if (!o || !p) continue;
      parts.push(
        `${auto(value(o))} vs ${auto(value(p))} at ${c} (${num(value(o) / value(p), 2)}x${roundRatios(protocol, c, value)})`,
      );
      met &&= value(o) <= value(p) * factor;
    }
    if (parts.length) out.push({ goal, measured: parts.join(', '), met });
  };
  const added = (r: FanoutRow): number => r.addedCpuMsPerS;
  each(
    'rtsp',
    'RTSP: CPU per packet per reader <= 3 µs',
    (r) => r.addedUsPerPacket,
    (v) => v <= 3,
    ' µs',
    10,
  );
  each(
    'rtsp',
    'RTSP: RSS per reader < 200 KB',
    (r) => r.kbPerConsumer,
    (v) => v < 200,
    ' KB',
    10,
  );
  each(
    'rtsp',
    'RTSP: p99 added latency < 2 ms',
    (r) => r.latencyP99Ms,
    (v) => v < 2,
    ' ms',
  );
  each(
    'rtsp',
    'RTSP: first frame < 300 ms (warm)',
    (r) => r.firstMediaMs,
    (v) => v < 300,
    ' ms',
  );
  vsPeer('rtsp', `RTSP: added CPU per reader <= ${peer}`, added, 1);
  // Both servers forward what the camera sends (~464 a second); a window's count differs by a packet or
  // three between two runs of the same server, so "more" means more than 1 % more.
  vsPeer('rtsp', `RTSP: packets per reader <= ${peer} (+1 %)`, (r) => r.packetsPerConsumerPerS, 1.01);
  vsPeer('rtsp', `RTSP: p99 at ${maxN('rtsp')} readers <= 1.2x ${peer}`, (r) => r.latencyP99Ms, 1.2, maxN('rtsp'));
  each(
    'webrtc',
    'WebRTC: RSS per viewer < 2 MB',
    (r) => r.kbPerConsumer / 1024,
    (v) => v < 2,
    ' MB',
    10,
  );
  each(
    'webrtc',
    'WebRTC: p99 added latency < 5 ms',
    (r) => r.latencyP99Ms,
    (v) => v < 5,
    ' ms',
  );
  each(
    'webrtc',
    'WebRTC: first video packet <= 60 ms after the offer (warm)',
    (r) => r.firstMediaMs,
    (v) => v <= 60,
    ' ms',
  );
  each(
    'webrtc',
    `WebRTC: p50 latency at ${maxN('webrtc')} viewers <= 5 ms`,
    (r) => r.latencyP50Ms,
    (v) => v <= 5,
    ' ms',
    maxN('webrtc'),
  );
  vsPeer('webrtc', `WebRTC: added CPU per viewer <= 1.5x ${peer}`, added, 1.5);
  vsPeer('webrtc', `WebRTC: RSS per viewer <= ${peer}`, (r) => r.kbPerConsumer, 1);
  each(
    'mse',
    'MSE: first fragment < 300 ms (warm)',
    (r) => r.firstMediaMs,
    (v) => v < 300,
    ' ms',
  );
  vsPeer('mse', `MSE: added CPU per client <= ${peer}`, added, 1);
  vsPeer('mse', `MSE: RSS per client <= ${peer}`, (r) => r.kbPerConsumer, 1);
  const ours = idle.find((r) => r.server === OURS);
  const theirs = idle.find((r) => r.server === peer);
  if (ours) {
    out.push({
      goal: 'idle: RSS with a camera, no viewer < 60 MB',
      measured: `${num(ours.publisherRssMb, 1)} MB (nothing connected: ${num(ours.idleRssMb, 1)} MB)`,
      met: ours.publisherRssMb < 60,
    });
    if (theirs) {
      const ratio = ours.publisherCpuMsPerS / theirs.publisherCpuMsPerS;
      const floor = idle.find((r) => r.server === NODE_FLOOR);
      const floorNote = floor ? `; bare Node ${num(floor.publisherCpuMsPerS, 1)} ms/s` : '';
      out.push({
        goal: `idle: publisher-only CPU <= 1.5x ${peer}`,
        measured: `${num(ours.publisherCpuMsPerS, 1)} vs ${num(theirs.publisherCpuMsPerS, 1)} ms/s (${num(ratio, 2)}x${floorNote})`,
        met: ratio <= 1.5,
      });
    }
  }
  return out;
}

export function formatTable(rows: readonly ResultRow[], machine: string): string {
  const perRound = rows.filter((r): r is FanoutRow => r.bench === 'fanout');
  const fanout = mergeRounds(perRound, fanoutKey);
  const idle = mergeRounds(
    rows.filter((r): r is IdleRow => r.bench === 'idle'),
    (r) => r.server,
  );
  const rounds = new Set([...perRound, ...idle].map((r) => r.round ?? 0)).size;
  const peer = [...fanout, ...idle].map((r) => r.server).find((s) => s !== OURS && s !== NODE_FLOOR);
  const lines: string[] = [];
  const line = (cells: readonly string[]): void => void lines.push(`| ${cells.join(' | ')} |`);
  if (fanout.length) {
    lines.push(
      `Cells: ts2rtc / ${peer ?? '(no compare server)'} (ratio ts2rtc/${peer ?? '-'}), same run, same camera (4 Mbit/s H264 640x360@25).`,
    );
  }
  if (rounds > 1)
    lines.push(
      `Each figure is the median of ${rounds} rounds (every part run again, servers in the same order), ` +
        `latency p50/p99 the quantiles of all the rounds' samples pooled; ` +
        `a goal against the compare server also lists each round's own ratio.`,
    );
  lines.push(`Machine: ${machine}.`, '');
  const headers = ['consumers', ...METRICS.map((m) => m.title)];
  if (fanout.length) {
    line(headers);
    line(headers.map(() => '---'));
  }
  for (const protocol of ['rtsp', 'webrtc', 'mse']) {
    const ours = fanout
      .filter((r) => r.server === OURS && r.protocol === protocol)
      .sort((a, b) => a.consumers - b.consumers);
    for (const r of ours) {
      const p = fanout.find((x) => x.server === peer && x.protocol === protocol && x.consumers === r.consumers);
      line([
        `${PROTOCOL_TITLE[protocol] ?? protocol} ${r.consumers}`,
        ...METRICS.map((m) => cell(m.value(r), p ? m.value(p) : undefined)),
      ]);
    }
  }
  const ours = idle.find((r) => r.server === OURS);
  if (ours) {
    const theirs = idle.find((r) => r.server === peer);
    lines.push('', `| idle (one camera stream) | ts2rtc / ${peer ?? '-'} (ratio) |`, '| --- | --- |');
    lines.push(`| RSS, nothing connected, MB | ${cell(ours.idleRssMb, theirs?.idleRssMb)} |`);
    lines.push(`| RSS, one RTSP publisher, no viewer, MB | ${cell(ours.publisherRssMb, theirs?.publisherRssMb)} |`);
    lines.push(
      `| CPU, one RTSP publisher, no viewer, ms/s | ${cell(ours.publisherCpuMsPerS, theirs?.publisherCpuMsPerS)} |`,
    );
    const floor = idle.find((r) => r.server === NODE_FLOOR);
    if (floor)
      lines.push(
        `| CPU of a bare Node process reading the same publisher and nothing else, ms/s | ${cell(floor.publisherCpuMsPerS, theirs?.publisherCpuMsPerS)} |`,
      );
  }
  const mixed = rows.filter((r): r is MixedRow => r.bench === 'mixed');
  if (mixed.length) {
    lines.push(
      '',
      '| mixed load (2 cameras, 50 RTSP + 10 WebRTC + 10 MSE) | ' + mixed.map((m) => m.server).join(' | ') + ' |',
    );
    lines.push(`| --- | ${mixed.map(() => '---').join(' | ')} |`);
    const pct = (v: number): string => `${num(v * 100, 1)} %`;
    const mixedLine = (title: string, value: (m: MixedRow) => string): void =>
      void lines.push(`| ${title} | ${mixed.map(value).join(' | ')} |`);
    mixedLine('duration, s', (m) => num(m.seconds, 0));
    mixedLine('server CPU, ms/s', (m) => num(m.cpuMsPerS, 0));
    mixedLine(
      'worst frames got / sent: RTSP, WebRTC, MSE',
      (m) => `${pct(m.worstFrameRatio.rtsp)}, ${pct(m.worstFrameRatio.webrtc)}, ${pct(m.worstFrameRatio.mse)}`,
    );
    mixedLine('consumers below 95 % of the frames', (m) => String(m.belowGoal));
    mixedLine('joins that got no media in 15 s (tried again)', (m) => String(m.failedJoins));
    mixedLine(
      'consumers that ended early (dropped, failed): RTSP, WebRTC, MSE',
      (m) => `${m.endedEarly.rtsp}, ${m.endedEarly.webrtc}, ${m.endedEarly.mse}`,
    );
    mixedLine('RSS first -> last sample, MB', (m) => `${num(m.rssFirstMb, 1)} -> ${num(m.rssLastMb, 1)}`);
    mixedLine('RSS slope after warm-up, MB per 10 min', (m) => num(m.rssSlopeMbPer10Min, 2));
    mixedLine(
      'after: consumers listed, child processes',
      (m) => `${m.consumersListedAfter < 0 ? '?' : m.consumersListedAfter}, ${m.children}`,
    );
    mixedLine(
      'open files: with cameras before / after consumers; fresh / after cameras',
      (m) =>
        `${m.openFiles.withCameras} / ${m.openFiles.afterConsumers}; ${m.openFiles.fresh} / ${m.openFiles.afterAll}`,
    );
  }
  const failures = rows.filter((r) => r.bench === 'failed');
  for (const f of failures) lines.push('', `not measured: ${f.part} against ${f.server}: ${f.error}`);
  const list = fanout.length || idle.length ? checks(fanout, idle, peer, perRound) : [];
  if (list.length) {
    lines.push('', '| goal (issues 11, 15) | measured (ts2rtc) | met |', '| --- | --- | --- |');
    for (const c of list)
      lines.push(`| ${c.goal} | ${c.measured} | ${c.met === undefined ? '?' : c.met ? 'yes' : 'no'} |`);
  }
  for (const r of fanout.filter((x) => x.failedConsumers > 0)) {
    lines.push(
      '',
      `${r.failedConsumers} of ${r.consumers} ${r.protocol} consumers of ${r.server} failed or were dropped in that window (their lost frames are in "slowest").`,
    );
  }
  const retried = [...fanout, ...mixed].filter((r) => r.failedJoins > 0);
  for (const r of retried) {
    lines.push(
      '',
      `${r.failedJoins} join(s) of ${r.bench === 'fanout' ? `${r.protocol} at ${r.consumers}` : 'mixed'} against ${r.server} got no media within 15 s and were tried again.`,
    );
  }
  if (fanout.length === 0) return lines.join('\n');
  const loop = Math.max(0, ...fanout.map((r) => r.benchLoopP99Ms));
  const slowest = Math.min(1, ...fanout.map((r) => r.slowestFrameRatio).filter(Number.isFinite));
  lines.push(
    '',
    `The bench's own event-loop delay p99 reached ${num(loop, 1)} ms (latency above that is partly the clients'); ` +
      `the slowest consumer got ${num(slowest * 100, 1)} % of the camera's frames in a window.`,
  );
  return lines.join('\n');
}
