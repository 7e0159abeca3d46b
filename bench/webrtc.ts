/**
 * WebRTC fan-out cost: 1, 10 and 20 werift viewers of one 4 Mbit/s H264 stream (25 fps). Prints the server's
 * CPU per viewer, RSS per viewer, and the latency it adds (source write → RTP at the viewer, same machine).
 * Goals: < 2 MB per viewer; CPU as low as werift allows. The server runs in its own process (its CPU is
 * read from /proc) with `--cpu-prof`; the profile of the 20-viewer phase is summed by where the time goes.
 *
 *   node --import tsx bench/webrtc.ts            (re-runs itself in a private network namespace)
 *   TS2RTC_WEBRTC_BENCH_SECONDS=10 node --import tsx bench/webrtc.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { Media } from '../addon/src/core/media.js';
import { ProducerBase } from '../addon/src/core/producer.js';
import { directUdpStats } from '../addon/src/modules/webrtc/rtp-send.js';
import { fastSrtpStats, preferCmProfile } from '../addon/src/modules/webrtc/srtp-fast.js';
import { disableDefaultStun } from '../addon/src/modules/webrtc/werift-shim.js';
import { inNetns, runInNetns } from '../test/peers/netns.js';

const FILE = fileURLToPath(import.meta.url);
const FPS = 25;
const BITRATE = 4_000_000;
const FRAME_BYTES = Math.round(BITRATE / 8 / FPS);
const KEYFRAME_EVERY = 50;
const MEASURE_S = Number(process.env['TS2RTC_WEBRTC_BENCH_SECONDS'] ?? 6);
const VIEWERS = [1, 10, 20];

const wallNow = (): number => performance.timeOrigin + performance.now();

/** A 4 Mbit/s H264-shaped source: one NAL per frame, its first body bytes the wall-clock send time. */
class BenchProducer extends ProducerBase {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly pool = Buffer.from(Array.from({ length: FRAME_BYTES * 4 }, (_, i) => (i * 7919) & 0xff));

  constructor() {
    const media: Media = {
      kind: 'video',
      direction: 'recvonly',
      codecs: [{ name: 'H264', clockRate: 90000, channels: 0 }],
    };
    super({ formatName: 'bench', protocol: 'pipe' }, [media]);
  }

  async start(): Promise<void> {
    this.timer ??= setInterval(() => this.tick(), 1000 / FPS);
  }

  private tick(): void {
    const index = this.frame++;
    const payload = Buffer.allocUnsafe(FRAME_BYTES);
    const offset = (index * 997) % (this.pool.length - FRAME_BYTES);
    this.pool.copy(payload, 0, offset, offset + FRAME_BYTES);
    payload.writeUInt32BE(FRAME_BYTES - 4, 0);
    payload[4] = index % KEYFRAME_EVERY === 0 ? 0x65 : 0x41;
    payload.writeDoubleBE(wallNow(), 5);
    for (const { receiver } of this.tracks)
      receiver.write({ payload, timestamp: index * (90000 / FPS), keyframe: index % KEYFRAME_EVERY === 0 });
  }

  protected async release(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** The server role: API + WebRTC module with the bench source, on loopback; prints its port. */
async function serverMain(): Promise<void> {
  const { startApi } = await import('../test/helpers/api-server.js');
  const { webrtc } = await import('../addon/src/modules/webrtc/index.js');
  const running = await startApi({
    config: {
      streams: { bench: 'bench:' },
      webrtc: { listen: '127.0.0.1:0', ice_servers: [], filters: { loopback: true } },
    },
    hub: { idleStopMs: 60_000 },
    tuning: { webrtc: { fastSrtp: process.env['TS2RTC_WEBRTC_BENCH_SRTP'] !== 'werift' } },
    beforeStart: (_api, app) => {
      app.streams.registerSource('bench', async () => new BenchProducer());
      app.add(webrtc);
    },
  });
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  // The bench asks for a collection before it reads RSS, so per-viewer memory is not GC timing noise.
  process.on('SIGUSR2', () => globalThis.gc?.());
  process.on('SIGINT', () => {
    process.stderr.write(
      `server: ${fastSrtpStats.packets} RTP packets through the fast SRTP path, ${directUdpStats.packets} sent straight to the pair's UDP socket\n`,
    );
    void running.close().then(() => process.exit(0));
  });
}

interface Viewer {
  pc: RTCPeerConnection;
  latencies: number[];
  packets: number;
}

async function addViewer(url: string): Promise<Viewer> {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          parameters: 'packetization-mode=1;profile-level-id=42e01f',
        }),
      ],
      audio: [],
    },
  });
  const viewer: Viewer = { pc, latencies: [], packets: 0 };
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  disableDefaultStun(pc);
  transceiver.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      viewer.packets++;
      const p = rtp.payload;
      // FU-A start fragment: the NAL body (our send time) begins after the two FU bytes.
      if (p.length > 10 && (p[0]! & 0x1f) === 28 && (p[1]! & 0x80) !== 0)
        viewer.latencies.push(wallNow() - p.readDoubleBE(2));
    });
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const res = await fetch(`${url}/api/webrtc?src=bench`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'offer', sdp: pc.localDescription?.sdp }),
  });
  if (res.status !== 200) throw new Error(`offer refused: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { sdp: string };
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  // As Chrome does: take the SRTP profile the server lists first (werift would insist on its own order).
  if (process.env['TS2RTC_WEBRTC_BENCH_SRTP'] !== 'werift') preferCmProfile(pc);
  return viewer;
}

async function procStat(pid: number): Promise<{ cpuS: number; rssMb: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name; USER_HZ is 100.
  return { cpuS: (Number(stat[11]) + Number(stat[12])) / 100, rssMb: rssKb / 1024 };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Self time per category of the server's CPU profile (`--cpu-prof`), in percent of samples. */
async function profileBreakdown(dir: string): Promise<Array<[string, number]>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return [];
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string };
    children?: number[];
  }
  const profile = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Attribute each sample to the innermost frame that names a category (native frames take their caller's).
  const categorize = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const { functionName: fn, url } = node.callFrame;
      if (fn === '(garbage collector)') return 'GC';
      if (fn === '(idle)' || fn === '(program)') return fn;
      if (
        /srtp-fast|internal\/crypto\/(cipher|hash|keys)/.test(url) ||
        /^(encryptRtp|decryptRtp|encryptRTCP|decryptRTCP|encrypt|decrypt|generateCounter|generateSrtpAuthTag|rtpInitializationVector|fastEncryptRtp|keystreamFor|xorInto|createCipheriv|createHmac|Cipheriv|Hmac|update|digest|final|getAuthTag|setAAD)$/.test(
          fn,
        )
      )
        return 'SRTP (cipher objects, AES, HMAC)';
      if (url.includes('pkg/h264') || url.includes('pkg/rtp')) return 'packetize (pkg/h264, pkg/rtp)';
      if (
        /^(sendRtp|ntpTime|rtpPacketSent|serialize|serializeSize|runRtcp|uint16Add|uint32Add|milliTime|RtpHeader|RtpPacket|toWeriftPacket)$/.test(
          fn,
        )
      )
        return 'werift sender (per-packet bookkeeping, header)';
      if (/dgram|node:net|stream_base/.test(url) || /^(doSend|send|sendData|sendFrame|_send)$/.test(fn))
        return 'ICE/UDP send (dgram)';
      if (
        /loader|esm|cjs|tsx|lexer|compile|realm/.test(url) ||
        /^(wrapSafe|compileSourceTextModule|makeSyncRequest|waitForWorker)$/.test(fn)
      )
        return 'startup (module loading, once)';
      if (
        /tweetnacl|x509|asn1|curves|sig|dtls|handshake/i.test(url) ||
        /^(sign|verify|crypto_scalarmult|M|S|A|Z)$/.test(fn)
      )
        return 'DTLS handshakes (once a viewer)';
      if (url.includes('core/') || url.includes('modules/streams')) return 'hub (receiver, sender)';
      if (url.includes('modules/webrtc')) return 'webrtc consumer';
    }
    return 'other';
  };
  const totals = new Map<string, number>();
  const others = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const category = categorize(id);
    if (process.env['TS2RTC_BENCH_OTHER'] && (category === 'other' || category === 'ICE/UDP send')) {
      const f = byId.get(id)?.callFrame;
      const key = `${category}: ${f?.functionName} ${f?.url.split('/').slice(-3).join('/')}`;
      others.set(key, (others.get(key) ?? 0) + dt);
    }
    if (category === '(idle)') return;
    totals.set(category, (totals.get(category) ?? 0) + dt);
    all += dt;
  });
  for (const [k, v] of [...others.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25))
    process.stdout.write(`    ${((100 * v) / all).toFixed(1)} % ${k}\n`);
  return [...totals.entries()].map(([k, v]): [string, number] => [k, (100 * v) / all]).sort((a, b) => b[1] - a[1]);
}

async function benchMain(): Promise<void> {
  const profDir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-webrtc-prof-'));
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', '--cpu-prof', `--cpu-prof-dir=${profDir}`, FILE, '--server'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env },
    },
  );
  const pid = server.pid ?? 0;
  let url = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    const match = /"url":"([^"]+)"/.exec(chunk.toString());
    if (match?.[1]) url = match[1];
  });
  const viewers: Viewer[] = [];
  const rows: string[] = [];
  try {
    await waitUntil(() => url !== '', 20_000, 'bench server');
    const idle = await procStat(pid);
    let last = { viewers: 0, cpuPerS: 0, rssMb: idle.rssMb };
    let first: typeof last | undefined;
    for (const target of VIEWERS) {
      while (viewers.length < target) viewers.push(await addViewer(url));
      await waitUntil(() => viewers.every((v) => v.packets > 100), 20_000, `${target} viewers receiving`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (const v of viewers) v.latencies.length = 0;
      const before = await procStat(pid);
      const packetsBefore = viewers.reduce((n, v) => n + v.packets, 0);
      await new Promise((resolve) => setTimeout(resolve, MEASURE_S * 1000));
      const after = await procStat(pid);
      server.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 500));
      after.rssMb = (await procStat(pid)).rssMb;
      const packets = viewers.reduce((n, v) => n + v.packets, 0) - packetsBefore;
      const cpuPerS = (after.cpuS - before.cpuS) / MEASURE_S;
      const latencies = viewers.flatMap((v) => v.latencies);
      const current = { viewers: target, cpuPerS, rssMb: after.rssMb };
      first ??= current;
      const marginalCpu = target > 1 ? (cpuPerS - first.cpuPerS) / (target - first.viewers) : cpuPerS;
      const marginalRss =
        target > 1 ? (after.rssMb - first.rssMb) / (target - first.viewers) : after.rssMb - idle.rssMb;
      const pps = packets / MEASURE_S;
      rows.push(
        `${String(target).padStart(3)} viewers: server CPU ${(cpuPerS * 100).toFixed(1).padStart(5)} % of a core, ` +
          `${((cpuPerS * 100) / target).toFixed(2)} %/viewer (marginal ${(marginalCpu * 100).toFixed(2)} %), ` +
          `${((cpuPerS * 1e6) / Math.max(1, pps)).toFixed(1)} µs/packet; RSS ${after.rssMb.toFixed(0)} MB ` +
          `(marginal ${marginalRss.toFixed(2)} MB/viewer); latency p50 ${percentile(latencies, 50).toFixed(1)} ms ` +
          `p95 ${percentile(latencies, 95).toFixed(1)} ms; ${pps.toFixed(0)} packets/s delivered`,
      );
      process.stdout.write(`${rows.at(-1)}\n`);
      last = current;
    }
    void last;
  } finally {
    for (const v of viewers) await v.pc.close();
    server.kill('SIGINT');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  const breakdown = await profileBreakdown(profDir);
  await rm(profDir, { recursive: true, force: true });
  process.stdout.write(`\nserver CPU profile (whole run, self time by category):\n`);
  for (const [category, share] of breakdown) process.stdout.write(`  ${share.toFixed(1).padStart(5)} %  ${category}\n`);
}

if (process.argv.includes('--server')) {
  await serverMain();
} else if (inNetns()) {
  await benchMain();
} else {
  // Loopback only, in a namespace of our own: werift would otherwise gather the machine's real interfaces.
  const result = await runInNetns(process.execPath, ['--import', 'tsx', FILE], { timeoutMs: 10 * 60 * 1000 });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code ?? 1;
}
