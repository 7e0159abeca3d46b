import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  answerBundleGroup,
  candidateOnTransport,
  candidateSections,
  offerTransport,
  useOfferTransport,
} from '../../../../addon/src/pkg/webrtc/bundle.js';
import { parseSdpMedias } from '../../../../addon/src/pkg/webrtc/sdp.js';

/** aiortc 1.9.0's offer (Home Assistant 2024.3's venv), captured as made: one ICE agent, ufrag and port per m-line. */
const AIORTC_19 = readFileSync(new URL('./fixtures/aiortc-1.9-offer.sdp', import.meta.url), 'utf8');
/** Chromium's offer: BUNDLE 0 1 2, the same ufrag everywhere. */
const CHROME = readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8').replace(/\n/g, '\r\n');

function sections(sdp: string): string[][] {
  return sdp
    .split('\r\n')
    .join('\n')
    .split(/\n(?=m=)/)
    .slice(1)
    .map((s) => s.split('\n').filter((l) => l !== ''));
}

function values(lines: readonly string[], prefix: string): string[] {
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

/** Removes the BUNDLE group (a peer that does not bundle), optionally giving m-line `index` its own credentials. */
function withoutBundle(sdp: string): string {
  return sdp.replace(/^a=group:BUNDLE.*\r\n/m, '');
}

describe('offerTransport / useOfferTransport (RFC 8843 tag, pion without BUNDLE)', () => {
  it("aiortc 1.9: the BUNDLE tag (mid 0) gives credentials to every m-line; the other agent's candidates go", () => {
    const transport = offerTransport(AIORTC_19);
    assert.equal(transport.bundled, true);
    assert.equal(transport.tagIndex, 0);
    assert.equal(transport.tagMid, '0');
    assert.equal(transport.ufrag, 'ASsI');
    assert.equal(transport.pwd, 'SgdHF6zmc4sSMTg0kW0Vy3');
    assert.deepEqual([...transport.members], [0, 1]);

    const out = useOfferTransport(AIORTC_19, transport);
    const [video = [], audio = []] = sections(out);
    for (const section of [video, audio]) {
      assert.deepEqual(values(section, 'a=ice-ufrag:'), ['ASsI']);
      assert.deepEqual(values(section, 'a=ice-pwd:'), ['SgdHF6zmc4sSMTg0kW0Vy3']);
    }
    assert.deepEqual(values(video, 'a=candidate:'), [
      '16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 50695 typ host',
    ]);
    assert.ok(video.includes('a=end-of-candidates'));
    assert.deepEqual(values(audio, 'a=candidate:'), [], 'the audio agent (port 46887) is not the transport');
    assert.ok(!audio.includes('a=end-of-candidates'));
    // Still both m-lines to negotiate, codecs untouched.
    assert.deepEqual(
      parseSdpMedias(out).map((m) => [m.kind, m.direction, m.codecs.length]),
      parseSdpMedias(AIORTC_19).map((m) => [m.kind, m.direction, m.codecs.length]),
    );
  });

  it('a browser offer (one ufrag) is read as it is: same credentials, candidates and directions', () => {
    const transport = offerTransport(CHROME);
    assert.equal(transport.bundled, true);
    assert.equal(transport.ufrag, 'Xk2s');
    assert.deepEqual([...transport.members], [0, 1, 2]);
    const out = useOfferTransport(CHROME, transport);
    assert.deepEqual(parseSdpMedias(out), parseSdpMedias(CHROME));
    assert.equal((out.match(/^a=candidate:/gm) ?? []).length, (CHROME.match(/^a=candidate:/gm) ?? []).length);
    assert.deepEqual(candidateSections(transport), new Set([0]));
  });

  it('the tag is the first mid of the group, skipping a rejected one (not the first m-line)', () => {
    const reordered = AIORTC_19.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 1 0');
    assert.equal(offerTransport(reordered).tagIndex, 1);
    assert.equal(offerTransport(reordered).ufrag, '8lW9');
    const rejected = reordered.replace(/^m=audio \d+/m, 'm=audio 0');
    assert.equal(offerTransport(rejected).tagIndex, 0);
    const bundleOnly = rejected.replace('a=mid:1', 'a=mid:1\r\na=bundle-only');
    assert.equal(offerTransport(bundleOnly).tagIndex, 1, 'port 0 with a=bundle-only is not rejected');
  });

  it("without BUNDLE: the first m-line's transport; an m-line with its own agent is answered rejected", () => {
    const offer = withoutBundle(AIORTC_19);
    const transport = offerTransport(offer);
    assert.equal(transport.bundled, false);
    assert.equal(transport.tagIndex, 0);
    assert.deepEqual([...transport.members], [0]);
    const medias = parseSdpMedias(useOfferTransport(offer, transport));
    assert.deepEqual(
      medias.map((m) => [m.kind, m.direction]),
      [
        ['video', 'recvonly'],
        ['audio', 'inactive'],
      ],
    );
    assert.deepEqual(candidateSections(transport), new Set([0]));
  });

  it('without BUNDLE, one agent for every m-line (same credentials): all on the transport, candidates in each', () => {
    const offer = withoutBundle(CHROME);
    const transport = offerTransport(offer);
    assert.equal(transport.bundled, false);
    assert.deepEqual([...transport.members], [0, 1, 2]);
    assert.deepEqual(parseSdpMedias(useOfferTransport(offer, transport)), parseSdpMedias(offer));
    assert.deepEqual(candidateSections(transport), new Set([0, 1, 2]));
  });

  it('session-level credentials count for m-lines without their own', () => {
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=ice-ufrag:sess',
      'a=ice-pwd:sessionpassword0123456789',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'a=mid:v',
      'a=rtpmap:96 H264/90000',
      'a=recvonly',
      'm=audio 9 UDP/TLS/RTP/SAVPF 0',
      'a=mid:a',
      'a=recvonly',
      '',
    ].join('\r\n');
    const transport = offerTransport(offer);
    assert.equal(transport.ufrag, 'sess');
    assert.deepEqual([...transport.members], [0, 1]);
  });
});

describe('answerBundleGroup', () => {
  const answer = (group: string): string =>
    [
      'v=0',
      'o=- 1 1 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      group,
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'a=mid:0',
      'm=audio 0 UDP/TLS/RTP/SAVPF 0',
      'a=mid:1',
      '',
    ].join('\r\n');

  it("keeps werift's group for a bundled offer whose m-lines are all in it", () => {
    assert.match(answerBundleGroup(answer('a=group:BUNDLE 0 1'), offerTransport(AIORTC_19)), /^a=group:BUNDLE 0 1\r$/m);
  });

  it('drops the group when the offer had none (RFC 8843: the answerer does not add one)', () => {
    const out = answerBundleGroup(answer('a=group:BUNDLE 0 1'), offerTransport(withoutBundle(AIORTC_19)));
    assert.doesNotMatch(out, /a=group/);
    assert.match(out, /^m=audio 0 /m);
  });

  it('leaves out an m-line the offer kept outside its group', () => {
    const offer = AIORTC_19.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0');
    const transport = offerTransport(offer);
    assert.deepEqual([...transport.members], [0]);
    assert.match(answerBundleGroup(answer('a=group:BUNDLE 0 1'), transport), /^a=group:BUNDLE 0\r$/m);
  });
});

describe('candidateOnTransport', () => {
  const transport = offerTransport(AIORTC_19);
  it("takes candidates without a ufrag and those of the transport, not another agent's", () => {
    assert.equal(candidateOnTransport('candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host', transport), true);
    assert.equal(
      candidateOnTransport('candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host generation 0 ufrag ASsI', transport),
      true,
    );
    assert.equal(
      candidateOnTransport('candidate:1 1 udp 2130706431 127.0.0.1 5001 typ host generation 0 ufrag 8lW9', transport),
      false,
    );
  });
});
