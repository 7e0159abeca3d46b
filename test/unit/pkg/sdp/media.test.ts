import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Codec } from '../../../../addon/src/core/codec.js';
import {
  SdpError,
  buildSdp,
  codecToRtpFormat,
  mediasToSdp,
  parseSdp,
  sdpToMedias,
  type SdpTrack,
} from '../../../../addon/src/pkg/sdp/index.js';
import { parseSps } from '../../../../addon/src/pkg/h264/index.js';
import { parseH264Fmtp } from '../../../../addon/src/pkg/h264/index.js';

const tracks = (name: string) => sdpToMedias(parseSdp(readFileSync(new URL(`./fixtures/${name}`, import.meta.url))));

/** `video recvonly H264/90000/0@96 [control]` per codec, to compare a whole SDP at a glance. */
function summary(list: SdpTrack[]): string[] {
  return list.map(
    (t) =>
      `${t.media.kind} ${t.media.direction} ${t.media.codecs.map((c) => `${c.name}/${c.clockRate}/${c.channels}@${c.payloadType ?? ''}`).join(' ')} [${t.control}]`,
  );
}

describe('sdpToMedias', () => {
  it('GStreamer ONVIF: camera tracks recvonly, the a=sendonly backchannel becomes a sendonly producer media', () => {
    const t = tracks('gst_onvif_backchannel.sdp');
    assert.deepEqual(summary(t), [
      'video recvonly H264/90000/0@96 [stream=0]',
      'audio recvonly PCMU/8000/1@0 [stream=1]',
      'audio sendonly PCMU/8000/1@0 [stream=2]',
    ]);
    assert.match(
      t[0]?.media.codecs[0]?.fmtp ?? '',
      /^packetization-mode=1;sprop-parameter-sets=Z0LADNoMEbAWoMDA1KAAAAMAIAAABlHihVQ=,aM48gA==;profile-level-id=42c00c;level-asymmetry-allowed=1$/,
    );
    assert.equal(t[0]?.media.id, 'stream=0');
    assert.deepEqual(t[0]?.formats, [
      { payloadType: 96, encodingName: 'H264', clockRate: 90000, channels: 0, fmtp: t[0]?.media.codecs[0]?.fmtp },
    ]);
  });

  it('Dahua with proto=Onvif: metadata skipped, a backchannel offering PCMA, PCMU and AAC', () => {
    assert.deepEqual(summary(tracks('dahua_onvif_backchannel.sdp')), [
      'video recvonly H264/90000/0@96 [trackID=0]',
      'audio recvonly AAC/16000/1@97 [trackID=1]',
      'audio sendonly PCMA/8000/1@8 PCMU/8000/1@0 AAC/16000/1@97 [trackID=5]',
    ]);
  });

  it('Hikvision: absolute controls, PCMA; the sprop SPS is a real 1080p SPS', () => {
    const t = tracks('hikvision_h264_pcma.sdp');
    assert.deepEqual(summary(t), [
      'video recvonly H264/90000/0@96 [rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast]',
      'audio recvonly PCMA/8000/1@8 [rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast]',
    ]);
    const sps = parseH264Fmtp(t[0]?.media.codecs[0]?.fmtp).sps[0];
    assert.ok(sps);
    assert.deepEqual([parseSps(sps).width, parseSps(sps).height], [1920, 1080]);
    assert.deepEqual(summary(tracks('hikvision_h265.sdp')), [
      'video recvonly H265/90000/0@96 [rtsp://192.168.1.64:554/Streaming/Channels/102/trackID=1?transportmode=unicast]',
    ]);
  });

  it('Amcrest, Reolink, Tapo, VLC', () => {
    assert.deepEqual(summary(tracks('amcrest_h265_pcmu.sdp')), [
      'video recvonly H265/90000/0@98 [trackID=0]',
      'audio recvonly PCMU/8000/1@0 [trackID=1]',
    ]);
    assert.deepEqual(summary(tracks('reolink_h264_aac.sdp')), [
      'video recvonly H264/90000/0@96 [track1]',
      'audio recvonly AAC/16000/1@97 [track2]',
    ]);
    assert.deepEqual(summary(tracks('tapo_c200.sdp')), [
      'video recvonly H264/90000/0@96 [track1]',
      'audio recvonly PCMA/8000/1@8 [track2]',
    ]);
    assert.deepEqual(summary(tracks('vlc_sout.sdp')), [
      'audio recvonly AAC/44100/2@96 [rtsp://127.0.0.1:8554/stream/trackID=0]',
      'video recvonly H264/90000/0@97 [rtsp://127.0.0.1:8554/stream/trackID=1]',
    ]);
    assert.match(tracks('reolink_h264_aac.sdp')[1]?.media.codecs[0]?.fmtp ?? '', /config=1408;$/, 'fmtp verbatim');
  });

  it('ffmpeg ANNOUNCE descriptions: AAC, LATM normalised to an AudioSpecificConfig, H265 + Opus, static JPEG/PCMU', () => {
    assert.deepEqual(summary(tracks('ffmpeg_announce_h264_aac.sdp')), [
      'video recvonly H264/90000/0@96 [streamid=0]',
      'audio recvonly AAC/16000/1@97 [streamid=1]',
    ]);
    const latm = tracks('ffmpeg_announce_h264_latm.sdp')[1];
    assert.equal(
      latm?.media.codecs[0]?.fmtp,
      'streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408',
    );
    assert.deepEqual(latm?.formats[0], {
      payloadType: 97,
      encodingName: 'MP4A-LATM',
      clockRate: 16000,
      channels: 1,
      fmtp: 'profile-level-id=40;cpresent=0;config=400028103fc0',
    });
    assert.deepEqual(summary(tracks('ffmpeg_announce_h265_opus.sdp')), [
      'video recvonly H265/90000/0@96 [streamid=0]',
      'audio recvonly OPUS/48000/2@97 [streamid=1]',
    ]);
    assert.deepEqual(summary(tracks('ffmpeg_announce_mjpeg_pcmu.sdp')), [
      'video recvonly JPEG/90000/0@26 [streamid=0]',
      'audio recvonly PCMU/8000/1@0 [streamid=1]',
    ]);
  });

  it('a camera labelling every track sendonly from its own side gets ordinary tracks', () => {
    assert.deepEqual(summary(tracks('own_side_sendonly.sdp')), [
      'video recvonly H264/90000/0@99 [trackID=1]',
      'audio recvonly AAC/8000/1@127 [trackID=2]',
    ]);
  });

  it('buggy SDP: the H264 fmtp found in another section, Opus forced to 48000/2, lower-case names', () => {
    const t = tracks('buggy_lf_fmtp_elsewhere.sdp');
    assert.deepEqual(summary(t), [
      'video recvonly H264/90000/0@96 [track0]',
      'audio recvonly PCMU/8000/1@0 OPUS/48000/2@111 [track1]',
    ]);
    assert.match(t[0]?.media.codecs[0]?.fmtp ?? '', /^packetization-mode=1;profile-level-id=4D401E/);
  });
});

describe('mediasToSdp', () => {
  const h264: Codec = {
    name: 'H264',
    clockRate: 90000,
    channels: 0,
    fmtp: 'packetization-mode=1;profile-level-id=4d401e;sprop-parameter-sets=Z01AHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,aOvBksg=',
  };
  const codecs: Array<{ kind: 'video' | 'audio'; codec: Codec }> = [
    { kind: 'video', codec: h264 },
    { kind: 'audio', codec: { name: 'OPUS', clockRate: 48000, channels: 2 } },
    { kind: 'audio', codec: { name: 'PCMA', clockRate: 8000, channels: 1 } },
    { kind: 'audio', codec: { name: 'AAC', clockRate: 16000, channels: 1, fmtp: 'config=1408' } },
    { kind: 'video', codec: { name: 'JPEG', clockRate: 90000, channels: 0 } },
    { kind: 'audio', codec: { name: 'PCM', clockRate: 16000, channels: 2 } },
  ];

  it('writes the description our RTSP server answers DESCRIBE with', () => {
    const text = buildSdp(
      mediasToSdp(
        codecs.map((c, i) => ({ ...c, control: `trackID=${i}` })),
        { attributes: [{ name: 'tool', value: 'ts2rtc' }] },
      ),
    );
    assert.equal(
      text,
      [
        'v=0',
        'o=- 0 0 IN IP4 0.0.0.0',
        's=-',
        'c=IN IP4 0.0.0.0',
        't=0 0',
        'a=tool:ts2rtc',
        'm=video 0 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        `a=fmtp:96 ${h264.fmtp}`,
        'a=control:trackID=0',
        'm=audio 0 RTP/AVP 97',
        'a=rtpmap:97 OPUS/48000/2',
        'a=control:trackID=1',
        'm=audio 0 RTP/AVP 8',
        'a=rtpmap:8 PCMA/8000',
        'a=control:trackID=2',
        'm=audio 0 RTP/AVP 99',
        'a=rtpmap:99 MPEG4-GENERIC/16000',
        'a=fmtp:99 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408',
        'a=control:trackID=3',
        'm=video 0 RTP/AVP 26',
        'a=rtpmap:26 JPEG/90000',
        'a=control:trackID=4',
        'm=audio 0 RTP/AVP 101',
        'a=rtpmap:101 L16/16000/2',
        'a=control:trackID=5',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(summary(sdpToMedias(parseSdp(text))), [
      'video recvonly H264/90000/0@96 [trackID=0]',
      'audio recvonly OPUS/48000/2@97 [trackID=1]',
      'audio recvonly PCMA/8000/1@8 [trackID=2]',
      'audio recvonly AAC/16000/1@99 [trackID=3]',
      'video recvonly JPEG/90000/0@26 [trackID=4]',
      'audio recvonly PCM/16000/2@101 [trackID=5]',
    ]);
  });

  it('explicit payload types and direction attributes; AAC without a config gets one built', () => {
    const session = mediasToSdp([
      {
        kind: 'audio',
        codec: { name: 'PCMU', clockRate: 8000, channels: 1 },
        control: 'back',
        payloadType: 0,
        direction: 'sendonly',
      },
      { kind: 'audio', codec: { name: 'AAC', clockRate: 48000, channels: 2 }, control: 'a', payloadType: 110 },
    ]);
    assert.deepEqual(
      session.medias.map((m) => m.attributes.map((a) => `${a.name}:${a.value ?? ''}`)),
      [
        ['rtpmap:0 PCMU/8000', 'control:back', 'sendonly:'],
        [
          'rtpmap:110 MPEG4-GENERIC/48000/2',
          'fmtp:110 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190',
          'control:a',
        ],
      ],
    );
  });

  it('refuses codecs without an RTP payload format', () => {
    assert.throws(
      () => codecToRtpFormat({ name: 'FLAC', clockRate: 48000, channels: 2 }, 96),
      (e: unknown) => e instanceof SdpError && e.code === 'SDP_UNSUPPORTED_CODEC',
    );
  });
});
