import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  SdpError,
  buildSdp,
  getAttribute,
  mediaDirection,
  mediaFmtp,
  mediaRtpmap,
  parseRtpmap,
  parseSdp,
  resolveControl,
  type SdpErrorCode,
} from '../../../../addon/src/pkg/sdp/index.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.sdp'));

function throwsCode(fn: () => unknown, code: SdpErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof SdpError && e.code === code);
}

describe('parseSdp on real and camera-style descriptions', () => {
  it(`parses all ${names.length} fixtures, and build/parse is stable`, () => {
    assert.ok(names.length >= 15);
    for (const name of names) {
      const session = parseSdp(fixture(name));
      assert.ok(session.medias.length > 0, name);
      const again = parseSdp(buildSdp(session));
      assert.deepEqual(again.medias, session.medias, name);
      assert.deepEqual(again.attributes, session.attributes, name);
      assert.equal(buildSdp(again), buildSdp(session), name);
    }
  });

  for (const name of [
    'gst_onvif_backchannel.sdp',
    'gst_plain.sdp',
    'ffmpeg_announce_h264_aac.sdp',
    'ffmpeg_announce_mjpeg_pcmu.sdp',
  ]) {
    it(`${name}: written back byte for byte`, () => {
      assert.equal(buildSdp(parseSdp(fixture(name))), fixture(name).toString('utf8'));
    });
  }

  it('GStreamer ONVIF server: session fields, three media sections, unknown attributes kept', () => {
    const s = parseSdp(fixture('gst_onvif_backchannel.sdp'));
    assert.equal(s.origin?.username, '-');
    assert.ok(BigInt(s.origin?.sessionId ?? '0') > 2n ** 53n, 'a 64-bit id kept as text');
    assert.equal(s.name, 'Session streamed with GStreamer');
    assert.equal(s.info, 'rtsp-server');
    assert.equal(getAttribute(s.attributes, 'control'), '*');
    assert.equal(getAttribute(s.attributes, 'range'), 'npt=now-');
    assert.deepEqual(
      s.medias.map((m) => [m.type, m.port, m.protocol, m.formats, mediaDirection(m)]),
      [
        ['video', 0, 'RTP/AVP', ['96'], 'recvonly'],
        ['audio', 0, 'RTP/AVP', ['0'], 'recvonly'],
        ['audio', 0, 'RTP/AVP', ['0'], 'sendonly'],
      ],
    );
    const video = s.medias[0];
    assert.ok(video);
    assert.deepEqual(mediaRtpmap(video, 96), { payloadType: 96, encodingName: 'H264', clockRate: 90000, channels: 0 });
    assert.match(mediaFmtp(video, 96) ?? '', /^packetization-mode=1;sprop-parameter-sets=Z0LADNo/);
    assert.equal(getAttribute(video.attributes, 'x-onvif-track'), 'VIDEO000');
    assert.deepEqual(video.bandwidths, ['AS:307']);
    assert.deepEqual(video.connection, { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' });
  });

  it('tolerates LF endings, trailing spaces, missing v=/o=, a repeated s=, s= inside a media, odd m= types', () => {
    const s = parseSdp(fixture('buggy_lf_fmtp_elsewhere.sdp'));
    assert.equal(s.version, 0);
    assert.equal(s.origin, undefined);
    assert.equal(s.name, 'RtspServer');
    assert.deepEqual(
      s.medias.map((m) => [m.type, m.formats]),
      [
        ['video', ['96']],
        ['audio', ['0', '111']],
        ['smart/1', ['smart']],
      ],
    );
    assert.equal(getAttribute(s.medias[1]?.attributes ?? [], 'control'), 'track1');
  });

  it('an origin with a missing or extra field, and spaces around =', () => {
    assert.deepEqual(parseSdp(fixture('tapo_c200.sdp')).origin, {
      username: '- 14665860',
      sessionId: '31787219',
      sessionVersion: '1',
      netType: 'IN',
      addrType: 'IP4',
      address: '192.168.1.20',
    });
    assert.equal(parseSdp('v=0\r\ns = spaced\r\nm=audio 0 RTP/AVP 0\r\n').name, 'spaced');
  });

  it('rejects what is not SDP, and oversized input', () => {
    throwsCode(() => parseSdp(''), 'SDP_EMPTY');
    throwsCode(() => parseSdp('<html><body>401</body></html>'), 'SDP_EMPTY');
    throwsCode(() => parseSdp(Buffer.alloc(300 * 1024, 0x61)), 'SDP_LIMIT');
    throwsCode(() => parseSdp('v=0\n' + 'm=audio 0 RTP/AVP 0\n'.repeat(65)), 'SDP_LIMIT');
    throwsCode(() => parseSdp('a=x\n'.repeat(5000)), 'SDP_LIMIT');
  });

  it('rtpmap forms', () => {
    assert.deepEqual(parseRtpmap('97 MPEG4-GENERIC/16000/2'), {
      payloadType: 97,
      encodingName: 'MPEG4-GENERIC',
      clockRate: 16000,
      channels: 2,
    });
    assert.deepEqual(parseRtpmap('0 pcma/8000/1'), {
      payloadType: 0,
      encodingName: 'pcma',
      clockRate: 8000,
      channels: 1,
    });
    assert.equal(parseRtpmap('96 H264'), undefined);
    assert.equal(parseRtpmap('200 H264/90000'), undefined);
  });
});

describe('resolveControl', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['rtsp://127.0.0.1:8554/cam/', 'stream=0', 'rtsp://127.0.0.1:8554/cam/stream=0'],
    ['rtsp://cam/live', 'trackID=1', 'rtsp://cam/live/trackID=1'],
    [
      'rtsp://cam/cam/realmonitor?channel=1&subtype=0/',
      'trackID=0',
      'rtsp://cam/cam/realmonitor?channel=1&subtype=0/trackID=0',
    ],
    ['rtsp://cam/cam/realmonitor?channel=1', 'trackID=0', 'rtsp://cam/cam/realmonitor?channel=1/trackID=0'],
    ['rtsp://cam/live/', '*', 'rtsp://cam/live/'],
    ['rtsp://cam/live/', undefined, 'rtsp://cam/live/'],
    [
      'rtsp://cam/live/',
      'rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast',
      'rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast',
    ],
    ['rtsp://cam:554/a/b', '/c/track1', 'rtsp://cam:554/c/track1'],
  ];
  for (const [base, control, expected] of cases) {
    it(`${base} + ${control ?? '(none)'}`, () => assert.equal(resolveControl(base, control), expected));
  }
});
