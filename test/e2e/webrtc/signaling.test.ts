import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { netnsGuard } from '../../peers/netns.js';
import { TestWsClient } from '../../helpers/ws-client.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, weriftViewer, type RunningWebrtc } from './helpers.js';

function candidatesOf(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
}

/** A complete answer: ICE credentials, DTLS fingerprint, and candidates (UDP host and the shared TCP port). */
function assertCompleteAnswer(sdp: string, tcpPort: number): void {
  assert.match(sdp, /^v=0/);
  assert.match(sdp, /a=ice-ufrag:/);
  assert.match(sdp, /a=fingerprint:sha-256 /);
  const candidates = candidatesOf(sdp);
  assert.ok(
    candidates.some((c) => / udp /.test(c)),
    'a UDP candidate',
  );
  assert.ok(
    candidates.some((c) => new RegExp(` tcp \\d+ 127\\.0\\.0\\.1 ${tcpPort} typ host tcptype passive`).test(c)),
    'the shared TCP port',
  );
  assert.match(sdp, /a=rtpmap:\d+ H264\/90000/);
}

// werift viewers on loopback only, in a private namespace.
if (netnsGuard(import.meta.url)) {
  describe('go2rtc signalling', () => {
    let server: RunningWebrtc;
    before(async () => {
      // A werift viewer's close() tells the server nothing: the silence watchdog ends it (2 s here).
      server = await startWebrtcServer({
        config: { streams: { demo: 'demo:', video: 'test:x#video=H264' } },
        timings: { idleTimeoutMs: 2000 },
      });
    });
    after(async () => server?.close());

    it('/api/ws with the web player sequence: offer, answer, candidates both ways; media outlives the socket', async () => {
      const ws = await TestWsClient.open(`${server.url.replace('http', 'ws')}/api/ws?src=demo`);
      const { pc, received } = weriftViewer();
      pc.onIceCandidate.subscribe((c) => ws.send({ type: 'webrtc/candidate', value: c?.candidate ?? '' }));
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      ws.send({ type: 'webrtc/offer', value: offer.sdp });
      const answer = await ws.next((m) => m.type === 'webrtc/answer');
      assert.equal(typeof answer.value, 'string');
      await pc.setRemoteDescription({ type: 'answer', sdp: String(answer.value) });
      const applied = new Set<string>();
      await waitFor(
        async () => {
          for (const m of ws.messages.filter((x) => x.type === 'webrtc/candidate')) {
            const value = String(m.value);
            if (applied.has(value)) continue;
            applied.add(value);
            assert.ok(!value.startsWith('a='), 'candidates without the a= prefix');
            await pc.addIceCandidate({ candidate: value, sdpMid: '0' });
          }
          return pc.connectionState === 'connected';
        },
        { timeoutMs: 10000, what: 'connected' },
      );
      // The player closes the socket once WebRTC plays; the peer connection must keep going.
      ws.close();
      await ws.closed();
      const before = received.video.length;
      await waitFor(() => received.video.length > before + 100 && received.audio.length > 20, {
        timeoutMs: 5000,
        what: 'media after the socket closed',
      });
      await pc.close();
      await waitFor(() => (server.app.streams.get('demo')?.consumerCount ?? 0) === 0, {
        timeoutMs: 5000,
        what: 'consumer removed',
      });
    });

    it('/api/ws v2: {type: webrtc, value: {type: offer, sdp, ice_servers}} is answered in the same form', async () => {
      const ws = await TestWsClient.open(`${server.url.replace('http', 'ws')}/api/ws?src=demo`);
      const { pc } = weriftViewer();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      // An empty list: werift would otherwise keep querying an unreachable STUN server for seconds after close.
      ws.send({ type: 'webrtc', value: { type: 'offer', sdp: offer.sdp, ice_servers: [] } });
      const reply = await ws.next((m) => m.type === 'webrtc');
      const value = reply.value as { type: string; sdp: string };
      assert.equal(value.type, 'answer');
      assert.match(value.sdp, /^v=0/);
      await ws.next((m) => m.type === 'webrtc/candidate');
      ws.close();
      await pc.close();
    });

    it('/api/ws errors name the request: unknown stream, and no common codec', async () => {
      const ws = await TestWsClient.open(`${server.url.replace('http', 'ws')}/api/ws?src=nothing`);
      const { pc } = weriftViewer();
      const offer = await pc.createOffer();
      ws.send({ type: 'webrtc/offer', value: offer.sdp });
      const error = await ws.next((m) => m.type === 'error');
      assert.equal(error.value, 'webrtc/offer: stream not found');
      ws.close();
      await pc.close();
      // Audio-only offer against a video-only stream.
      const ws2 = await TestWsClient.open(`${server.url.replace('http', 'ws')}/api/ws?src=video`);
      const viewer = weriftViewer({ video: false });
      const audioOffer = await viewer.pc.createOffer();
      ws2.send({ type: 'webrtc/offer', value: audioOffer.sdp });
      const mismatch = await ws2.next((m) => m.type === 'error');
      assert.match(String(mismatch.value), /^webrtc\/offer: .*codecs not matched/);
      ws2.close();
      await viewer.pc.close();
    });

    it('/api/ws?src=<source URL> creates the stream on the fly (the WebRTC Camera card does this)', async () => {
      const ws = await TestWsClient.open(
        `${server.url.replace('http', 'ws')}/api/ws?src=${encodeURIComponent('test:fly#video=H264')}`,
      );
      const { pc } = weriftViewer({ audio: false });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      ws.send({ type: 'webrtc/offer', value: offer.sdp });
      await ws.next((m) => m.type === 'webrtc/answer');
      assert.ok(server.app.streams.get('test:fly#video=H264'), 'stream created');
      ws.close();
      await pc.close();
    });

    const post = async (contentType: string, body: string): Promise<Response> =>
      fetch(`${server.url}/api/webrtc?src=demo`, { method: 'POST', headers: { 'content-type': contentType }, body });

    it('POST /api/webrtc: JSON, WHEP (201 + Location, DELETE ends it), form base64 and raw SDP give complete answers', async () => {
      const tcpPort = server.webrtc.tcpPort ?? 0;
      const offerSdp = async (): Promise<{ sdp: string; close: () => Promise<void> }> => {
        const { pc } = weriftViewer();
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        return { sdp: offer.sdp, close: () => pc.close() };
      };

      let offer = await offerSdp();
      const json = await post('application/json', JSON.stringify({ type: 'offer', sdp: offer.sdp }));
      assert.equal(json.status, 200);
      assert.match(json.headers.get('content-type') ?? '', /application\/json/);
      const answer = (await json.json()) as { type: string; sdp: string };
      assert.equal(answer.type, 'answer');
      assertCompleteAnswer(answer.sdp, tcpPort);
      await offer.close();

      offer = await offerSdp();
      const whep = await post('application/sdp', offer.sdp);
      assert.equal(whep.status, 201);
      assert.match(whep.headers.get('content-type') ?? '', /application\/sdp/);
      const location = whep.headers.get('location') ?? '';
      assert.match(location, /^\/api\/webrtc\?id=[0-9a-z]+$/);
      assertCompleteAnswer(await whep.text(), tcpPort);
      const consumers = (): number => server.app.streams.get('demo')?.consumerCount ?? 0;
      const before = consumers();
      const del = await fetch(`${server.url}${location}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      await waitFor(() => consumers() === before - 1, { timeoutMs: 3000, what: 'WHEP session ended' });
      assert.equal((await fetch(`${server.url}${location}`, { method: 'DELETE' })).status, 404);
      await offer.close();

      offer = await offerSdp();
      const form = await post(
        'application/x-www-form-urlencoded',
        new URLSearchParams({ data: Buffer.from(offer.sdp).toString('base64') }).toString(),
      );
      assert.equal(form.status, 200);
      assert.match(form.headers.get('content-type') ?? '', /application\/x-www-form-urlencoded/);
      assertCompleteAnswer(Buffer.from(await form.text(), 'base64').toString('utf8'), tcpPort);
      await offer.close();

      offer = await offerSdp();
      const raw = await post('text/plain', offer.sdp);
      assert.equal(raw.status, 200);
      assertCompleteAnswer(await raw.text(), tcpPort);
      await offer.close();

      assert.equal((await fetch(`${server.url}/api/webrtc?src=demo`, { method: 'OPTIONS' })).status, 204);
      assert.equal((await fetch(`${server.url}/api/webrtc?src=nothing`, { method: 'POST', body: 'v=0' })).status, 404);
      assert.equal((await fetch(`${server.url}/api/webrtc`, { method: 'POST', body: 'v=0' })).status, 400);
      assert.equal((await post('application/json', '{')).status, 400);
      assert.equal(
        (await post('application/json', JSON.stringify({ type: 'offer', sdp: 'v=0', ice_transport_policy: 'bogus' })))
          .status,
        400,
      );
      // As go2rtc: only /api/ws makes streams from source URLs.
      const byUrl = await fetch(`${server.url}/api/webrtc?src=${encodeURIComponent('test:x#video=H264')}`, {
        method: 'POST',
        body: 'v=0',
      });
      assert.equal(byUrl.status, 404);
    });

    it('webrtc.candidates: fixed addresses are offered first, over TCP, in answers and trickle', async () => {
      const fixed = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        webrtc: { candidates: ['203.0.113.9:8555', 'cam.example.com:443'] },
      });
      try {
        const { pc } = weriftViewer();
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        const res = await fetch(`${fixed.url}/api/webrtc?src=demo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'offer', sdp: offer.sdp }),
        });
        const { sdp } = (await res.json()) as { sdp: string };
        const tcp = candidatesOf(sdp).filter((c) => / tcp /.test(c));
        const priorityOf = (c: string | undefined): number => Number(c?.split(' ')[3]);
        const a = tcp.find((c) => c.includes(' 203.0.113.9 8555 typ host tcptype passive'));
        const b = tcp.find((c) => c.includes(' cam.example.com 443 typ host tcptype passive'));
        assert.ok(a && b, tcp.join('\n'));
        assert.ok(
          tcp.every((c) => c === a || priorityOf(c) <= priorityOf(a)),
          'the first entry has the highest priority',
        );
        assert.ok(priorityOf(a) > priorityOf(b));
        await pc.close();
      } finally {
        await fixed.close();
      }
    });

    it('RTSPtoWebRTC: POST /stream/{name}/channel/0/webrtc answers base64', async () => {
      const { pc } = weriftViewer();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const res = await fetch(`${server.url}/stream/demo/channel/0/webrtc`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ data: Buffer.from(offer.sdp).toString('base64') }).toString(),
      });
      assert.equal(res.status, 200);
      assertCompleteAnswer(Buffer.from(await res.text(), 'base64').toString('utf8'), server.webrtc.tcpPort ?? 0);
      const json = server.app.streams.get('demo')?.toJSON();
      assert.ok(json?.consumers?.some((c) => c.format_name === 'hass/webrtc'));
      await pc.close();
    });
  });
}
