import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  addCandidates,
  iceUfrag,
  keepBundledSections,
  keepPayloadTypes,
  parseSdpMedias,
  setCandidates,
} from '../../../../addon/src/pkg/webrtc/sdp.js';

/** Chromium's offer as go2rtc's player makes it: microphone (sendonly), then recvonly video and audio. */
const CHROME = readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8').replace(/\n/g, '\r\n');

describe('parseSdpMedias', () => {
  it('reads kind, mid, direction and the codecs in the order of the m-line', () => {
    const medias = parseSdpMedias(CHROME);
    assert.deepEqual(
      medias.map((m) => [m.index, m.kind, m.mid, m.direction, m.port]),
      [
        [0, 'audio', '0', 'sendonly', 9],
        [1, 'video', '1', 'recvonly', 9],
        [2, 'audio', '2', 'recvonly', 9],
      ],
    );
    const video = medias[1]!;
    assert.deepEqual(
      video.codecs.map((c) => c.payloadType),
      [96, 97, 102, 103, 104, 105, 106, 107, 108, 109, 127, 125],
    );
    assert.deepEqual(video.codecs[2], {
      payloadType: 102,
      name: 'H264',
      clockRate: 90000,
      channels: 0,
      fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
      rtcpFb: ['nack', 'nack pli'],
    });
    assert.deepEqual(medias[0]!.codecs[0], {
      payloadType: 111,
      name: 'OPUS',
      clockRate: 48000,
      channels: 2,
      fmtp: 'minptime=10;useinbandfec=1',
      rtcpFb: ['transport-cc'],
    });
    assert.equal(iceUfrag(CHROME), 'Xk2s');
  });

  it('port 0 rejects an m-line unless it is bundle-only (Firefox)', () => {
    const base = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n';
    const rejected = parseSdpMedias(`${base}m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=recvonly\r\n`);
    assert.equal(rejected[0]?.direction, 'inactive');
    const bundled = parseSdpMedias(`${base}m=audio 0 UDP/TLS/RTP/SAVPF 0\r\na=bundle-only\r\na=recvonly\r\n`);
    assert.equal(bundled[0]?.direction, 'recvonly');
    assert.equal(bundled[0]?.codecs[0]?.name, 'PCMU', 'a static payload type needs no rtpmap');
  });

  it('a session-level direction applies to m-lines without their own', () => {
    const sdp =
      'v=0\r\ns=-\r\na=sendonly\r\nm=audio 9 RTP/AVP 8\r\nm=video 9 RTP/AVP 96\r\na=recvonly\r\na=rtpmap:96 H264/90000\r\n';
    assert.deepEqual(
      parseSdpMedias(sdp).map((m) => m.direction),
      ['sendonly', 'recvonly'],
    );
  });

  it('refuses what is not an SDP with SDP_INVALID, and oversized input with SDP_LIMIT', () => {
    for (const bad of ['', 'hello', 'v=0\r\nthis is not sdp', 'v=0\r\nm=video x RTP/AVP 96']) {
      assert.throws(
        () => parseSdpMedias(bad),
        (err: Error & { code?: string }) => err.code === 'SDP_INVALID',
        bad,
      );
    }
    assert.throws(
      () => parseSdpMedias(`v=0\r\n${'a=x\r\n'.repeat(40000)}`),
      (err: Error & { code?: string }) => err.code === 'SDP_LIMIT',
    );
    const many = `v=0\r\n${'m=audio 9 RTP/AVP 0\r\n'.repeat(65)}`;
    assert.throws(
      () => parseSdpMedias(many),
      (err: Error & { code?: string }) => err.code === 'SDP_LIMIT',
    );
  });
});

describe('keepPayloadTypes', () => {
  it('cuts an m-line down to the chosen payload types and their attribute lines', () => {
    const out = keepPayloadTypes(
      CHROME,
      new Map([
        [1, [106]],
        [2, [0]],
      ]),
    );
    const medias = parseSdpMedias(out);
    assert.deepEqual(
      medias[1]!.codecs.map((c) => c.payloadType),
      [106],
    );
    assert.deepEqual(
      medias[2]!.codecs.map((c) => c.payloadType),
      [0],
    );
    assert.equal(medias[0]!.codecs.length, 8, 'm-lines not listed are untouched');
    assert.ok(out.includes('m=video 9 UDP/TLS/RTP/SAVPF 106\r\n'));
    assert.ok(!out.includes('a=fmtp:107 apt=106'), 'rtx of the kept codec goes too: it is never sent');
    assert.ok(out.includes('a=mid:1\r\n') && out.includes('a=ice-ufrag:Xk2s'));
  });
});

describe('addCandidates / keepBundledSections', () => {
  it('adds candidate lines to every section, before end-of-candidates', () => {
    const sdp =
      'v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=end-of-candidates\r\nm=video 9 RTP/AVP 96\r\na=mid:1\r\n';
    const out = addCandidates(sdp, ['candidate:1 1 tcp 1 10.0.0.1 8555 typ host tcptype passive']);
    assert.equal(
      out,
      'v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 tcp 1 10.0.0.1 8555 typ host tcptype passive\r\na=end-of-candidates\r\n' +
        'm=video 9 RTP/AVP 96\r\na=mid:1\r\na=candidate:1 1 tcp 1 10.0.0.1 8555 typ host tcptype passive\r\n',
    );
  });

  it('gives rejected m-lines inside the BUNDLE group port 9 (Firefox refuses a rejected bundle tag)', () => {
    const sdp =
      'v=0\r\ns=-\r\na=group:BUNDLE 0 1\r\nm=video 0 UDP/TLS/RTP/SAVPF 120\r\na=mid:0\r\na=inactive\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=mid:1\r\nm=text 0 RTP/AVP 0\r\na=mid:9\r\n';
    const out = keepBundledSections(sdp);
    assert.ok(out.includes('m=video 9 UDP/TLS/RTP/SAVPF 120\r\n'));
    assert.ok(out.includes('m=text 0 RTP/AVP 0\r\n'), 'outside the group: left rejected');
  });
});

describe('setCandidates', () => {
  it('puts exactly the given candidates into the first section, once, and removes the old ones everywhere', () => {
    const sdp =
      'v=0\r\ns=-\r\na=group:BUNDLE 0 1\r\nm=video 9 RTP/AVP 96\r\na=mid:0\r\na=candidate:old 1 udp 1 10.0.0.1 1 typ host\r\na=end-of-candidates\r\n' +
      'm=audio 9 RTP/AVP 0\r\na=mid:1\r\na=candidate:old 1 udp 1 10.0.0.1 1 typ host\r\na=end-of-candidates\r\n';
    const out = setCandidates(sdp, [
      'candidate:1 1 udp 5 10.0.0.2 5000 typ host',
      'a=candidate:2 1 tcp 4 10.0.0.2 8555 typ host tcptype passive',
    ]);
    assert.equal(
      out,
      'v=0\r\ns=-\r\na=group:BUNDLE 0 1\r\nm=video 9 RTP/AVP 96\r\na=mid:0\r\na=candidate:1 1 udp 5 10.0.0.2 5000 typ host\r\n' +
        'a=candidate:2 1 tcp 4 10.0.0.2 8555 typ host tcptype passive\r\na=end-of-candidates\r\nm=audio 9 RTP/AVP 0\r\na=mid:1\r\n',
    );
  });
});
