import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RtpPacket } from 'werift';
import { netnsGuard } from '../../peers/netns.js';
import { freePort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import {
  candidateAddressKey,
  sdpCandidates,
  startWebrtcServer,
  viewOverWs,
  weriftViewer,
  type RunningWebrtc,
} from './helpers.js';

/** H264 NAL unit types carried by RTP packets (single NAL, STAP-A, FU-A start). */
function nalTypes(packets: readonly RtpPacket[]): Set<number> {
  const types = new Set<number>();
  for (const rtp of packets) {
    const first = rtp.payload[0] ?? 0;
    const type = first & 0x1f;
    if (type === 28 && ((rtp.payload[1] ?? 0) & 0x80) !== 0) types.add((rtp.payload[1] ?? 0) & 0x1f);
    else if (type === 24) {
      for (let pos = 1; pos + 2 < rtp.payload.length;) {
        const size = rtp.payload.readUInt16BE(pos);
        types.add((rtp.payload[pos + 2] ?? 0) & 0x1f);
        pos += 2 + size;
      }
    } else if (type >= 1 && type <= 23) types.add(type);
  }
  return types;
}

/** Frames = RTP packets with the marker bit (the last packet of an access unit). */
function frames(packets: readonly RtpPacket[]): number {
  return packets.filter((p) => p.header.marker).length;
}

// Issue 9 "Offers as clients really send them".
if (netnsGuard(import.meta.url)) {
  describe('offers as clients send them', () => {
    let server: RunningWebrtc;
    let tcpPort: number;

    before(async () => {
      tcpPort = await freePort();
      // A configured candidate that is also a host address of the server (a user listing the LAN address, with
      // the add-on on the host network): the same TCP address and port from two places.
      server = await startWebrtcServer({
        config: { streams: { demo: 'demo:' } },
        webrtc: { listen: `127.0.0.1:${tcpPort}`, candidates: [`127.0.0.1:${tcpPort}`] },
        timings: { idleTimeoutMs: 2000 },
      });
    });
    after(async () => server?.close());

    it("an H264 m-line without a=fmtp (werift's plain codec) gets video: decodable frames from a key frame on", async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 1, viewer: { h264Fmtp: null } });
      try {
        const offerSdp = viewing.pc.localDescription?.sdp ?? '';
        assert.doesNotMatch(offerSdp, /a=fmtp:\d+ .*packetization/, 'the offer has no H264 fmtp');
        const answer = viewing.pc.remoteDescription?.sdp ?? '';
        const video = answer.split('m=')[1] ?? '';
        assert.match(video, /^video [1-9]/, 'video m-line accepted');
        assert.match(video, /a=sendonly/, 'the server sends video');
        await waitFor(() => frames(viewing.received.video) >= 30, { timeoutMs: 10000, what: '30 video frames' });
        const types = nalTypes(viewing.received.video);
        assert.ok(
          types.has(5) && types.has(7) && types.has(8),
          `IDR, SPS and PPS received (NAL types ${[...types].join(',')})`,
        );
        process.stderr.write(
          `fmtp-less H264 offer: ${frames(viewing.received.video)} frames, NAL types ${[...types].sort((a, b) => a - b).join(',')}\n`,
        );
      } finally {
        await viewing.close();
      }
    });

    it('each candidate is advertised once: trickled over /api/ws and inside a complete answer', async () => {
      const viewing = await viewOverWs(server, { src: 'demo', version: 2, iceServers: [] });
      try {
        await viewing.firstVideoMs();
        const keys = viewing.candidates.map(candidateAddressKey);
        assert.equal(new Set(keys).size, keys.length, `a candidate twice:\n${viewing.candidates.join('\n')}`);
        assert.ok(
          keys.includes(`tcp 127.0.0.1 ${tcpPort}`),
          `the TCP port is advertised:\n${viewing.candidates.join('\n')}`,
        );
        // `listen` covers UDP too: the configured entry and werift's host candidate are one UDP candidate.
        assert.deepEqual(
          keys.filter((k) => k.startsWith('udp ')),
          [`udp 127.0.0.1 ${tcpPort}`],
          viewing.candidates.join('\n'),
        );
        // The configured entry keeps its place: it comes first, with the highest TCP priority.
        const tcp = viewing.candidates.filter((c) => / tcp /.test(c));
        assert.ok(tcp[0]?.includes(` 127.0.0.1 ${tcpPort} typ host`), tcp.join('\n'));
      } finally {
        await viewing.close();
      }

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
        const sdp = await res.text();
        const candidates = sdpCandidates(sdp);
        const keys = candidates.map(candidateAddressKey);
        assert.equal(new Set(keys).size, keys.length, `a candidate twice:\n${candidates.join('\n')}`);
        assert.ok(keys.includes(`tcp 127.0.0.1 ${tcpPort}`));
        assert.equal(
          (sdp.match(/a=end-of-candidates/g) ?? []).length,
          1,
          'candidates listed once, in the bundle section',
        );
      } finally {
        await pc.close();
      }
    });
  });
}
