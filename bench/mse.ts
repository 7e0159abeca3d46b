/**
 * MSE fan-out cost: server CPU and RSS with 1, 10 and 50 MSE clients of the demo stream (H264 640x360 25 fps +
 * Opus, ~0.4 Mbit/s: 75 fragments a second), per client and for each extra client.
 *
 * The peer measured in the same run is a bare `ws` server that sends the same frames (the demo clip's raw
 * payloads, at the same pace, one message each) to every client: no muxing, no per-client re-timing, no
 * queue. Its cost per extra client is what the socket writes alone cost; the goal is that ts2rtc's extra
 * client costs about the same (ratio near 1).
 *
 * Each server runs in its own child process (fresh per client count) so its CPU and memory are its own; the
 * clients run here and only count what they receive.
 *
 *   node --import tsx --expose-gc bench/mse.ts            (or: npm run bench -- mse)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const COUNTS = [1, 10, 50];
const WARMUP_MS = 2000;
const WINDOW_MS = 10_000;
/** Messages a second the demo stream gives: 25 video frames + 50 Opus packets. */
const RATE = 75;

type Mode = 'ts2rtc' | 'peer';

interface Sample {
  cpuMicros: number;
  rss: number;
  /** JS heap plus Buffers, after a full GC: what the server really holds. */
  heap: number;
}

type ChildMessage = { port: number } | ({ sample: true } & Sample);

// ---------------------------------------------------------------- child: the servers
async function serveTs2rtc(): Promise<number> {
  const { startApi } = await import('../test/helpers/api-server.js');
  const demo = await import('../addon/src/modules/demo/index.js');
  const mp4 = await import('../addon/src/modules/mp4/index.js');
  const server = await startApi({
    config: { streams: { demo: 'demo:' } },
    hub: { idleStopMs: 60_000 },
    beforeStart: (_api, app) => {
      app.add(demo.demo);
      app.add(mp4.mp4);
    },
  });
  return Number(new URL(server.url).port);
}

async function servePeer(): Promise<number> {
  const { loadClip } = await import('../addon/src/modules/demo/clip.js');
  const clip = await loadClip();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const started = performance.now();
  // Every track on its own timer, aimed at each frame's wall-clock time, as the demo source plays them.
  for (const track of clip.tracks) {
    let index = 0;
    const tick = (): void => {
      const now = performance.now();
      for (;;) {
        const packet = track.packets[index % track.packets.length];
        if (!packet) return;
        const loop = Math.floor(index / track.packets.length);
        const due = started + ((loop * track.loopTicks + packet.timestamp) * 1000) / track.codec.clockRate;
        if (due > now) {
          setTimeout(tick, due - now);
          return;
        }
        for (const client of wss.clients) client.send(packet.payload);
        index++;
      }
    };
    tick();
  }
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function child(mode: Mode): Promise<void> {
  const port = mode === 'ts2rtc' ? await serveTs2rtc() : await servePeer();
  process.on('message', (message) => {
    if (message === 'exit') process.exit(0);
    if (message !== 'sample') return;
    const gc = Reflect.get(globalThis, 'gc');
    if (typeof gc === 'function') gc();
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    process.send?.({
      sample: true,
      cpuMicros: cpu.user + cpu.system,
      rss: memory.rss,
      heap: memory.heapUsed + memory.external,
    });
  });
  process.send?.({ port });
}

// ---------------------------------------------------------------- parent: the clients and the table
function nextMessage(
  proc: ChildProcess,
  test: (m: ChildMessage) => boolean,
  timeoutMs = 30_000,
): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not answer')), timeoutMs);
    const onMessage = (m: ChildMessage): void => {
      if (!test(m)) return;
      clearTimeout(timer);
      proc.off('message', onMessage);
      resolve(m);
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function sample(proc: ChildProcess): Promise<Sample> {
  proc.send('sample');
  const m = await nextMessage(proc, (x) => 'sample' in x);
  if (!('sample' in m)) throw new Error('unexpected message');
  return { cpuMicros: m.cpuMicros, rss: m.rss, heap: m.heap };
}

interface RunResult {
  cpuPercent: number;
  rssMb: number;
  heapMb: number;
  /** Fraction of the expected messages the slowest client got in the window. */
  delivered: number;
}

async function run(mode: Mode, clients: number): Promise<RunResult> {
  const proc = fork(fileURLToPath(import.meta.url), ['--serve', mode], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: 'inherit',
  });
  const sockets: WebSocket[] = [];
  try {
    const ready = await nextMessage(proc, (m) => 'port' in m);
    if (!('port' in ready)) throw new Error('no port');
    const url = mode === 'ts2rtc' ? `ws://127.0.0.1:${ready.port}/api/ws?src=demo` : `ws://127.0.0.1:${ready.port}/`;
    const counts = new Array<number>(clients).fill(0);
    await Promise.all(
      counts.map(
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url, { perMessageDeflate: false });
            sockets.push(ws);
            ws.on('message', (_data, binary) => {
              if (binary) counts[i] = (counts[i] ?? 0) + 1;
            });
            ws.once('open', () => {
              if (mode === 'ts2rtc') ws.send(JSON.stringify({ type: 'mse', value: 'avc1.640029,mp4a.40.2,flac,opus' }));
              resolve();
            });
            ws.once('error', reject);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
    const before = await sample(proc);
    const start = [...counts];
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await sample(proc);
    const slowest = Math.min(...counts.map((c, i) => c - (start[i] ?? 0)));
    return {
      cpuPercent: ((after.cpuMicros - before.cpuMicros) / (WINDOW_MS * 1000)) * 100,
      rssMb: after.rss / (1024 * 1024),
      heapMb: after.heap / (1024 * 1024),
      delivered: slowest / ((RATE * WINDOW_MS) / 1000),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    // A clean exit (not a signal), so nothing of the child lingers.
    proc.send('exit');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(undefined) : proc.once('exit', resolve)));
  }
}

async function main(): Promise<void> {
  const results = new Map<string, RunResult>();
  for (const n of COUNTS) {
    for (const mode of ['ts2rtc', 'peer'] as const) results.set(`${mode}/${n}`, await run(mode, n));
  }
  const one = (mode: Mode) => results.get(`${mode}/1`);
  process.stdout.write(
    `mse fan-out: demo stream (H264 640x360 25 fps + Opus, ${RATE} messages/s), ${WINDOW_MS / 1000} s windows\n`,
  );
  process.stdout.write('CPU in % of one core; "extra" = (value at N - value at 1) / (N - 1)\n');
  process.stdout.write(
    'clients  ts2rtc CPU  /client  extra   RSS MB  extra MB  heap extra MB  delivered |  peer CPU  extra   RSS MB | extra CPU ratio\n',
  );
  for (const n of COUNTS) {
    const ours = results.get(`ts2rtc/${n}`);
    const peer = results.get(`peer/${n}`);
    const base = one('ts2rtc');
    const peerBase = one('peer');
    if (!ours || !peer || !base || !peerBase) continue;
    const extra = n > 1 ? (ours.cpuPercent - base.cpuPercent) / (n - 1) : NaN;
    const extraRss = n > 1 ? (ours.rssMb - base.rssMb) / (n - 1) : NaN;
    const extraHeap = n > 1 ? (ours.heapMb - base.heapMb) / (n - 1) : NaN;
    const peerExtra = n > 1 ? (peer.cpuPercent - peerBase.cpuPercent) / (n - 1) : NaN;
    const cells = [
      String(n).padStart(7),
      ours.cpuPercent.toFixed(2).padStart(11),
      (ours.cpuPercent / n).toFixed(3).padStart(8),
      Number.isNaN(extra) ? '     -' : extra.toFixed(3).padStart(6),
      ours.rssMb.toFixed(1).padStart(8),
      Number.isNaN(extraRss) ? '       -' : extraRss.toFixed(2).padStart(8),
      Number.isNaN(extraHeap) ? '             -' : extraHeap.toFixed(3).padStart(14),
      `${(ours.delivered * 100).toFixed(0)}%`.padStart(10),
      ' |',
      peer.cpuPercent.toFixed(2).padStart(9),
      Number.isNaN(peerExtra) ? '     -' : peerExtra.toFixed(3).padStart(6),
      peer.rssMb.toFixed(1).padStart(8),
      ' |',
      Number.isNaN(extra) || peerExtra <= 0 ? '              -' : (extra / peerExtra).toFixed(2).padStart(15),
    ];
    process.stdout.write(`${cells.join(' ')}\n`);
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) {
  const mode = process.argv[serveAt + 1] === 'peer' ? 'peer' : 'ts2rtc';
  void child(mode);
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
