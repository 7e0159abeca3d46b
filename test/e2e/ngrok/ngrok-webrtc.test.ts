import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';
import { READ_PLAYER_STATS, type PagePlayerStats } from '../webrtc/helpers.js';

/**
 * The ngrok module with fake_ngrok (test/peers/fake_ngrok.mjs: the agent cannot be downloaded here and its
 * cloud is out of reach; the fake prints the agent's JSON log lines and forwards a public port on loopback to
 * the local one). Every UDP send fails in this namespace, and the WebRTC TCP port listens on 127.0.0.2 only,
 * while the host candidate says 127.0.0.1: the only way in for Chromium is the tunnel's candidate.
 */
const FAKE_NGROK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../peers/fake_ngrok.mjs');

const SELECTED_REMOTE = `(async () => {
  const player = document.querySelector('video-stream');
  const pc = player && player.webrtc && player.webrtc.pc;
  if (!pc) return null;
  const stats = await pc.getStats();
  let pair;
  stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId); });
  const remote = pair && stats.get(pair.remoteCandidateId);
  return remote ? { address: remote.address, port: remote.port, protocol: remote.protocol } : null;
})()`;

interface NgrokInfo {
  ngrok: {
    tunnels: Array<{ name: string; url: string; addr: string; candidate?: string }>;
    starts: number;
    error?: string;
  };
}

if (netnsGuard(import.meta.url, { blockUdp: true })) {
  describe('ngrok: WebRTC through the tunnel candidate (fake_ngrok, no UDP)', () => {
    let server: ConfiguredTs2rtc;
    let browser: ChromiumPeer;
    const logs: string[] = [];

    before(async () => {
      const port = await freeTcpPort('127.0.0.2');
      server = await startConfigured(
        {
          streams: { demo: 'demo:' },
          webrtc: { listen: `127.0.0.2:${port}`, ice_servers: [], filters: { loopback: true } },
          ngrok: { command: `${process.execPath} ${FAKE_NGROK} tcp 127.0.0.2:${port} --authtoken abc` },
        },
        logs,
      );
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
    });
    after(async () => {
      await browser?.stop();
      await server?.stop();
    });

    it('GET /api lists the tunnel and its candidate (localhost resolved)', async () => {
      const info = await waitFor(
        async () => {
          const body = (await (await fetch(`${server.api}/api`)).json()) as NgrokInfo;
          return body.ngrok.tunnels[0]?.candidate ? body.ngrok : undefined;
        },
        { timeoutMs: 10_000, what: 'the ngrok tunnel in /api' },
      );
      assert.equal(info.tunnels.length, 1);
      const tunnel = info.tunnels[0]!;
      assert.equal(tunnel.name, 'command_line');
      assert.match(tunnel.url, /^tcp:\/\/localhost:\d+$/);
      assert.equal(tunnel.candidate, `127.0.0.1:${tunnel.url.split(':').at(-1)}`);
      assert.equal(info.starts, 1);
    });

    it('Chromium plays over TCP through the tunnel: the selected remote candidate is the public port', async () => {
      const body = (await (await fetch(`${server.api}/api`)).json()) as NgrokInfo;
      const publicPort = Number(body.ngrok.tunnels[0]?.url.split(':').at(-1));
      const page: Page = browser.page;
      await page.goto(`${server.api}/webrtc.html?src=demo`);
      const s = await waitFor(
        async () => {
          const current = (await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null;
          return current && current.framesDecoded >= 50 ? current : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: '50 frames through the tunnel' },
      );
      assert.equal(s.transport, 'tcp');
      const remote = (await page.evaluate(SELECTED_REMOTE)) as {
        address: string;
        port: number;
        protocol: string;
      } | null;
      assert.deepEqual(remote, { address: '127.0.0.1', port: publicPort, protocol: 'tcp' });
      assert.ok(
        logs.some((line) => line.includes('ngrok: join connections')),
        'fake_ngrok forwarded a connection',
      );
      // The debug line with the agent's command line (issue 15: no token in the log).
      const started = logs.find((line) => line.includes('ngrok: started') && line.includes('--authtoken'));
      assert.ok(started?.includes('--authtoken ***'), `the command line logged with the token masked: ${started}`);
      assert.ok(!logs.some((line) => line.includes('authtoken abc')), 'the ngrok authtoken is in the log');
      process.stderr.write(
        `ngrok: ${s.framesDecoded} frames, first frame ${s.firstFrameMs.toFixed(0)} ms, via ${JSON.stringify(remote)}\n`,
      );
    });
  });
}
