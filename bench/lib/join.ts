/** How the benches bring consumers to a server, and ask it which it still serves. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from './target.js';
import { joinRtsp, type Consumer, type Protocol } from './consumer.js';
import { joinMse } from './mse-client.js';
import { joinWebrtc } from './webrtc-viewer.js';
import { progress } from './netns-run.js';

export function joiner(protocol: Protocol, server: Target, stream: string): () => Promise<Consumer> {
  if (protocol === 'rtsp') return () => joinRtsp(`${server.rtspBase}${stream}?video`);
  if (protocol === 'webrtc') return () => joinWebrtc(server.apiBase, stream);
  return () => joinMse(server.apiBase, stream);
}

/** Joins that failed and were tried again (the first media did not come in time), since the last read. */
let failedJoins: string[] = [];
export function takeFailedJoins(): string[] {
  const taken = failedJoins;
  failedJoins = [];
  return taken;
}

/** One join, tried up to three times: a consumer that never gets media is counted, not fatal. */
async function joinOne(join: () => Promise<Consumer>): Promise<Consumer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await join();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failedJoins.push(message);
      progress(`join failed (attempt ${attempt}): ${message}`);
      if (attempt === 3) throw err;
    }
  }
}

/** Consumers join one after the other, as viewers do. */
export async function joinMany(join: () => Promise<Consumer>, count: number): Promise<Consumer[]> {
  const joined: Consumer[] = [];
  try {
    for (let i = 0; i < count; i++) joined.push(await joinOne(join));
  } catch (err) {
    await Promise.all(joined.map((c) => c.close()));
    throw err;
  }
  return joined;
}

/** The consumers the server lists in /api/streams (go2rtc's shape), or undefined when it has no such API. */
export async function listedConsumers(server: Target): Promise<number | undefined> {
  try {
    const res = await fetch(`${server.apiBase}/api/streams`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return undefined;
    const streams: unknown = await res.json();
    if (typeof streams !== 'object' || streams === null) return undefined;
    let count = 0;
    for (const stream of Object.values(streams)) {
      const consumers: unknown =
        typeof stream === 'object' && stream !== null ? Reflect.get(stream, 'consumers') : undefined;
      if (Array.isArray(consumers)) count += consumers.length;
    }
    return count;
  } catch {
    return undefined;
  }
}

/**
 * Waits (`timeoutMs` at most) until the server lists no consumer: a closed WebRTC viewer is only dropped
 * when the server notices (DTLS close or ICE consent). Returns the count left, undefined without the API
 * (then after 5 s).
 */
export async function consumersGone(server: Target, timeoutMs = 45_000): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const count = await listedConsumers(server);
    if (count === undefined) {
      await sleep(5000);
      return undefined;
    }
    if (count === 0 || performance.now() > deadline) return count;
    await sleep(250);
  }
}
