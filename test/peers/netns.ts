import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PeerError } from './errors.js';
import { nodeScriptArgs, runProcess, type RunResult } from './process.js';

/**
 * Private network namespaces for tests that must not touch the machine's real network: WebRTC that has to
 * stay on loopback (this machine has a non-loopback interface Chromium and werift would gather), mDNS on
 * loopback (HomeKit), or a test that blocks UDP to force a TCP fallback.
 *
 * Inside the namespace there is only `lo` (up, multicast on, 224.0.0.0/4 routed to it, so sends to
 * 224.0.0.251 work instead of failing with ENETUNREACH). With `blockUdp` every UDP send fails with EACCES
 * (an `ip rule ... ipproto udp prohibit` ahead of the local table); TCP is untouched.
 *
 * How a test file uses it: put every test of the file under the guard. Run normally, the file registers one
 * test that re-runs the same file inside a fresh namespace and passes when all of its tests pass there;
 * inside, the guard returns true and the real tests run (the servers, browsers and peers they start live in
 * the namespace and go away with it). scripts/run-tests.mjs skips the outer run: it reads the guard's options
 * from the file's text and starts the file inside its namespace at once (the outer node loaded the file's
 * whole import graph, 0.3-0.7 s of CPU, only to start unshare); the guard checks it got what it asks for.
 *
 *   import { netnsGuard } from '../../peers/netns.js';
 *
 *   if (netnsGuard(import.meta.url, { blockUdp: false })) {
 *     describe('webrtc on loopback only', () => {
 *       it('connects', async () => { ... });
 *     });
 *   }
 *
 * Needs root (CI and these machines run as root) or unprivileged user namespaces (then `unshare -rn`).
 */

/** Set (to "1") in the environment of everything started inside the namespace. */
export const NETNS_ENV = 'TS2RTC_NETNS';
/**
 * The setup commands the namespace was made with (netnsSetup), beside NETNS_ENV: inside, the guard checks
 * them against its own options. scripts/run-tests.mjs starts a guarded file in its namespace itself, from
 * options it reads out of the file's text, and a mismatch there must fail loudly.
 */
export const NETNS_SETUP_ENV = 'TS2RTC_NETNS_SETUP';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NetnsOptions {
  /** Route multicast (224.0.0.0/4) to lo, for mDNS; defaults to true. */
  multicast?: boolean;
  /** Make every UDP send fail with EACCES (TCP still works); defaults to false. */
  blockUdp?: boolean;
  /** Defaults to 5 minutes. */
  timeoutMs?: number;
}

/** True inside a namespace made by this module. */
export function inNetns(): boolean {
  return process.env[NETNS_ENV] === '1';
}

/** unshare's flags for a new network namespace: as root, or in a new user namespace mapped to root. */
export function unshareArgs(): string[] {
  return process.getuid?.() === 0 ? ['-n'] : ['-r', '-n'];
}

/** The shell commands that set up the namespace's network, `&&`-joined. */
export function netnsSetup(options: NetnsOptions = {}): string {
  const steps = ['ip link set lo up'];
  if (options.multicast ?? true) steps.push('ip link set lo multicast on', 'ip route add 224.0.0.0/4 dev lo');
  if (options.blockUdp) {
    // The local table (rule 0) would deliver loopback UDP before any later rule: move it behind the block.
    steps.push('ip rule del pref 0', 'ip rule add pref 100 lookup local', 'ip rule add pref 10 ipproto udp prohibit');
  }
  return steps.join(' && ');
}

/**
 * Runs `command args...` inside a new network namespace set up as described above, and collects its output.
 * Rejects with PEER_MISSING when unshare or ip is missing (util-linux, iproute2).
 */
export async function runInNetns(
  command: string,
  args: readonly string[],
  options: NetnsOptions & { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  const setup = netnsSetup(options);
  const env = { ...(options.env ?? process.env), [NETNS_ENV]: '1', [NETNS_SETUP_ENV]: setup };
  return runProcess({
    name: 'unshare -n',
    command: 'unshare',
    debianPackage: 'util-linux iproute2',
    args: [...unshareArgs(), '--', 'sh', '-c', `${setup} && exec "$@"`, 'sh', command, ...args],
    env,
    cwd: options.cwd ?? ROOT,
    // The namespace's processes are one group: a timeout kills them all.
    group: true,
    timeoutMs: options.timeoutMs ?? 5 * 60 * 1000,
  });
}

/**
 * The test-file guard (see the module comment). Returns true inside the namespace (define the tests), false
 * outside, where it has registered the one test that re-runs `importMetaUrl` inside a namespace, with `env`
 * added to this process's environment.
 */
export function netnsGuard(
  importMetaUrl: string,
  options: NetnsOptions & { env?: Readonly<Record<string, string>> } = {},
): boolean {
  if (inNetns()) {
    const made = process.env[NETNS_SETUP_ENV];
    const wanted = netnsSetup(options);
    if (made !== undefined && made !== wanted)
      throw new Error(`network namespace made with "${made}", but ${importMetaUrl} asks for "${wanted}"`);
    for (const [name, value] of Object.entries(options.env ?? {}))
      if (process.env[name] !== value)
        throw new Error(`${name} is not "${value}" in the namespace of ${importMetaUrl}`);
    return true;
  }
  const file = fileURLToPath(importMetaUrl);
  // Named after the source file, also when it runs as its transpiled twin (scripts/test-mirror.mjs).
  const name = `${path.relative(ROOT, file).replace(/\.js$/, '.ts')} in a private network namespace${options.blockUdp ? ' without UDP' : ''}`;
  test(name, { timeout: options.timeoutMs ?? 5 * 60 * 1000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    // Without this the inner node would report to a parent test runner over stdout instead of printing.
    delete env['NODE_TEST_CONTEXT'];
    // --test-force-exit, as scripts/run-tests.mjs gives every file: once its tests are done the inner node exits
    // even with a handle left open. werift's DTLS retransmission timer can outlive a closed peer connection by
    // ~30 s (Flight5.transmit, seen in tcp-only.test.ts in every other run), and the inner node waited it out.
    const args = ['--test-reporter=spec', '--test-force-exit', ...nodeScriptArgs(file)];
    const result = await runInNetns(process.execPath, args, {
      ...options,
      env,
    });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    process.stderr.write(`--- ${name} ---\n${output}\n--- end ---\n`);
    if (result.error) throw new PeerError('PEER_MISSING', `unshare could not start: ${result.error.message}`);
    if (/unshare: .*(Operation not permitted|cannot)/i.test(result.stderr)) {
      throw new PeerError('PEER_START_FAILED', `could not create a network namespace: ${result.stderr.trim()}`);
    }
    assert.equal(
      result.code,
      0,
      `tests inside the namespace failed (exit ${result.code ?? result.signal}):\n${output.slice(-8000)}`,
    );
  });
  return false;
}
