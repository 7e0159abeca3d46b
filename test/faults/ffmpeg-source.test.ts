import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childPids, startTs2rtcChild, type Ts2rtcChild } from '../helpers/ts2rtc-child.js';
import { waitFor } from '../helpers/wait.js';
import { startGstCamera, type GstCamera } from '../peers/gst-camera.js';
import { freeTcpPort } from '../peers/ports.js';
import { requireProgram } from '../peers/process.js';
import { rtspRequest } from '../peers/rtsp-raw.js';
import { resumedAfter, watchMse, watchRtsp, type Watching } from './viewers.js';

/**
 * The ffmpeg process behind an `ffmpeg:` source is killed with SIGKILL while viewers watch (the OOM killer,
 * a crash): the built server notices, starts a new one at the first reconnect delay, and the viewers, who
 * kept their connections, get media again. And an ffmpeg whose input is not there yet fails at start again
 * and again: it is restarted with the capped backoff, not in a loop, and plays once the camera appears. The
 * in-process variants are test/e2e/ffmpeg/lazy.test.ts; these measure the times and count the processes.
 */

/** A process's command line; '' once it is gone (it may end between listing and reading). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * `ffmpeg.bin` for the server: notes each start's arguments in `log`, then is the real ffmpeg (same pid). An
 * ffmpeg that fails at once lives ~0.1 s, which polling the server's children missed on a loaded machine
 * (a CI run counted 1 start in 10 s); this counts every one.
 */
function countingFfmpeg(dir: string): { bin: string; starts: (match: string) => number } {
  const bin = path.join(dir, 'ffmpeg');
  const log = path.join(dir, 'starts.log');
  writeFileSync(log, '');
  writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec ffmpeg "$@"\n`);
  chmodSync(bin, 0o755);
  const starts = (match: string): number =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.includes(match)).length;
  return { bin, starts };
}

describe('an ffmpeg source that dies', () => {
  let server: Ts2rtcChild;
  let camera: GstCamera | undefined;
  let cameraPort: number;
  const viewers: Watching[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-ffmpeg-starts-'));
  const ffmpeg = countingFfmpeg(dir);
  before(async () => {
    requireProgram('ffmpeg', 'ffmpeg');
    cameraPort = await freeTcpPort();
    server = await startTs2rtcChild({
      ffmpeg: { bin: ffmpeg.bin },
      streams: {
        demo: 'demo:',
        // ffmpeg reads the demo stream from our own RTSP server and copies its video: no encoder, little CPU.
        relayed: 'ffmpeg:demo#video=copy',
        // Nothing listens there until the test starts a camera. Opus is made from its PCMU (little CPU), and
        // the template says what ffmpeg will give, so readers are accepted before ffmpeg ever ran.
        later: `ffmpeg:rtsp://127.0.0.1:${cameraPort}/stream#audio=opus`,
        // `copy` has to run ffmpeg to learn the medias: every DESCRIBE would spawn one without the throttle.
        probed: `ffmpeg:rtsp://127.0.0.1:${cameraPort}/other#video=copy`,
      },
    });
  });
  after(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    await server?.stop();
    await camera?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('whose input is not there, asked for by a reader in a tight retry loop: one ffmpeg per backoff delay', async () => {
    const started = performance.now();
    const statuses = new Map<number, number>();
    while (performance.now() - started < 3000) {
      const res = await rtspRequest(`rtsp://127.0.0.1:${server.rtspPort}/probed`, 'DESCRIBE', {
        Accept: 'application/sdp',
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    const describes = [...statuses.values()].reduce((a, b) => a + b, 0);
    const starts = ffmpeg.starts('/other');
    process.stderr.write(
      `ffmpeg probe loop: ${describes} DESCRIBEs in 3 s (${JSON.stringify(Object.fromEntries(statuses))}) started ${starts} ffmpeg\n`,
    );
    assert.ok(describes >= 20, `${describes} DESCRIBEs`);
    assert.equal(statuses.get(200), undefined);
    // 0, 0.25, 0.75, 1.75 s (plus each probe): 4 or 5, where each DESCRIBE started one before.
    assert.ok(starts >= 2 && starts <= 6, `${starts} ffmpeg for ${describes} DESCRIBEs`);
  });

  it('whose input is not there: restarted with backoff (no loop), plays once the camera is up', async () => {
    try {
      const viewer = await watchRtsp(`rtsp://127.0.0.1:${server.rtspPort}/later`);
      viewers.push(viewer);
      await waitFor(() => ffmpeg.starts('/stream') > 0, { timeoutMs: 5000, what: 'the first ffmpeg' });
      const first = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const starts = ffmpeg.starts('/stream');
      process.stderr.write(`ffmpeg failing at start: ${starts} processes in 10 s\n`);
      // 0, 0.25, 0.75, 1.75, 3.75, 5.75, 7.75, 9.75 s (plus each run): 8 at most; a hot loop makes hundreds.
      assert.ok(starts >= 4 && starts <= 9, `${starts} ffmpeg starts in 10 s`);
      assert.ok(viewer.connected());
      camera = await startGstCamera({ video: 'none', audio: 'pcmu', port: cameraPort });
      const ms = await resumedAfter(viewer, performance.now(), 8000);
      process.stderr.write(
        `ffmpeg failing at start: playing ${ms.toFixed(0)} ms after the camera came up (${((performance.now() - first) / 1000).toFixed(1)} s after the first attempt)\n`,
      );
      assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
    } finally {
      await Promise.all(viewers.splice(0).map((v) => v.close()));
    }
  });

  it('killed with SIGKILL: replaced, the viewers keep their connections and play again, nothing is left', async () => {
    viewers.push(await watchRtsp(`rtsp://127.0.0.1:${server.rtspPort}/relayed`));
    viewers.push(await watchMse(server.api, 'relayed'));
    await waitFor(() => viewers.every((v) => v.arrivals.length > 10), {
      timeoutMs: 20_000,
      what: 'both viewers playing',
    });
    const ffmpegs = () =>
      childPids(server.pid).filter((pid) => cmdline(pid).includes('ffmpeg') && cmdline(pid).includes('/demo'));
    const [victim] = ffmpegs();
    assert.ok(victim, 'ffmpeg runs as a child of the server');
    process.kill(victim, 'SIGKILL');
    const killed = performance.now();
    const times = await Promise.all(
      viewers.map(async (v) => [v.name, await resumedAfter(v, killed + 50, 10_000)] as const),
    );
    process.stderr.write(
      `ffmpeg SIGKILL: media again after ${times.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ')}\n`,
    );
    for (const [name, ms] of times) assert.ok(ms < 5000, `${name}: ${ms.toFixed(0)} ms`);
    assert.ok(
      viewers.every((v) => v.connected()),
      'the viewers kept their connections',
    );
    const now = ffmpegs();
    assert.equal(now.length, 1, 'one ffmpeg again');
    assert.notEqual(now[0], victim);

    await Promise.all(viewers.splice(0).map((v) => v.close()));
    // The idle grace period is 3 s; then the process is stopped and reaped (no zombie left as a child).
    await waitFor(() => childPids(server.pid).length === 0, { timeoutMs: 10_000, what: 'no child process left' });
  });
});
