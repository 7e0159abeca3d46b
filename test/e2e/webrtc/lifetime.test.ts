import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import {
  READ_PLAYER_STATS,
  resourceCount,
  startWebrtcServer,
  viewOverWs,
  type PagePlayerStats,
  type RunningWebrtc,
} from './helpers.js';

/**
 * Issue 9 "Consumer lifetime": a viewer that leaves cleanly is gone in < 1 s, one that vanishes within 10 s;
 * nothing of it stays behind. The server runs with its default peer timings (what a user gets).
 *
 * The socket rule (signaling-ws.ts `endsWithSocket`): Home Assistant's go2rtc client (v2 `webrtc` offer) keeps
 * the socket for the session and closes it when the viewer leaves, so its peer ends with the socket; go2rtc's
 * player (v1 `webrtc/offer`) closes the socket itself once WebRTC won (and on an MSE error while WebRTC still
 * connects: Firefox), so a v1 peer outlives it (one that never connects goes after a 5 s grace).
 */

/** A compound SRTCP payload as a viewer leaving sends it: an empty receiver report, then BYE for its SSRC. */
function receiverReportAndBye(ssrc: number): Buffer {
  const rr = Buffer.alloc(8);
  rr.writeUInt8(0x80, 0); // V=2, no report blocks
  rr.writeUInt8(201, 1);
  rr.writeUInt16BE(1, 2);
  rr.writeUInt32BE(ssrc, 4);
  const bye = Buffer.alloc(8);
  bye.writeUInt8(0x81, 0); // V=2, one source
  bye.writeUInt8(203, 1);
  bye.writeUInt16BE(1, 2);
  bye.writeUInt32BE(ssrc, 4);
  return Buffer.concat([rr, bye]);
}

if (netnsGuard(import.meta.url)) {
  describe('how long a WebRTC viewer is kept', () => {
    let server: RunningWebrtc;
    let browser: ChromiumPeer | undefined;
    const logLines: string[] = [];
    const measured: string[] = [];
    let baseline: { udp: number; timers: number };

    /** Why the server dropped its most recent peer (the consumer's debug line). */
    const lastReason = (): string | undefined => {
      const line = logLines.filter((l) => l.includes('"msg":"webrtc peer closed"')).at(-1);
      return line ? (JSON.parse(line) as { reason?: string }).reason : undefined;
    };
    const consumers = (): number => server.app.streams.get('demo')?.consumerCount ?? 0;
    /** Waits until the stream has no consumer; milliseconds since `since`. */
    const goneAfter = async (since: number, timeoutMs: number): Promise<number> => {
      await waitFor(() => consumers() === 0, { timeoutMs, intervalMs: 5, what: 'consumer removed' });
      return performance.now() - since;
    };

    before(async () => {
      baseline = { udp: resourceCount('UDPWrap'), timers: resourceCount('Timeout') };
      server = await startWebrtcServer({ config: { streams: { demo: 'demo:' } }, logLevel: 'debug', logLines });
      // The shared UDP port's socket is the server's own, open from start to stop; the peers' must all go.
      baseline.udp = resourceCount('UDPWrap');
    });
    after(async () => {
      await browser?.stop().catch(() => undefined);
      await server?.close();
      process.stderr.write(`${measured.join('\n')}\n`);
    });

    it('v2 socket closed (Home Assistant ends the session): consumer gone < 1 s', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 2, iceServers: [] });
      await viewing.firstVideoMs();
      const closedAt = performance.now();
      viewing.ws.close();
      const ms = await goneAfter(closedAt, 5000);
      measured.push(`v2 socket closed -> consumer gone ${ms.toFixed(0)} ms (${lastReason()})`);
      assert.equal(lastReason(), 'signalling socket closed');
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
      await viewing.pc.close();
    });

    it('v1 socket closed before the peer connected, and the peer never does: gone after the 5 s grace, not 30 s', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 1 });
      // Close before any of our candidates could be used: the peer never connects.
      await viewing.pc.close();
      const closedAt = performance.now();
      viewing.ws.close();
      const ms = await goneAfter(closedAt, 10000);
      measured.push(
        `v1 socket closed before connecting, peer never connects -> consumer gone ${ms.toFixed(0)} ms (${lastReason()})`,
      );
      assert.equal(lastReason(), 'signalling socket closed before the peer connected');
      assert.ok(ms >= 4000 && ms < 8000, `${ms.toFixed(0)} ms`);
    });

    it('RTCP BYE from the viewer: consumer gone < 1 s; the v1 socket closed while playing did not end it', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 1 });
      await viewing.firstVideoMs();
      await waitFor(() => viewing.pc.connectionState === 'connected', { timeoutMs: 15000, what: 'viewer connected' });
      // go2rtc's player does this once WebRTC plays: the media must go on.
      viewing.ws.close();
      const count = viewing.received.video.length;
      await waitFor(() => viewing.received.video.length > count + 50, {
        timeoutMs: 15000,
        what: 'video after the socket closed',
      });
      assert.equal(consumers(), 1);
      const dtls = viewing.pc.dtlsTransports[0];
      assert.ok(dtls);
      const sentAt = performance.now();
      await dtls.sendRtcp([{ serialize: () => receiverReportAndBye(0x1234abcd) } as never]);
      const ms = await goneAfter(sentAt, 5000);
      measured.push(`RTCP BYE -> consumer gone ${ms.toFixed(0)} ms (${lastReason()})`);
      assert.equal(lastReason(), 'RTCP BYE');
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
      await viewing.pc.close();
    });

    it('Chromium: the player keeps playing after it closed its socket; pc.close() (DTLS close_notify) ends the consumer < 1 s', async () => {
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
      const page = browser.page;
      await page.goto(`${server.url}/webrtc.html?src=demo`);
      const stats = async (): Promise<PagePlayerStats | null> =>
        (await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null;
      // Generous waits for what is not measured here (a CI machine running six files at once took 54 s for this
      // file); the one bound under test is the < 1 s after pc.close().
      await waitFor(async () => ((await stats())?.framesDecoded ?? 0) > 10, {
        timeoutMs: 30000,
        intervalMs: 50,
        what: 'playing',
      });
      // WebRTC won over MSE: the player dropped its socket.
      await waitFor(async () => (await page.evaluate(`document.querySelector('video-stream').ws === null`)) === true, {
        timeoutMs: 15000,
        what: 'player socket closed',
      });
      const decoded = (await stats())?.framesDecoded ?? 0;
      await waitFor(async () => ((await stats())?.framesDecoded ?? 0) > decoded + 25, {
        timeoutMs: 15000,
        intervalMs: 50,
        what: 'frames after the socket closed',
      });
      const closedAt = performance.now();
      await page.evaluate(`document.querySelector('video-stream').webrtc.pc.close()`);
      const ms = await goneAfter(closedAt, 5000);
      measured.push(`chromium pc.close() -> consumer gone ${ms.toFixed(0)} ms (${lastReason()})`);
      assert.equal(lastReason(), 'DTLS closed');
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
      await browser.stop();
      browser = undefined;
    });

    it('a viewer that says nothing (werift pc.close() sends neither BYE nor close_notify): dropped by consent < 10 s', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 1 });
      await viewing.firstVideoMs();
      await waitFor(() => viewing.pc.connectionState === 'connected', { timeoutMs: 15000, what: 'viewer connected' });
      viewing.ws.close();
      await viewing.ws.closed();
      const closedAt = performance.now();
      await viewing.pc.close();
      const ms = await goneAfter(closedAt, 15000);
      measured.push(`silent viewer -> consumer gone ${ms.toFixed(0)} ms (${lastReason()})`);
      assert.match(lastReason() ?? '', /consent expired/);
      assert.ok(ms < 10000, `${ms.toFixed(0)} ms`);
    });

    it('leaves no socket, timer or TCP registration behind', async () => {
      await waitFor(
        () => (server.app.streams.get('demo')?.toJSON().producers ?? []).every((p) => !('receivers' in p)),
        { timeoutMs: 3000, what: 'source stopped' },
      );
      await waitFor(() => resourceCount('UDPWrap') <= baseline.udp, {
        timeoutMs: 3000,
        what: 'UDP sockets closed',
      }).catch(() => {
        throw new Error(`UDP sockets: ${resourceCount('UDPWrap')} now, ${baseline.udp} before`);
      });
      // The server's own timers (HTTP keep-alive and the like) may be there; the peers' must not.
      await waitFor(() => resourceCount('Timeout') <= baseline.timers + 2, {
        timeoutMs: 3000,
        what: 'timers cleared',
      }).catch(() => {
        throw new Error(`timers: ${resourceCount('Timeout')} now, ${baseline.timers} before`);
      });
      assert.equal(server.webrtc.mux?.peerCount, 0, 'unregistered from the TCP port');
      assert.deepEqual(
        server.webrtc.udpMux?.sizes,
        { peers: 0, addresses: 0, transactions: 0 },
        'nothing left on the UDP port',
      );
    });
  });

  describe('a stall of the server process', () => {
    let server: RunningWebrtc;
    const logLines: string[] = [];
    before(async () => {
      server = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        timings: { idleTimeoutMs: 2000 },
        logLevel: 'debug',
        logLines,
      });
    });
    after(async () => {
      await server?.close();
    });

    it('longer than the consent timeout (a long GC, a starved VM) drops no live viewer', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 2 });
      try {
        await viewing.firstVideoMs();
        // Node runs due timers before it reads sockets: the consent timer's first tick after the stall must not
        // take the stall for the peer's silence (the viewer's answers wait unread in the socket meanwhile).
        const stalledUntil = Date.now() + 2500;
        while (Date.now() < stalledUntil);
        const framesAfterStall = viewing.received.video.length;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const closed = logLines.filter((l) => l.includes('"msg":"webrtc peer closed"'));
        assert.deepEqual(closed, [], 'no peer dropped');
        assert.equal(server.app.streams.get('demo')?.consumerCount, 1);
        assert.ok(
          viewing.received.video.length > framesAfterStall + 20,
          `video after the stall: ${framesAfterStall} -> ${viewing.received.video.length}`,
        );
      } finally {
        await viewing.close();
      }
    });
  });
}
