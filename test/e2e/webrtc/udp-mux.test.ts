import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { StunProtocol, type RTCPeerConnection } from 'werift';
import { directUdpStats } from '../../../addon/src/modules/webrtc/rtp-send.js';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import {
  candidateAddressKey,
  READ_PLAYER_STATS,
  resourceCount,
  sdpCandidates,
  startWebrtcServer,
  viewOverWs,
  weriftViewer,
  type PagePlayerStats,
  type RunningWebrtc,
  type WsViewing,
} from './helpers.js';

/** The server's address and port on a werift viewer's nominated ICE pair (where its media comes from). */
function nominatedRemote(pc: RTCPeerConnection): string {
  const pair: unknown = pc.iceTransports[0]?.connection.nominated;
  const addr: unknown = typeof pair === 'object' && pair !== null ? Reflect.get(pair, 'remoteAddr') : undefined;
  return Array.isArray(addr) ? `${String(addr[0])} ${String(addr[1])}` : '';
}

/** UDP sockets a werift viewer opened itself (one per host address it gathered). */
function viewerUdpSockets(pc: RTCPeerConnection): number {
  const protocols: unknown = Reflect.get(pc.iceTransports[0]?.connection ?? {}, 'protocols');
  return Array.isArray(protocols) ? protocols.filter((p) => p instanceof StunProtocol).length : 0;
}

/** Chromium's selected candidate pair: the server's side of it (`udp 127.0.0.1 PORT`). */
const READ_SELECTED_REMOTE = `(async () => {
  const pc = document.querySelector('video-stream')?.webrtc?.pc;
  if (!pc) return null;
  const stats = await pc.getStats();
  let remote = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) {
      const pair = stats.get(s.selectedCandidatePairId);
      const r = pair && stats.get(pair.remoteCandidateId);
      if (r) remote = r.protocol + ' ' + (r.address || r.ip) + ' ' + r.port;
    }
  });
  return remote;
})()`;

async function bindUdp(port: number): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return socket;
}

const videoCount = (v: WsViewing): number => v.received.video.length;

// Server and viewers share a private network namespace: WebRTC stays on loopback.
if (netnsGuard(import.meta.url)) {
  describe('one UDP port shared by every WebRTC viewer (webrtc.listen covers UDP)', () => {
    let server: RunningWebrtc;
    let browser: ChromiumPeer | undefined;
    let port: number;

    before(async () => {
      port = await freePort();
      server = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        // A configured entry that is also the host address: one candidate per transport, not two.
        webrtc: { listen: `127.0.0.1:${port}`, candidates: [`127.0.0.1:${port}`] },
        // werift viewers leave without a goodbye, so consent expiry ends them: ~3 s instead of the default's ~7 s,
        // twice, while the other viewers and Chromium play on.
        timings: { idleTimeoutMs: 2000 },
      });
    });
    after(async () => {
      await browser?.stop().catch(() => undefined);
      await server?.close();
    });

    it('several viewers at once (werift and Chromium) play through the one server UDP port; one leaving disturbs no other', async () => {
      assert.equal(server.webrtc.udpPort, port, 'UDP bound on the listen port');
      assert.equal(server.webrtc.tcpPort, port, 'TCP on the same port');
      const baselineUdp = resourceCount('UDPWrap');
      const directBefore = directUdpStats.packets;
      const viewers: WsViewing[] = [];
      try {
        for (let i = 0; i < 3; i++)
          viewers.push(await viewOverWs(server, { src: 'demo', version: i % 2 === 0 ? 1 : 2 }));
        for (const viewer of viewers) await viewer.firstVideoMs();
        browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
        const page = browser.page;
        await page.goto(`${server.url}/webrtc.html?src=demo`);
        await waitFor(
          async () => (((await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null)?.framesDecoded ?? 0) >= 25,
          {
            timeoutMs: 10000,
            intervalMs: 100,
            what: 'Chromium playing',
          },
        );

        // Every viewer's media comes from the shared port, and its candidates name only that UDP port, once.
        for (const viewer of viewers) {
          assert.equal(nominatedRemote(viewer.pc), `127.0.0.1 ${port}`, 'werift viewer nominated the shared port');
          const keys = viewer.candidates.map(candidateAddressKey);
          assert.equal(new Set(keys).size, keys.length, `a candidate twice:\n${viewer.candidates.join('\n')}`);
          assert.deepEqual(
            keys.filter((k) => k.startsWith('udp ')),
            [`udp 127.0.0.1 ${port}`],
            viewer.candidates.join('\n'),
          );
        }
        assert.equal(
          await page.evaluate(READ_SELECTED_REMOTE),
          `udp 127.0.0.1 ${port}`,
          "Chromium's selected pair is the shared port",
        );
        // The server opened no UDP socket for any of them: every new one in this process is a werift viewer's own.
        const viewersOwn = viewers.reduce((sum, v) => sum + viewerUdpSockets(v.pc), 0);
        assert.equal(resourceCount('UDPWrap') - baselineUdp, viewersOwn, 'the server added no UDP socket per viewer');
        const mux = server.webrtc.udpMux;
        assert.ok(mux);
        assert.equal(mux.peerCount, 4);
        assert.equal(mux.stats.errors, 0);
        // rtp-send.ts still sends straight to the nominated pair's socket: now the shared one.
        assert.ok(
          directUdpStats.packets - directBefore > 100,
          `direct RTP sends: ${directUdpStats.packets - directBefore}`,
        );

        // The first viewer leaves (werift sends no goodbye: consent ends it); the others keep playing throughout.
        const [leaving, ...staying] = viewers as [WsViewing, ...WsViewing[]];
        await leaving.close();
        viewers.shift();
        const before = staying.map(videoCount);
        const chromiumBefore = ((await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats).framesDecoded;
        await waitFor(() => mux.peerCount === 3, {
          timeoutMs: 12000,
          intervalMs: 100,
          what: 'the leaving viewer unregistered',
        });
        const beforeLast = staying.map(videoCount);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        staying.forEach((viewer, i) => {
          assert.ok(
            videoCount(viewer) > (beforeLast[i] ?? 0) + 20,
            `viewer ${i} still receives video (${before[i]} → ${beforeLast[i]} → ${videoCount(viewer)})`,
          );
        });
        const chromiumAfter = ((await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats).framesDecoded;
        assert.ok(chromiumAfter > chromiumBefore + 25, `Chromium kept decoding (${chromiumBefore} → ${chromiumAfter})`);
        process.stderr.write(
          `udp-mux: 4 viewers on port ${port}, mux ${JSON.stringify(mux.stats)} ${JSON.stringify(mux.sizes)}\n`,
        );
      } finally {
        for (const viewer of viewers) await viewer.close();
        await browser?.stop().catch(() => undefined);
        browser = undefined;
      }
      // Everyone gone (consent or the browser's close): nothing left on the port.
      await waitFor(() => server.webrtc.udpMux?.peerCount === 0, {
        timeoutMs: 12000,
        intervalMs: 100,
        what: 'all unregistered',
      });
      assert.deepEqual(server.webrtc.udpMux?.sizes, { peers: 0, addresses: 0, transactions: 0 });
    });

    it('a complete HTTP answer lists the shared UDP port once, beside the TCP one', async () => {
      const { pc } = weriftViewer();
      try {
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        const res = await fetch(`${server.url}/api/webrtc?src=demo`, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp' },
          body: offer.sdp,
        });
        assert.equal(res.status, 201);
        const candidates = sdpCandidates(await res.text());
        const keys = candidates.map(candidateAddressKey);
        assert.equal(new Set(keys).size, keys.length, `a candidate twice:\n${candidates.join('\n')}`);
        assert.deepEqual(
          keys.filter((k) => k.startsWith('udp ')),
          [`udp 127.0.0.1 ${port}`],
          candidates.join('\n'),
        );
        assert.ok(keys.includes(`tcp 127.0.0.1 ${port}`), candidates.join('\n'));
        const location = res.headers.get('location');
        if (location) await fetch(new URL(location, server.url), { method: 'DELETE' });
      } finally {
        await pc.close();
      }
    });
  });

  describe('the UDP port at stop, and taken', () => {
    it('is closed at stop: the port can be bound again', async () => {
      const port = await freePort();
      const server = await startWebrtcServer({ config: { streams: {} }, webrtc: { listen: `127.0.0.1:${port}` } });
      assert.equal(server.webrtc.udpPort, port);
      await server.close();
      const again = await bindUdp(port);
      await new Promise<void>((resolve) => again.close(() => resolve()));
    });

    it('is logged with WEBRTC_LISTEN_FAILED and viewers get a UDP port each, as before', async () => {
      const port = await freePort();
      const squatter = await bindUdp(port);
      const logLines: string[] = [];
      const server = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        webrtc: { listen: `127.0.0.1:${port}` },
        logLines,
      });
      try {
        assert.equal(server.webrtc.udpPort, undefined);
        assert.equal(server.webrtc.tcpPort, port, 'TCP is still shared');
        assert.ok(
          logLines.some((l) => l.includes('WEBRTC_LISTEN_FAILED') && l.includes('listen udp')),
          `logged:\n${logLines.join('\n')}`,
        );
        const viewing = await viewOverWs(server, { src: 'demo', version: 1 });
        try {
          await viewing.firstVideoMs();
          const [host, remotePort] = nominatedRemote(viewing.pc).split(' ');
          assert.equal(host, '127.0.0.1');
          assert.notEqual(Number(remotePort), port, 'a port of its own, not the taken one');
        } finally {
          await viewing.close();
        }
      } finally {
        await server.close();
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
      }
    });
  });
}
