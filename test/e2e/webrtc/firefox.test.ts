import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, type RunningWebrtc } from './helpers.js';

const FIREFOX = '/usr/bin/firefox-esr';
/** puppeteer-core is not a dependency yet; a path to another install can be given for local runs. */
const PUPPETEER = process.env['PUPPETEER_CORE_PATH'] ?? 'puppeteer-core';

interface PuppeteerLike {
  launch(options: Record<string, unknown>): Promise<{
    newPage(): Promise<{ goto(url: string): Promise<unknown>; evaluate(script: string): Promise<unknown> }>;
    close(): Promise<void>;
  }>;
}

async function loadPuppeteer(): Promise<PuppeteerLike | undefined> {
  try {
    const mod: unknown = await import(PUPPETEER);
    const candidate: unknown =
      typeof mod === 'object' && mod !== null ? (Reflect.get(mod, 'default') ?? mod) : undefined;
    return typeof candidate === 'object' && candidate !== null && typeof Reflect.get(candidate, 'launch') === 'function'
      ? (candidate as PuppeteerLike)
      : undefined;
  } catch {
    return undefined;
  }
}

const STATS = `(async () => {
  const w = document.querySelector('video-stream')?.webrtc;
  if (!w || !w.pc) return null;
  await w.readStats();
  return { state: w.pc.connectionState, audioPackets: w.stats.audioPackets, audioCodec: w.stats.audioCodec, framesDecoded: w.stats.framesDecoded };
})()`;

const puppeteer = await loadPuppeteer();
const skip = !existsSync(FIREFOX)
  ? 'firefox-esr is not installed'
  : !puppeteer
    ? 'puppeteer-core is not installed'
    : false;

if (netnsGuard(import.meta.url)) {
  describe('WebRTC to Firefox ESR (WebDriver BiDi)', { skip }, () => {
    let server: RunningWebrtc;
    let profile = '';

    before(async () => {
      // Firefox gathers no loopback candidates: give this private namespace a veth pair with an address of
      // its own (no dummy driver here). Traffic to it never leaves the namespace.
      execFileSync('ip', ['link', 'add', 'ts2rtc0', 'type', 'veth', 'peer', 'name', 'ts2rtc1']);
      execFileSync('ip', ['addr', 'add', '10.213.0.1/24', 'dev', 'ts2rtc0']);
      execFileSync('ip', ['link', 'set', 'ts2rtc0', 'up']);
      execFileSync('ip', ['link', 'set', 'ts2rtc1', 'up']);
      // Firefox picks its host addresses by the default route; without one it gathers nothing.
      execFileSync('ip', ['route', 'add', 'default', 'dev', 'ts2rtc0']);
      // Firefox pairs no loopback candidates: the shared ports listen on every address of the namespace, so
      // the veth address is a candidate (a UDP port bound to 127.0.0.1 would be the only UDP candidate).
      server = await startWebrtcServer({ config: { streams: { demo: 'demo:' } }, webrtc: { listen: ':0' } });
      profile = await mkdtemp(path.join(tmpdir(), 'ts2rtc-firefox-'));
    });
    after(async () => {
      await server?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    it('connects and plays audio; video needs OpenH264, which Debian does not ship', async () => {
      const browser = await puppeteer!.launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        userDataDir: profile,
        extraPrefsFirefox: {
          'media.navigator.streams.fake': true,
          'media.navigator.permission.disabled': true,
          'media.peerconnection.ice.obfuscate_host_addresses': false,
          'media.autoplay.default': 0,
        },
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}/webrtc.html?src=demo`);
        let last: unknown;
        const stats = await waitFor(
          async () => {
            const s = (last = await page.evaluate(STATS)) as {
              state: string;
              audioPackets: number;
              audioCodec: string;
              framesDecoded: number;
            } | null;
            return s && s.state === 'connected' && s.audioPackets > 50 ? s : undefined;
          },
          { timeoutMs: 20000, intervalMs: 200, what: 'Firefox connected with audio' },
        ).catch((err: unknown) => {
          throw new Error(
            `${String(err)}; last: ${JSON.stringify(last)}; server: ${JSON.stringify(server.app.streams.toJSON().demo?.consumers)}`,
          );
        });
        assert.equal(stats.audioCodec, 'opus');
        // Firefox offers H264 only with Cisco's OpenH264 plugin (downloaded at run time); offline it offers
        // VP8/VP9/AV1, which no camera source has, so the video m-line is answered inactive.
        assert.equal(stats.framesDecoded, 0);
        process.stderr.write(`firefox: connected, ${stats.audioPackets} Opus packets\n`);
      } finally {
        await browser.close();
      }
    });
  });
}
