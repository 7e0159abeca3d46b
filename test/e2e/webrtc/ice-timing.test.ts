// run-tests: serial
// (the first frame must come within 500 ms of the offer: measured with the machine to itself)
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import {
  candidateAddressKey,
  sdpCandidates,
  startWebrtcServer,
  unreachableIceServers,
  viewOverWs,
  weriftViewer,
  type RunningWebrtc,
} from './helpers.js';

/**
 * Issue 9 "WebRTC timing": Home Assistant puts `stun:stun.home-assistant.io:80` and `:3478` into every offer;
 * offline or behind a firewall that meant ~7 s to the first frame (the media waited for ICE gathering). Here
 * every ICE server in the offer is unreachable: the name's DNS lookup hangs (the namespace's resolver address
 * answers nothing) and a loopback STUN server swallows every request. The first frame must not wait for them.
 *
 * Time bounds: the goal is < 500 ms from the offer; the test asserts the median of three offers against it
 * (one slow moment of a busy machine does not decide) and prints every number. Before the change each offer
 * took > 5 s (werift's STUN timeout), so the bound separates the two behaviours by a factor of ten.
 */
const GOAL_MS = 500;

/**
 * A page script: what Home Assistant's frontend and go2rtc integration do together, in one script: a peer
 * connection with the ICE servers, recvonly video and audio, the v2 offer over /api/ws with `ice_servers`,
 * candidates both ways; resolves with the time from sending the offer to the first decoded video frame.
 */
function chromiumV2View(iceServers: unknown): string {
  return `(async () => {
  const iceServers = ${JSON.stringify(iceServers)};
  const pc = new RTCPeerConnection({ iceServers });
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/api/ws?src=demo');
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.appendChild(video);
  try {
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (ev) => { if (ev.track.kind === 'video') video.srcObject = new MediaStream([ev.track]); };
    pc.onicecandidate = (ev) => { if (ev.candidate) ws.send(JSON.stringify({ type: 'webrtc/candidate', value: ev.candidate.candidate })); };
    let answerAt = 0;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'webrtc' && typeof msg.value === 'object') {
        answerAt = performance.now();
        pc.setRemoteDescription({ type: 'answer', sdp: msg.value.sdp });
      } else if (msg.type === 'webrtc/candidate') {
        pc.addIceCandidate({ candidate: msg.value, sdpMid: '0' });
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const sentAt = performance.now();
    ws.send(JSON.stringify({ type: 'webrtc', value: { type: 'offer', sdp: offer.sdp, ice_servers: iceServers } }));
    const frameAt = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in 10 s')), 10000);
      video.requestVideoFrameCallback((now) => { clearTimeout(timer); resolve(now); });
    });
    return { firstFrameMs: frameAt - sentAt, answerMs: answerAt - sentAt };
  } catch (err) {
    return { firstFrameMs: 1e9, answerMs: 1e9, error: String(err) };
  } finally {
    ws.close();
    pc.close();
    video.remove();
  }
})()`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Infinity;
}

// The resolver gives up after 3 s (glibc's default: 5 s, twice): a lookup cannot be cancelled, and the test
// process could not exit until the last one had, ~5 s after the last test. 3 s still hangs twice as long as the
// DNS test asks and six times the first-frame goal.
if (netnsGuard(import.meta.url, { env: { RES_OPTIONS: 'timeout:3 attempts:1' } })) {
  describe('first frame with unreachable ICE servers in the offer', () => {
    let server: RunningWebrtc;
    let ice: Awaited<ReturnType<typeof unreachableIceServers>>;
    let browser: ChromiumPeer;
    /** Our own lookup of the name the offers carry: started with the servers, looked at after the offers. */
    const dns = { started: 0, settled: Infinity, answer: 'pending' };

    before(async () => {
      ice = await unreachableIceServers();
      dns.started = performance.now();
      const settle = (answer: string) => () => Object.assign(dns, { settled: performance.now(), answer });
      void lookup('stun.home-assistant.io', { family: 4 }).then(settle('resolved'), settle('failed'));
      // The browser starts with the server rather than inside its test, which times only the views.
      [server, browser] = await Promise.all([
        // A werift viewer's close() tells the server nothing: the silence watchdog ends it, 2 s here instead of
        // 6 (the last test waits for that; nothing before it depends on the watchdog).
        startWebrtcServer({ config: { streams: { demo: 'demo:' } }, timings: { idleTimeoutMs: 2000 } }),
        launchChromium(),
      ]);
    });
    after(async () => {
      await browser?.stop();
      await server?.close();
      await ice?.close();
    });

    it('/api/ws v2 offer (Home Assistant go2rtc client): answer at once, media over host candidates < 500 ms, STUN asked in the background', async () => {
      const times: number[] = [];
      const answers: number[] = [];
      const stunBefore = ice.stun.received();
      for (let i = 0; i < 3; i++) {
        const viewing = await viewOverWs(server, { src: 'demo', version: 2, iceServers: ice.iceServers });
        try {
          times.push(await viewing.firstVideoMs());
          answers.push(viewing.answerAt - viewing.offerSentAt);
          assert.ok(
            viewing.candidates.some((c) => / udp .* typ host/.test(c)),
            'a UDP host candidate was trickled',
          );
          assert.ok(
            !viewing.candidates.some((c) => / typ (srflx|relay)/.test(c)),
            'no reflexive or relay candidate from servers that do not answer',
          );
        } finally {
          await viewing.close();
        }
      }
      // The servers were used, not ignored: the loopback STUN server got our binding requests.
      await waitFor(() => ice.stun.received() > stunBefore, {
        timeoutMs: 3000,
        what: 'binding requests at the swallowing STUN server',
      });
      const dns = ice.dnsQueries();
      process.stderr.write(
        `ws v2, unreachable ICE servers: first video ${times.map((t) => t.toFixed(0)).join('/')} ms (goal < ${GOAL_MS}), answer ${answers.map((t) => t.toFixed(0)).join('/')} ms, ` +
          `STUN requests swallowed ${ice.stun.received() - stunBefore}, DNS queries unanswered ${dns ?? 'n/a'}\n`,
      );
      assert.ok(median(times) < GOAL_MS, `median first video ${median(times).toFixed(0)} ms`);
    });

    it('/api/ws v1 offer with the same servers configured (webrtc.ice_servers): same timing', async () => {
      const configured = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        webrtc: { ice_servers: ice.iceServers },
      });
      try {
        const times: number[] = [];
        for (let i = 0; i < 3; i++) {
          const viewing = await viewOverWs(configured, { src: 'demo', version: 1 });
          try {
            times.push(await viewing.firstVideoMs());
          } finally {
            await viewing.close();
          }
        }
        process.stderr.write(
          `ws v1, configured unreachable ICE servers: first video ${times.map((t) => t.toFixed(0)).join('/')} ms\n`,
        );
        assert.ok(median(times) < GOAL_MS, `median first video ${median(times).toFixed(0)} ms`);
      } finally {
        await configured.close();
      }
    });

    it('POST /api/webrtc (complete answer): waits for the ICE servers only a short bound, then plays; each candidate once', async () => {
      const answerTimes: number[] = [];
      const frameTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { pc, received } = weriftViewer();
        try {
          const offer = await pc.createOffer();
          await pc.setLocalDescription(offer);
          const started = performance.now();
          const res = await fetch(`${server.url}/api/webrtc?src=demo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'offer', sdp: offer.sdp, ice_servers: ice.iceServers }),
          });
          assert.equal(res.status, 200);
          const { sdp } = (await res.json()) as { sdp: string };
          answerTimes.push(performance.now() - started);
          const candidates = sdpCandidates(sdp);
          const keys = candidates.map(candidateAddressKey);
          assert.equal(new Set(keys).size, keys.length, `a candidate twice:\n${candidates.join('\n')}`);
          assert.ok(candidates.some((c) => / udp .* typ host/.test(c)));
          await pc.setRemoteDescription({ type: 'answer', sdp });
          await waitFor(() => received.video.length > 0, {
            timeoutMs: 10000,
            intervalMs: 5,
            what: 'first video packet',
          });
          frameTimes.push(received.firstVideoAt - started);
        } finally {
          await pc.close();
        }
      }
      process.stderr.write(
        `POST /api/webrtc, unreachable ICE servers: answer ${answerTimes.map((t) => t.toFixed(0)).join('/')} ms, first video ${frameTimes.map((t) => t.toFixed(0)).join('/')} ms\n`,
      );
      // The bound is 250 ms (completeAnswerWaitMs); the answer must not wait for STUN's own timeouts (seconds).
      assert.ok(median(answerTimes) < 1000, `median answer ${median(answerTimes).toFixed(0)} ms`);
      assert.ok(median(frameTimes) < 1500, `median first video ${median(frameTimes).toFixed(0)} ms`);
    });

    it('headless Chromium, Home Assistant style (v2 offer with the same ICE servers, in the browser too): first frame < 500 ms', async () => {
      const page = browser.page;
      // Any page of the server: the script below needs its origin for /api/ws, nothing of the page itself.
      await page.goto(`${server.url}/api`);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const result = (await page.evaluate(chromiumV2View(ice.iceServers))) as {
          firstFrameMs: number;
          answerMs: number;
          error?: string;
        };
        assert.equal(result.error, undefined);
        times.push(result.firstFrameMs);
      }
      process.stderr.write(
        `chromium ws v2, unreachable ICE servers (browser and server): first frame decoded ${times.map((t) => t.toFixed(0)).join('/')} ms (goal < ${GOAL_MS})\n`,
      );
      assert.ok(median(times) < GOAL_MS, `median first frame ${median(times).toFixed(0)} ms`);
    });

    // Looked at after the offers instead of waited for (1.5 s) before them: a lookup cannot be cancelled, so the
    // one that timed out then hung through the offers just the same.
    it('the DNS of stun.home-assistant.io really hangs here (no answer within 1.5 s)', async () => {
      const left = dns.started + 1500 - performance.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      const settledAfter = dns.settled - dns.started;
      assert.ok(
        settledAfter >= 1500,
        `lookup ${dns.answer} after ${Math.round(settledAfter)} ms: the test would not show a hanging DNS`,
      );
    });

    it('leaves no sockets or timers once the viewers are gone (late STUN work is cancelled with the peer)', async () => {
      await waitFor(() => (server.app.streams.get('demo')?.consumerCount ?? 0) === 0, {
        timeoutMs: 15000,
        what: 'consumers gone',
      });
      await waitFor(() => server.webrtc.mux?.peerCount === 0, { timeoutMs: 3000, what: 'TCP port registrations gone' });
    });
  });
}
