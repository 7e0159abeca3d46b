import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  formatOf,
  matchTracks,
  playableTracks,
  selectTracks,
} from '../../../../../addon/src/pkg/rtsp/client/tracks.js';
import { mediaToString } from '../../../../../addon/src/core/media.js';
import { sdpToMedias, type SdpTrack } from '../../../../../addon/src/pkg/sdp/media.js';
import { parseSdp } from '../../../../../addon/src/pkg/sdp/parse.js';

const fixture = (name: string): SdpTrack[] =>
  sdpToMedias(parseSdp(readFileSync(new URL(`../../../../unit/pkg/sdp/fixtures/${name}`, import.meta.url))));

const describeTracks = (tracks: readonly SdpTrack[]) => tracks.map((t) => `${mediaToString(t.media)} @${t.control}`);

describe('rtsp client track selection', () => {
  it('Dahua ONVIF: the backchannel is a sendonly media with PCMA, PCMU and AAC; metadata is not offered', () => {
    const tracks = playableTracks(selectTracks(fixture('dahua_onvif_backchannel.sdp'), { backchannel: true }));
    assert.deepEqual(describeTracks(tracks), [
      'video, recvonly, H264 @trackID=0',
      'audio, recvonly, AAC/16000 @trackID=1',
      'audio, sendonly, PCMA/8000, PCMU/8000, AAC/16000 @trackID=5',
    ]);
  });

  it('without the backchannel the sendonly section is dropped; #media keeps only the kinds named', () => {
    const all = fixture('dahua_onvif_backchannel.sdp');
    assert.deepEqual(describeTracks(selectTracks(all, { backchannel: false })), [
      'video, recvonly, H264 @trackID=0',
      'audio, recvonly, AAC/16000 @trackID=1',
    ]);
    assert.deepEqual(describeTracks(selectTracks(all, { backchannel: true, media: 'video' })), [
      'video, recvonly, H264 @trackID=0',
    ]);
    assert.deepEqual(
      describeTracks(selectTracks(all, { backchannel: true, media: 'audio' })).map((s) => s.split(',')[1]?.trim()),
      ['recvonly', 'sendonly'],
    );
    assert.equal(selectTracks(all, { backchannel: true, media: 'video,audio' }).length, 3);
  });

  it('formatOf finds the payload type and fmtp of a codec the hub matched', () => {
    const back = playableTracks(fixture('dahua_onvif_backchannel.sdp'))[2];
    assert.ok(back);
    assert.equal(formatOf(back, { name: 'PCMU', clockRate: 8000, channels: 1 })?.payloadType, 0);
    assert.equal(formatOf(back, { name: 'PCMA', clockRate: 8000, channels: 1, payloadType: 8 })?.payloadType, 8);
    assert.match(formatOf(back, { name: 'AAC', clockRate: 16000, channels: 1 })?.fmtp ?? '', /config=1408/);
    assert.equal(formatOf(back, { name: 'OPUS', clockRate: 48000, channels: 2 }), undefined);
  });

  it('playableTracks drops codecs without a depacketizer (or packetizer) and tracks left empty', () => {
    const [video] = fixture('hikvision_h264_pcma.sdp');
    assert.ok(video);
    const withVp8: SdpTrack = {
      ...video,
      media: {
        ...video.media,
        codecs: [{ name: 'VP8', clockRate: 90000, channels: 0, payloadType: 97 }, ...video.media.codecs],
      },
      formats: [{ payloadType: 97, encodingName: 'VP8', clockRate: 90000, channels: 0 }, ...video.formats],
      payloadType: 97,
    };
    const onlyVp8: SdpTrack = {
      ...withVp8,
      media: { ...withVp8.media, codecs: withVp8.media.codecs.slice(0, 1) },
      formats: withVp8.formats.slice(0, 1),
    };
    const out = playableTracks([withVp8, onlyVp8]);
    assert.equal(out.length, 1);
    assert.deepEqual(
      out[0]?.media.codecs.map((c) => c.name),
      ['H264'],
    );
    assert.equal(out[0]?.payloadType, 96);
  });

  it('matchTracks: by control, else by position among tracks of the same kind and direction', () => {
    const before = fixture('dahua_onvif_backchannel.sdp');
    // The same camera without the backchannel, its controls renamed, and the audio listed first.
    const renamed = selectTracks(before, { backchannel: false }).map((t, i) => ({ ...t, control: `stream=${i}` }));
    const after = [renamed[1]!, renamed[0]!];
    assert.deepEqual(matchTracks(before, after), [1, 0, -1]);
    assert.deepEqual(matchTracks(before, before), [0, 1, 2]);
    assert.deepEqual(matchTracks([undefined, before[1]], before), [-1, 1]);
  });
});
