// run-tests: serial
// (counts DTLS retransmissions, whose timer is 500 ms: measured with the machine to itself)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { classes, Message, type RTCPeerConnection } from 'werift';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, weriftViewer, type RunningWebrtc } from './helpers.js';

/**
 * Issues 9 and 11, bugs found by real peers:
 * - aiortc < 1.10 offers BUNDLE with an ICE ufrag/pwd per m-line; the server must use the BUNDLE tag's
 *   (RFC 8843), and answer offers without BUNDLE on the first m-line's transport, as pion/go2rtc do.
 * - A peer that sends its ClientHello as soon as *its* ICE check succeeded, before ours did: werift dropped
 *   it and the peer's DTLS retransmit (werift 0.5 s, aiortc 1 s) decided the first frame.
 *
 * The viewer is werift (ICE controlling). Offers go as JSON to POST /api/webrtc (complete answers, no
 * trickle); the offer text is changed the way those clients write it. The server answers an actpass offer as
 * DTLS client (setup:active, as go2rtc); the early-ClientHello cases offer setup:active, so that the server is
 * the DTLS server whose ICE check may complete after the peer's ClientHello came.
 */

/** The offer of a peer that insists on being the DTLS client (RFC 5763: setup:active in the offer). */
function asDtlsClient(sdp: string): string {
  return sdp.replace(/a=setup:actpass/g, 'a=setup:active');
}

/** Every m-line after the first gets ICE credentials of its own (aiortc < 1.10; werift's agent keeps the first). */
function perMediaCredentials(sdp: string): string {
  let section = -1;
  return sdp
    .split('\r\n')
    .map((line) => {
      if (line.startsWith('m=')) section++;
      if (section > 0 && line.startsWith('a=ice-ufrag:')) return `a=ice-ufrag:${randomBytes(4).toString('hex')}`;
      if (section > 0 && line.startsWith('a=ice-pwd:')) return `a=ice-pwd:${randomBytes(12).toString('hex')}`;
      return line;
    })
    .join('\r\n');
}

function withoutBundle(sdp: string): string {
  return sdp.replace(/^a=group:BUNDLE.*\r\n/m, '');
}

function mlines(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('m='));
}

async function postOffer(server: RunningWebrtc, sdp: string): Promise<string> {
  const res = await fetch(`${server.url}/api/webrtc?src=demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'offer', sdp }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { sdp: string }).sdp;
}

/** A werift viewer whose offer is rewritten by `rewrite`; resolves once the answer is applied. */
async function offerFrom(server: RunningWebrtc, rewrite: (sdp: string) => string) {
  const viewer = weriftViewer();
  const offer = await viewer.pc.createOffer();
  await viewer.pc.setLocalDescription(offer);
  const sent = rewrite(viewer.pc.localDescription?.sdp ?? offer.sdp);
  const answer = await postOffer(server, sent);
  await viewer.pc.setRemoteDescription({ type: 'answer', sdp: answer });
  return { ...viewer, offer: sent, answer };
}

const markers = (received: { video: Array<{ header: { marker: boolean } }> }): number =>
  received.video.filter((p) => p.header.marker).length;

/** A DTLS datagram starting with a ClientHello record; `cookie` says whether it answers a HelloVerifyRequest. */
function clientHello(data: Buffer): { cookie: boolean } | undefined {
  if (data.length < 61 || data[0] !== 22 || data[13] !== 1) return undefined;
  // record header 13, handshake header 12, client_version 2, random 32, then session_id and cookie lengths
  const sessionIdLength = data[59] ?? 0;
  const cookieLength = data[60 + sessionIdLength] ?? 0;
  return { cookie: cookieLength > 0 };
}

/**
 * Makes `pc` (a werift viewer, after setLocalDescription) a peer that starts DTLS at once: its ClientHello
 * leaves the moment its ICE is connected (werift's client waits 100 ms first, browsers and aiortc do not).
 * With `slowAnswers`, its STUN answers to the server's checks leave that many ms late, so the server's own
 * check completes after the ClientHello arrived, every time (the race issue 11 saw one viewer in 3–5 lose).
 * Returns the number of first ClientHellos (no cookie) it sent: 1 means no retransmission was needed.
 */
function eagerDtlsPeer(pc: RTCPeerConnection, slowAnswers: number): { firstHellos: () => number } {
  const connection = pc.iceTransports[0]!.connection;
  let firstHellos = 0;
  const send = connection.send.bind(connection);
  connection.send = async (data: Buffer) => {
    const hello = clientHello(data);
    if (hello && !hello.cookie) firstHellos++;
    return send(data);
  };
  if (slowAnswers > 0) {
    const protocols = Reflect.get(connection, 'protocols') as Array<{
      sendStun(message: Message, addr: [string, number]): Promise<void>;
    }>;
    for (const protocol of protocols) {
      const sendStun = protocol.sendStun.bind(protocol);
      protocol.sendStun = async (message: Message, addr: [string, number]) => {
        if (message.messageClass === classes.RESPONSE) await new Promise((resolve) => setTimeout(resolve, slowAnswers));
        return sendStun(message, addr);
      };
    }
  }
  const dtls = pc.dtlsTransports[0]!;
  const start = dtls.start.bind(dtls);
  dtls.start = async () => {
    const started = start();
    const client = Reflect.get(dtls, 'dtls') as { connect(): Promise<void> } | undefined;
    if (client) {
      const connecting = client.connect();
      connecting.catch(() => undefined);
      // werift's own connect() call after its 100 ms pause: the handshake is already under way.
      client.connect = () => connecting;
    }
    return started;
  };
  return { firstHellos: () => firstHellos };
}

if (netnsGuard(import.meta.url)) {
  describe("interop with real peers' offers and timing (issues 9, 11)", () => {
    let server: RunningWebrtc;
    const logLines: string[] = [];
    const measured: string[] = [];

    /** The server's debug line for its most recent connected peer. */
    const lastConnected = (): { earlyDtlsRecords?: number; ms?: number } => {
      const line = logLines.filter((l) => l.includes('"msg":"webrtc peer connected"')).at(-1);
      return line ? (JSON.parse(line) as { earlyDtlsRecords?: number; ms?: number }) : {};
    };

    before(async () => {
      server = await startWebrtcServer({ config: { streams: { demo: 'demo:' } }, logLevel: 'debug', logLines });
    });
    after(async () => {
      await server?.close();
      process.stderr.write(`${measured.join('\n')}\n`);
    });

    it('a BUNDLE offer with ICE credentials per m-line (aiortc < 1.10) plays video and audio', async () => {
      const viewing = await offerFrom(server, perMediaCredentials);
      try {
        const ufrags = viewing.offer.split('\r\n').filter((l) => l.startsWith('a=ice-ufrag:'));
        assert.equal(new Set(ufrags).size, 2, 'the offer has two ufrags');
        assert.match(viewing.answer, /^a=group:BUNDLE 0 1\r?$/m);
        await waitFor(() => markers(viewing.received) >= 10 && viewing.received.audio.length >= 10, {
          timeoutMs: 10000,
          what: '10 video frames and 10 audio packets',
        });
      } finally {
        await viewing.pc.close();
      }
    });

    it('an offer without BUNDLE, one agent for all m-lines: answered without a group, both m-lines play', async () => {
      const viewing = await offerFrom(server, withoutBundle);
      try {
        assert.doesNotMatch(viewing.answer, /a=group:BUNDLE/, 'no BUNDLE in the answer to an offer without');
        assert.deepEqual(
          mlines(viewing.answer).map((m) => m.split(' ')[1] !== '0'),
          [true, true],
        );
        await waitFor(() => markers(viewing.received) >= 10 && viewing.received.audio.length >= 10, {
          timeoutMs: 10000,
          what: '10 video frames and 10 audio packets',
        });
      } finally {
        await viewing.pc.close();
      }
    });

    it('an offer without BUNDLE and an ICE agent per m-line: the first m-line plays, the other is rejected', async () => {
      const viewing = await offerFrom(server, (sdp) => perMediaCredentials(withoutBundle(sdp)));
      try {
        assert.doesNotMatch(viewing.answer, /a=group:BUNDLE/);
        const [video = '', audio = ''] = mlines(viewing.answer);
        assert.match(video, /^m=video [1-9]/, 'video answered on the transport');
        assert.match(audio, /^m=audio 0 /, 'audio (another ICE agent) rejected');
        await waitFor(() => markers(viewing.received) >= 10, { timeoutMs: 10000, what: '10 video frames' });
        assert.equal(viewing.received.audio.length, 0);
      } finally {
        await viewing.pc.close();
      }
    });

    it('an actpass offer: the server is the DTLS client, picks AEAD-GCM from a peer offering both, and the ClientHello needs no 500 ms retransmission', async () => {
      const firstFrames: number[] = [];
      const profiles = new Set<unknown>();
      for (let i = 0; i < 6; i++) {
        const viewer = weriftViewer();
        try {
          const offer = await viewer.pc.createOffer();
          await viewer.pc.setLocalDescription(offer);
          const sentAt = performance.now();
          const answer = await postOffer(server, viewer.pc.localDescription?.sdp ?? offer.sdp);
          assert.match(answer, /^a=setup:active\r?$/m, 'setup:active, as go2rtc answers');
          await viewer.pc.setRemoteDescription({ type: 'answer', sdp: answer });
          await waitFor(() => viewer.received.video.length > 0, {
            timeoutMs: 10000,
            intervalMs: 5,
            what: 'first video packet',
          });
          firstFrames.push(Math.round(viewer.received.firstVideoAt - sentAt));
          const dtls: unknown = Reflect.get(viewer.pc.dtlsTransports[0] ?? {}, 'dtls');
          profiles.add(Reflect.get(Reflect.get(dtls ?? {}, 'srtp') ?? {}, 'srtpProfile'));
        } finally {
          await viewer.pc.close();
        }
      }
      const sorted = [...firstFrames].sort((a, b) => a - b);
      measured.push(
        `actpass offer, server as DTLS client: first video packet ms ${firstFrames.join(' ')} (median ${sorted[3]})`,
      );
      // werift's viewer (DTLS server) picks from its own list, GCM first: what Chrome does too.
      assert.deepEqual([...profiles], [7], 'SRTP_AEAD_AES_128_GCM (7) every time');
      // A lost first ClientHello is sent again after 40 ms, not after werift's 500 ms (then 1 s, 1.5 s).
      assert.ok((sorted[3] ?? Infinity) < 1000, `median first video packet ${sorted[3]} ms`);
    });

    // The viewer's first ClientHello retransmission comes 500 ms after it (werift's DTLS timer). A loaded machine
    // may once in a while answer a kept ClientHello later than that; without the hold every slowed connect
    // retransmits (10/10), so up to two of ten are tolerated and the count is printed.
    const TOLERATED_RETRANSMISSIONS = 2;
    for (const slowAnswers of [150, 0]) {
      const what =
        slowAnswers > 0
          ? `its answers to our checks ${slowAnswers} ms late (the ClientHello always early)`
          : 'no delay (the race as it comes)';
      it(`a peer that sends its ClientHello at once, ${what}: no DTLS retransmission, over 10 connects`, async () => {
        const firstFrames: number[] = [];
        let early = 0;
        let retransmitted = 0;
        for (let i = 0; i < 10; i++) {
          const viewer = weriftViewer();
          try {
            const offer = await viewer.pc.createOffer();
            await viewer.pc.setLocalDescription(offer);
            const peer = eagerDtlsPeer(viewer.pc, slowAnswers);
            const sentAt = performance.now();
            const answer = await postOffer(server, asDtlsClient(viewer.pc.localDescription?.sdp ?? offer.sdp));
            assert.match(
              answer,
              /^a=setup:passive\r?$/m,
              'the server is the DTLS server for a peer that insists on being the client',
            );
            await viewer.pc.setRemoteDescription({ type: 'answer', sdp: answer });
            await waitFor(() => viewer.received.video.length > 0, {
              timeoutMs: 10000,
              intervalMs: 5,
              what: 'first video packet',
            });
            firstFrames.push(Math.round(viewer.received.firstVideoAt - sentAt));
            const held = lastConnected().earlyDtlsRecords ?? 0;
            if (held > 0) early++;
            if (peer.firstHellos() > 1) retransmitted++;
            if (slowAnswers > 0)
              assert.ok(held >= 1, `connect ${i}: the ClientHello came before our ICE check completed and was kept`);
          } finally {
            await viewer.pc.close();
          }
        }
        const sorted = [...firstFrames].sort((a, b) => a - b);
        measured.push(
          `eager ClientHello, ${what}: first video packet ms ${firstFrames.join(' ')} (median ${sorted[5]}, max ${sorted[9]}); ` +
            `ClientHello before our ICE was connected (kept, handed to DTLS) in ${early}/10; retransmitted ClientHello in ${retransmitted}/10`,
        );
        assert.ok(
          retransmitted <= TOLERATED_RETRANSMISSIONS,
          `the peer had to retransmit its ClientHello in ${retransmitted} of 10 connects`,
        );
      });
    }
  });
}
