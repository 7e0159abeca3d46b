/**
 * Where ts2rtc allocates under a load: V8's sampling heap profiler through the inspector, with the objects
 * that young- and old-generation GCs collected counted too (those are the allocation rate that sets how
 * often the server stops for a scavenge). The load is fanout.ts's: the bench camera publishing over RTSP,
 * then N consumers of one protocol; after 5 s the allocations of a window are sampled.
 *
 *   node --import tsx bench/alloc.ts rtsp 50        (protocol rtsp | webrtc | mse, consumers, window seconds)
 *   node --import tsx bench/alloc.ts rtsp 0 10      a publisher and no consumer (the optimizing compiler off)
 *
 * Prints KB/s allocated in all, then by site: the nearest ts2rtc function on the stack (addon/dist) and the
 * function that allocated (often a V8 builtin or Node's own code under ours). Measures ts2rtc only; run
 * `npm run build` first. The profiler's own cost raises the CPU the server uses meanwhile: read rates, not time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Camera } from './rtsp/camera.js';
import { encodeClip } from './rtsp/clip.js';
import type { Consumer, Protocol } from './lib/consumer.js';
import { allocationSites, type SamplingNode } from './lib/alloc-sites.js';
import { openInspector } from './lib/inspector.js';
import { joiner, joinMany } from './lib/join.js';
import { startOurs } from './lib/target.js';

const PROTOCOLS: readonly Protocol[] = ['rtsp', 'webrtc', 'mse'];
/** Bytes between samples: small enough that a per-packet object shows, large enough to keep the server live. */
const SAMPLING_INTERVAL = 512;
const TOP_SITES = 25;

async function main(protocol: Protocol, count: number, seconds: number): Promise<void> {
  const clip = await encodeClip(10);
  const server = await startOurs(['cam']);
  let camera: Camera | undefined;
  let consumers: Consumer[] = [];
  try {
    const inspectorUrl = server.inspectorUrl;
    if (!inspectorUrl) throw new Error('ts2rtc was started without an inspector');
    camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), 'cam');
    camera.start();
    await sleep(1500);
    consumers = count > 0 ? await joinMany(joiner(protocol, server, 'cam'), count) : [];
    await sleep(5000);
    const inspector = await openInspector(inspectorUrl);
    try {
      await inspector.call('HeapProfiler.enable');
      await inspector.call('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await sleep(seconds * 1000);
      const result = await inspector.call('HeapProfiler.stopSampling', {}, 60_000);
      const profile = Reflect.get(result as object, 'profile') as { head: SamplingNode };
      const { total, sites } = allocationSites(profile.head);
      const rate = (bytes: number): string => `${(bytes / 1024 / seconds).toFixed(1).padStart(8)} KB/s`;
      console.log(`ts2rtc, ${count} ${protocol} consumer(s), ${seconds} s: ${rate(total).trim()} allocated`);
      for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP_SITES)) {
        console.log(`${rate(bytes)}  ${site}`);
      }
    } finally {
      inspector.close();
    }
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
    camera?.stop();
    await server.stop();
  }
}

const protocol = PROTOCOLS.find((p) => p === (process.argv[2] ?? 'rtsp'));
const count = Number(process.argv[3] ?? 50);
const seconds = Number(process.argv[4] ?? 10);
if (!protocol || !Number.isInteger(count) || count < 0 || !(seconds > 0)) {
  process.stderr.write(`usage: alloc.ts [${PROTOCOLS.join('|')}] [consumers] [seconds]\n`);
  process.exit(2);
}
await main(protocol, count, seconds);
