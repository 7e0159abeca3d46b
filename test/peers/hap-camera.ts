import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from './ports.js';
import { nodeScriptArgs, startProcess, type PeerProcess } from './process.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hap-camera.peer.ts');

export interface HapCameraOptions {
  pin?: string;
  /** The accessory id (HAP `username`); defaults to a fixed one. */
  username?: string;
  name?: string;
  /** Reuse this storage directory (its pairings); by default a fresh one, removed at stop. */
  storageDir?: string;
  port?: number;
  /** More environment for the peer, e.g. HAP_TALKBACK_FILE (where it writes the talk-back it hears). */
  env?: NodeJS.ProcessEnv;
}

export interface HapCamera {
  readonly process: PeerProcess;
  readonly port: number;
  readonly pin: string;
  readonly username: string;
  readonly storageDir: string;
  /** Waits for a stdout line starting with `prefix` (e.g. `START`), returning its words. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string[]>;
  /** Kills it at once (SIGKILL): the accessory vanishes without goodbye. */
  kill(): Promise<void>;
  /** Stops it; removes the storage directory unless it was given. */
  stop(): Promise<void>;
}

/**
 * Starts the HAP-NodeJS camera (`hap-camera.peer.ts`) on 127.0.0.1 and waits until it is published (HTTP
 * listening, mDNS advertised). Its stdout lines tell what the accessory saw (PREPARE, START, STOP, FFMPEG_EXIT).
 */
export async function startHapCamera(options: HapCameraOptions = {}): Promise<HapCamera> {
  const port = options.port ?? (await freeTcpPort());
  const storageDir = options.storageDir ?? (await mkdtemp(path.join(os.tmpdir(), 'ts2rtc-hap-')));
  const pin = options.pin ?? '031-45-154';
  const username = options.username ?? 'CC:22:3D:E3:CE:F6';
  const peer = startProcess({
    name: 'hap-camera',
    command: process.execPath,
    args: nodeScriptArgs(SCRIPT),
    env: {
      ...process.env,
      HAP_PORT: String(port),
      HAP_PIN: pin,
      HAP_USERNAME: username,
      HAP_NAME: options.name ?? 'ts2rtc test camera',
      HAP_STORAGE: storageDir,
      DEBUG: process.env.HAP_DEBUG ?? '',
      ...options.env,
    },
  });
  // Every line so far: a test may ask for one after it was printed.
  const lines: string[] = [];
  peer.onLine((line) => void lines.push(line));
  const match = (prefix: string) => (line: string) =>
    line.startsWith(`${prefix} `) || line === prefix ? line.split(' ') : undefined;
  let seen = 0;
  /** The next line starting with `prefix` after the last one returned by this function. */
  const waitFor = async (prefix: string, timeoutMs = 20_000): Promise<string[]> => {
    for (; seen < lines.length;) {
      const words = match(prefix)(lines[seen++]!);
      if (words) return words;
    }
    const words = await peer.waitForLine(match(prefix), timeoutMs, `hap-camera ${prefix} line`);
    seen = lines.length;
    return words;
  };
  try {
    await waitFor('READY', 30_000);
  } catch (err) {
    await peer.stop();
    throw err;
  }
  const cleanup = async (): Promise<void> => {
    if (!options.storageDir) await rm(storageDir, { recursive: true, force: true });
  };
  return {
    process: peer,
    port,
    pin,
    username,
    storageDir,
    waitFor,
    async kill() {
      peer.killNow('SIGKILL');
      await peer.exited;
    },
    async stop() {
      await peer.stop({ graceMs: 3000 });
      await cleanup();
    },
  };
}
