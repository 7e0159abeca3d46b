import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { coturnInstalled, startCoturn, type Coturn } from './coturn.js';
import {
  candidateAddressKey,
  sdpCandidates,
  startWebrtcServer,
  swallowingUdp,
  viewOverWs,
  weriftViewer,
  type RunningWebrtc,
  type SwallowingSocket,
} from './helpers.js';

/**
 * Server-reflexive candidates come later and are trickled (issue 9 "WebRTC timing"), from a real STUN server
 * (coturn). The namespace gets a veth address (10.213.2.1) as the server's host address, and coturn listens
 * on 127.0.0.1: a binding request from the host socket reaches it from 127.0.0.1, so the mapped address
 * differs from the host candidate, as a NAT's would.
 */
const HOST = '10.213.2.1';
const skip = coturnInstalled() ? false : 'coturn is not installed (apt-get install coturn)';

if (netnsGuard(import.meta.url)) {
  describe('STUN answers are trickled, not waited for', { skip }, () => {
    let server: RunningWebrtc;
    let coturn: Coturn;
    let silent: SwallowingSocket;

    before(async () => {
      execFileSync('ip', ['link', 'add', 'ts2rtc2', 'type', 'veth', 'peer', 'name', 'ts2rtc3']);
      execFileSync('ip', ['addr', 'add', `${HOST}/24`, 'dev', 'ts2rtc2']);
      execFileSync('ip', ['link', 'set', 'ts2rtc2', 'up']);
      execFileSync('ip', ['link', 'set', 'ts2rtc3', 'up']);
      coturn = await startCoturn();
      silent = await swallowingUdp('127.0.0.1');
      // Loopback off (as a real install): the server's host candidates are the veth address only. `listen` on
      // every address (a port picked free): the STUN requests go out of the shared UDP port, and the answers
      // come back to it, routed by transaction id.
      server = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        webrtc: { listen: ':0', filters: { loopback: false } },
        timings: { idleTimeoutMs: 2000 },
      });
    });
    after(async () => {
      await server?.close();
      await coturn?.stop();
      await silent?.close();
    });

    it('/api/ws v2: host candidates first, the server-reflexive one from the answering server after them; media does not wait', async () => {
      const iceServers = [{ urls: [`stun:127.0.0.1:${silent.port}`, coturn.url] }];
      const viewing = await viewOverWs(server, { src: 'demo', version: 2, iceServers, viewer: { audio: false } });
      try {
        const firstVideoMs = await viewing.firstVideoMs();
        await waitFor(() => viewing.candidates.some((c) => / typ srflx /.test(c)), {
          timeoutMs: 3000,
          what: 'srflx candidate trickled',
        });
        const srflx = viewing.candidates.find((c) => / typ srflx /.test(c)) ?? '';
        const port = server.webrtc.udpPort ?? 0;
        assert.match(
          srflx,
          new RegExp(` udp \\d+ 127\\.0\\.0\\.1 ${port} typ srflx raddr ${HOST.replace(/\./g, '\\.')} rport ${port}`),
          'mapped from the shared UDP port',
        );
        const firstHost = viewing.candidates.findIndex((c) => / typ host/.test(c));
        assert.ok(firstHost >= 0 && firstHost < viewing.candidates.indexOf(srflx), 'host candidates come first');
        const keys = viewing.candidates.map(candidateAddressKey);
        assert.equal(new Set(keys).size, keys.length, viewing.candidates.join('\n'));
        process.stderr.write(
          `coturn + a silent STUN server: first video ${firstVideoMs.toFixed(0)} ms, trickled:\n  ${viewing.candidates.join('\n  ')}\n`,
        );
      } finally {
        await viewing.close();
      }
    });

    it('TURN (coturn, long-term credentials): the relay candidate is trickled after the host ones; media does not wait for it', async () => {
      const turn = await startCoturn({ turn: true });
      try {
        const viewing = await viewOverWs(server, {
          src: 'demo',
          version: 2,
          iceServers: turn.turn ? [turn.turn] : [],
          viewer: { audio: false },
        });
        try {
          const firstVideoMs = await viewing.firstVideoMs();
          await waitFor(() => viewing.candidates.some((c) => / typ relay /.test(c)), {
            timeoutMs: 5000,
            what: 'relay candidate trickled',
          });
          const relay = viewing.candidates.findIndex((c) => / typ relay /.test(c));
          assert.ok(
            viewing.candidates.slice(0, relay).some((c) => / typ host/.test(c)),
            'host candidates come first',
          );
          process.stderr.write(
            `coturn TURN: first video ${firstVideoMs.toFixed(0)} ms, relay: ${viewing.candidates[relay] ?? ''}\n`,
          );
        } finally {
          await viewing.close();
        }
        // The v2 socket closed: the peer, its TURN allocation included, is gone.
        await waitFor(() => (server.app.streams.get('demo')?.consumerCount ?? 0) === 0, {
          timeoutMs: 3000,
          what: 'consumer gone',
        });
      } finally {
        await turn.stop();
      }
    });

    it('POST /api/webrtc: the complete answer has the server-reflexive candidate of a server that answers in time', async () => {
      const { pc, received } = weriftViewer({ audio: false });
      try {
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        const res = await fetch(`${server.url}/api/webrtc?src=demo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'offer', sdp: offer.sdp, ice_servers: [{ urls: [coturn.url] }] }),
        });
        const { sdp } = (await res.json()) as { sdp: string };
        const candidates = sdpCandidates(sdp);
        assert.ok(
          candidates.some((c) => / typ srflx raddr /.test(c)),
          candidates.join('\n'),
        );
        await pc.setRemoteDescription({ type: 'answer', sdp });
        await waitFor(() => received.video.length > 0, { timeoutMs: 10000, what: 'video' });
      } finally {
        await pc.close();
      }
    });
  });
}
