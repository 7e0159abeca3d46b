/**
 * Hub fan-out cost: CPU time per packet per consumer at 1, 10 and 100 consumers (goal < 1 µs).
 *
 * The peer measured in the same run is Node's own EventEmitter delivering the same packets to the same number
 * of listeners: the cheapest fan-out Node offers, with no queue, drop policy or GOP cache. The ratio says what
 * our bookkeeping costs on top of a bare function call per consumer.
 *
 *   node --import tsx bench/hub.ts
 */
import { EventEmitter } from 'node:events';
import type { Codec } from '../addon/src/core/codec.js';
import type { Media } from '../addon/src/core/media.js';
import type { Packet } from '../addon/src/core/packet.js';
import { Receiver, Sender } from '../addon/src/core/track.js';

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const VIDEO: Media = { kind: 'video', direction: 'recvonly', codecs: [H264] };
const PACKETS = 200_000;

function makePackets(): Packet[] {
  const payload = Buffer.alloc(1200);
  return Array.from({ length: 1000 }, (_, i) => ({ payload, timestamp: i * 3600, keyframe: i % 25 === 0 }));
}

function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function benchHub(consumers: number, packets: Packet[]): number {
  const receiver = new Receiver(VIDEO, H264);
  let sink = 0;
  for (let i = 0; i < consumers; i++) {
    receiver.addSink(new Sender('video', H264, (p) => ((sink += p.payload.length), true)));
  }
  const micros = cpuMicros(() => {
    for (let i = 0; i < PACKETS; i++) receiver.write(packets[i % packets.length]!);
  });
  if (sink === 0) throw new Error('nothing delivered');
  return micros / (PACKETS * consumers);
}

function benchEmitter(consumers: number, packets: Packet[]): number {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let sink = 0;
  for (let i = 0; i < consumers; i++) emitter.on('packet', (p: Packet) => (sink += p.payload.length));
  const micros = cpuMicros(() => {
    for (let i = 0; i < PACKETS; i++) emitter.emit('packet', packets[i % packets.length]!);
  });
  if (sink === 0) throw new Error('nothing delivered');
  return micros / (PACKETS * consumers);
}

const packets = makePackets();
// Warm up both paths so the JIT has compiled them before we measure.
benchHub(10, packets);
benchEmitter(10, packets);

process.stdout.write('hub fan-out: CPU µs per packet per consumer (lower is better)\n');
process.stdout.write('consumers  ts2rtc hub  EventEmitter  ratio  goal<1µs\n');
for (const n of [1, 10, 100]) {
  const hub = benchHub(n, packets);
  const peer = benchEmitter(n, packets);
  const line = `${String(n).padStart(9)}  ${hub.toFixed(3).padStart(10)}  ${peer.toFixed(3).padStart(12)}  ${(hub / peer).toFixed(2).padStart(5)}  ${hub < 1 ? 'ok' : 'MISSED'}\n`;
  process.stdout.write(line);
}
