import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { choosePayloadType, h264ModeFit, offerToMedias } from '../../../../addon/src/pkg/webrtc/negotiate.js';
import { parseSdpMedias } from '../../../../addon/src/pkg/webrtc/sdp.js';

const CHROME = parseSdpMedias(readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8'));
const h264 = (fmtp?: string): Codec => ({ name: 'H264', clockRate: 90000, channels: 0, ...(fmtp ? { fmtp } : {}) });

describe('offerToMedias', () => {
  it("go2rtc's rule: what the peer receives becomes sendonly, its microphone recvonly; video first", () => {
    const medias = offerToMedias(CHROME);
    assert.deepEqual(
      medias.map((m) => [m.kind, m.direction, m.id, m.codecs.map((c) => c.name).join(',')]),
      [
        ['video', 'sendonly', '1', 'H264'],
        ['audio', 'recvonly', '0', 'OPUS,PCMU,PCMA'],
        ['audio', 'sendonly', '2', 'OPUS,PCMU,PCMA'],
      ],
    );
    // Opus in any channel layout: a mono Opus camera still matches a browser's opus/48000/2.
    assert.equal(medias[1]!.codecs[0]!.channels, 0);
  });

  it('a sendrecv audio m-line is both a track to send and a microphone', () => {
    const sdp = 'v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=sendrecv\r\na=mid:a\r\n';
    assert.deepEqual(
      offerToMedias(parseSdpMedias(sdp)).map((m) => m.direction),
      ['sendonly', 'recvonly'],
    );
  });

  it('H265 only when offered; packetization-mode 0 and unknown codecs are skipped', () => {
    const sdp =
      'v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 100 101 102\r\na=recvonly\r\na=rtpmap:100 VP9/90000\r\n' +
      'a=rtpmap:101 H264/90000\r\na=fmtp:101 packetization-mode=0\r\na=rtpmap:102 H265/90000\r\n';
    assert.deepEqual(
      offerToMedias(parseSdpMedias(sdp))[0]!.codecs.map((c) => c.name),
      ['H265'],
    );
    assert.deepEqual(
      offerToMedias(CHROME)[0]!.codecs.map((c) => c.name),
      ['H264'],
    );
  });
});

describe('choosePayloadType', () => {
  const video = CHROME[1]!;
  it('picks the H264 entry whose profile fits the source (SPS, then profile-level-id), mode 1 only', () => {
    // High profile SPS (profile_idc 100) in sprop-parameter-sets.
    const high = 'packetization-mode=1;sprop-parameter-sets=Z2QAH6zZQFAFuwEQAAADABAAAAMDIPGDGWA=,aOvjyyLA';
    assert.equal(choosePayloadType(video, h264(high)), 127);
    assert.equal(choosePayloadType(video, h264('profile-level-id=4d0029')), 108);
    assert.equal(
      choosePayloadType(video, h264('profile-level-id=42e01f')),
      106,
      'constrained baseline: same flags win',
    );
    assert.equal(choosePayloadType(video, h264()), 102, 'unknown profile: the first packetization-mode=1 entry');
    assert.equal(
      choosePayloadType(video, h264('profile-level-id=f4001f')),
      102,
      'no profile match: still the first usable',
    );
  });

  it('audio: the first entry of the same codec and rate', () => {
    const audio = CHROME[2]!;
    assert.equal(choosePayloadType(audio, { name: 'PCMA', clockRate: 8000, channels: 1 }), 8);
    assert.equal(choosePayloadType(audio, { name: 'OPUS', clockRate: 48000, channels: 2 }), 111);
    assert.equal(choosePayloadType(audio, { name: 'AAC', clockRate: 16000, channels: 1 }), undefined);
  });
});

describe("H264 without a=fmtp (werift's plain codec, issue 9)", () => {
  it('h264ModeFit: stated 1, unstated (no fmtp, or an fmtp without packetization-mode), or not usable', () => {
    assert.equal(h264ModeFit('packetization-mode=1;profile-level-id=42e01f'), 'explicit');
    assert.equal(h264ModeFit(undefined), 'unstated');
    assert.equal(h264ModeFit('profile-level-id=42e01f'), 'unstated');
    assert.equal(h264ModeFit('packetization-mode=0'), 'no');
    assert.equal(h264ModeFit('packetization-mode=2'), 'no');
  });

  it('an m-line whose only H264 has no fmtp is answered with it, as go2rtc (pion) does', () => {
    const sdp =
      'v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 98\r\na=recvonly\r\na=mid:0\r\na=rtpmap:97 VP8/90000\r\na=rtpmap:98 H264/90000\r\n';
    const offer = parseSdpMedias(sdp);
    assert.deepEqual(
      offerToMedias(offer)[0]!.codecs.map((c) => c.name),
      ['H264'],
    );
    assert.equal(choosePayloadType(offer[0]!, h264('packetization-mode=1;profile-level-id=640029')), 98);
  });

  it('an entry that states packetization-mode=1 wins over one that states nothing', () => {
    const sdp =
      'v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 98 99\r\na=recvonly\r\na=rtpmap:98 H264/90000\r\n' +
      'a=rtpmap:99 H264/90000\r\na=fmtp:99 packetization-mode=1;profile-level-id=42e01f\r\n';
    assert.equal(choosePayloadType(parseSdpMedias(sdp)[0]!, h264()), 99);
  });
});
