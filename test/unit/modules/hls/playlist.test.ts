import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { masterPlaylist, mediaPlaylist, mimeCodecs } from '../../../../addon/src/modules/hls/playlist.js';

describe('hls playlists', () => {
  it('master: go2rtc shape, relative variant URI, fLaC spelled for HLS', () => {
    assert.equal(
      masterPlaylist(['avc1.4d401e', 'flac'], 'Ab3dEf7h'),
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=192000,CODECS="avc1.4d401e,fLaC"\nhls/playlist.m3u8?id=Ab3dEf7h\n',
    );
  });

  it('fMP4 media playlist: version 6, map, sequence of the first segment, EXTINF to the millisecond', () => {
    const text = mediaPlaylist({
      format: 'fmp4',
      sessionId: 'id1',
      targetDuration: 1,
      nextSequence: 9,
      segments: [
        { sequence: 7, duration: 1 },
        { sequence: 8, duration: 0.52 },
      ],
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:6',
        '#EXT-X-TARGETDURATION:1',
        '#EXT-X-MEDIA-SEQUENCE:7',
        '#EXT-X-MAP:URI="init.mp4?id=id1"',
        '#EXTINF:1.000,',
        'segment.m4s?id=id1&n=7',
        '#EXTINF:0.520,',
        'segment.m4s?id=id1&n=8',
        '',
      ].join('\n'),
    );
  });

  it('MPEG-TS media playlist: version 3, no map, .ts URIs; an empty window names the next sequence', () => {
    assert.equal(
      mediaPlaylist({
        format: 'mpegts',
        sessionId: 'x',
        targetDuration: 2,
        nextSequence: 3,
        segments: [{ sequence: 3, duration: 1.9996 }],
      }),
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:2.000,\nsegment.ts?id=x&n=3\n',
    );
    assert.equal(
      mediaPlaylist({ format: 'mpegts', sessionId: 'x', targetDuration: 1, nextSequence: 5, segments: [] }),
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:5\n',
    );
  });

  it('reads the codecs of a MIME type', () => {
    assert.deepEqual(mimeCodecs('video/mp4; codecs="avc1.640029,mp4a.40.2"'), ['avc1.640029', 'mp4a.40.2']);
    assert.deepEqual(mimeCodecs('video/mp4'), []);
  });
});
