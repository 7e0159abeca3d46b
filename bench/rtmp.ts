/**
 * RTMP ingest cost against RTSP ingest (issue 13): the same clip (640x360@25 H264 at 4 Mbit/s + AAC, looped
 * with `-c copy`) is published into one ts2rtc process twice at once, by ffmpeg over RTMP (`viaRtmp`) and
 * over RTSP ANNOUNCE/RECORD (`viaRtsp`). RTSP/TCP readers then join one input at a time; the CPU ts2rtc
 * adds per reader (value with N readers minus value with none, over N) is printed for each input, and their
 * ratio. Both publishers run through every window, so the ingest cost is in the baseline and only the reader
 * side differs: what the RTMP path's frames (AVCC from FLV, parameter sets added on key frames) cost the
 * RTSP packetizers and the hub compared with frames depacketized from RTP.
 *
 *   npm run bench -- rtmp            (or: node --import tsx bench/rtmp.ts)
 *   BENCH_RTMP_READERS=20            readers per step (defaults to 30)
 *   BENCH_RTMP_DIST=1                measure addon/dist/main.js (default: addon/src through tsx, the tree as it is)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../test/peers/ports.js';
import { runProcess, startProcess, type PeerProcess } from '../test/peers/process.js';
import { waitFor } from '../test/helpers/wait.js';
import { BenchReader } from './rtsp/reader.js';
import { cpuNs } from './rtsp/servers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN_JS = path.join(ROOT, 'addon/dist/main.js');
const MAIN_TS = path.join(ROOT, 'addon/src/main.ts');
const READERS = Number(process.env['BENCH_RTMP_READERS'] ?? 30);
const WARMUP_MS = 6000;
const SETTLE_MS = 1500;
const WINDOW_MS = 6000;

async function encodeClip(dir: string): Promise<string> {
  const file = path.join(dir, 'clip.flv');
  const result = await runProcess({
    name: 'ffmpeg (clip)',
    command: 'ffmpeg',
    // prettier-ignore
    args: [
      '-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
      '-t', '10', '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency',
      '-g', '25', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '1M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '1', '-b:a', '32k', '-f', 'flv', file,
    ],
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`clip encoding failed: ${result.stderr}`);
  return file;
}

function publish(clip: string, url: string): PeerProcess {
  const output = url.startsWith('rtmp:') ? ['-f', 'flv'] : ['-f', 'rtsp', '-rtsp_transport', 'tcp'];
  return startProcess({
    name: `ffmpeg (publish ${url})`,
    command: 'ffmpeg',
    args: [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      clip,
      '-c',
      'copy',
      ...output,
      url,
    ],
  });
}

async function window(pid: number, readers: readonly BenchReader[]): Promise<{ cpuMsPerS: number; packets: number }> {
  const failed = readers.find((r) => r.failure);
  if (failed) throw new Error(`a reader failed: ${failed.failure?.message}`);
  const cpu0 = cpuNs(pid);
  const packets0 = readers.reduce((n, r) => n + r.packets, 0);
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const seconds = (performance.now() - t0) / 1000;
  return {
    cpuMsPerS: (cpuNs(pid) - cpu0) / 1e6 / seconds,
    packets: readers.reduce((n, r) => n + r.packets, 0) - packets0,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-rtmp-'));
  const processes: PeerProcess[] = [];
  try {
    const clip = await encodeClip(dir);
    const [apiPort, rtspPort, rtmpPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    const configFile = path.join(dir, 'ts2rtc.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        api: { listen: `127.0.0.1:${apiPort}` },
        rtsp: { listen: `127.0.0.1:${rtspPort}` },
        rtmp: { listen: `127.0.0.1:${rtmpPort}` },
        webrtc: { listen: '' },
        log: { level: 'warn' },
        streams: { viaRtmp: null, viaRtsp: null },
      }),
    );
    const built = process.env['BENCH_RTMP_DIST'] === '1' && existsSync(MAIN_JS);
    const script = built ? [MAIN_JS] : ['--import', import.meta.resolve('tsx'), MAIN_TS];
    const ts2rtc = startProcess({
      name: 'ts2rtc',
      command: process.execPath,
      args: [...script, '-c', configFile],
      cwd: dir,
    });
    processes.push(ts2rtc);
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${apiPort}/api`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 20_000, intervalMs: 50, what: 'ts2rtc API' },
    );
    processes.push(
      publish(clip, `rtmp://127.0.0.1:${rtmpPort}/viaRtmp`),
      publish(clip, `rtsp://127.0.0.1:${rtspPort}/viaRtsp`),
    );
    const url = (name: string) => `rtsp://127.0.0.1:${rtspPort}/${name}?video`;
    // Both publishers accepted: a reader of each gets packets.
    for (const name of ['viaRtmp', 'viaRtsp']) {
      await waitFor(
        async () => {
          const r = await BenchReader.play(url(name)).catch(() => undefined);
          if (!r) return false;
          await Promise.race([r.started, sleep(2000)]);
          r.close();
          return r.packets > 0;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: `${name} to carry video` },
      );
    }
    // Warm-up: V8 optimizes both paths before anything is measured.
    const warm = [];
    for (let i = 0; i < 5; i++)
      warm.push(await BenchReader.play(url('viaRtmp')), await BenchReader.play(url('viaRtsp')));
    await sleep(WARMUP_MS);
    for (const r of warm) r.close();
    await sleep(SETTLE_MS);

    const results: Record<string, { base: number; added: number; packetsPerReader: number }> = {};
    // Twice each, alternating, so a neighbour's burst on a shared machine does not land on one input only.
    for (const name of ['viaRtmp', 'viaRtsp', 'viaRtmp', 'viaRtsp']) {
      // The baseline right before each step: both publishers, no reader.
      const base = await window(ts2rtc.pid, []);
      const readers: BenchReader[] = [];
      for (let i = 0; i < READERS; i++) readers.push(await BenchReader.play(url(name)));
      await sleep(SETTLE_MS);
      const w = await window(ts2rtc.pid, readers);
      for (const r of readers) r.close();
      const added = (w.cpuMsPerS - base.cpuMsPerS) / READERS;
      const previous = results[name];
      const packetsPerReader = w.packets / READERS / (WINDOW_MS / 1000);
      results[name] = previous
        ? {
            base: (previous.base + base.cpuMsPerS) / 2,
            added: (previous.added + added) / 2,
            packetsPerReader: (previous.packetsPerReader + packetsPerReader) / 2,
          }
        : { base: base.cpuMsPerS, added, packetsPerReader };
      await sleep(SETTLE_MS);
    }
    const rtmp = results['viaRtmp'];
    const rtsp = results['viaRtsp'];
    console.log(
      `ts2rtc ${built ? 'addon/dist/main.js' : 'addon/src/main.ts (tsx)'}; clip 640x360@25 H264 4 Mbit/s + AAC; ${READERS} RTSP/TCP readers per input`,
    );
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${name}: baseline ${r.base.toFixed(1)} ms CPU/s (both publishers), +${r.added.toFixed(2)} ms CPU/s per reader (${r.packetsPerReader.toFixed(0)} RTP packets/s per reader)`,
      );
    }
    if (rtmp && rtsp) console.log(`RTMP in / RTSP in, added CPU per reader: ${(rtmp.added / rtsp.added).toFixed(2)}`);
  } finally {
    for (const p of processes.reverse()) await p.stop({ signal: 'SIGTERM', graceMs: 3000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
