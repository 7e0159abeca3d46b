import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RtspError,
  RtspHeaders,
  normalizeRtspUrl,
  parseRequestUri,
  parseRtspUrl,
  rtspBaseUrl,
  stripUserinfo,
} from '../../../../addon/src/pkg/rtsp/index.js';

describe('RTSP URLs', () => {
  it('splits userinfo off, percent-decoded, and fills default ports', () => {
    assert.deepEqual(parseRtspUrl('rtsp://admin:p%40ss%3Aw%20rd@192.168.1.123/cam/realmonitor?channel=1&subtype=0'), {
      url: 'rtsp://192.168.1.123/cam/realmonitor?channel=1&subtype=0',
      secure: false,
      host: '192.168.1.123',
      port: 554,
      credentials: { username: 'admin', password: 'p@ss:w rd' },
    });
    assert.deepEqual(parseRtspUrl('rtsps://cam.local/live'), {
      url: 'rtsps://cam.local/live',
      secure: true,
      host: 'cam.local',
      port: 554,
    });
    assert.equal(parseRtspUrl('rtsp://[fe80::1]:8554/x').host, 'fe80::1');
    assert.deepEqual(parseRtspUrl('rtsp://user@cam/x').credentials, { username: 'user', password: '' });
    assert.deepEqual(
      parseRtspUrl('rtsp://a:b%zz@cam/x').credentials,
      { username: 'a', password: 'b%zz' },
      'a stray % is kept',
    );
    // An unencoded @ in the password: the last @ ends the userinfo.
    assert.deepEqual(parseRtspUrl('rtsp://admin:pa@ss@cam/x').credentials, { username: 'admin', password: 'pa@ss' });
  });

  it('rejects other schemes and non-URLs', () => {
    const code = (raw: string) =>
      assert.throws(
        () => parseRtspUrl(raw),
        (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_URL',
      );
    code('http://cam/x');
    code('not a url');
    code('rtsp:///nohost');
  });

  it('repairs the URLs cameras send in Content-Base', () => {
    assert.equal(normalizeRtspUrl('rtsp://rtsp://turret2-cam.lan:554/stream1/'), 'rtsp://turret2-cam.lan:554/stream1/');
    assert.equal(
      normalizeRtspUrl('rtsp://::ffff:192.168.1.123/onvif/profile.1/'),
      'rtsp://[::ffff:192.168.1.123]/onvif/profile.1/',
    );
    assert.equal(parseRtspUrl('rtsp://::ffff:192.168.1.123/onvif/profile.1/').host, '::ffff:c0a8:17b');
  });

  it('the base for controls: Content-Base, else Content-Location, else the request URL, without userinfo', () => {
    assert.equal(
      rtspBaseUrl('rtsp://cam/live', new RtspHeaders({ 'Content-Base': 'rtsp://u:p@cam/live/' })),
      'rtsp://cam/live/',
    );
    assert.equal(
      rtspBaseUrl('rtsp://cam/live', new RtspHeaders({ 'Content-Location': 'rtsp://cam/other/' })),
      'rtsp://cam/other/',
    );
    assert.equal(rtspBaseUrl('rtsp://cam/live', new RtspHeaders()), 'rtsp://cam/live');
    assert.equal(stripUserinfo('rtsp://admin:secret@cam/x?y=1'), 'rtsp://cam/x?y=1');
  });

  it('what a server reads from a request URI: stream path and query', () => {
    const a = parseRequestUri('rtsp://127.0.0.1:8554/camera1?video&audio=all');
    assert.equal(a.path, 'camera1');
    assert.deepEqual(
      [...a.query],
      [
        ['video', ''],
        ['audio', 'all'],
      ],
    );
    const b = parseRequestUri('rtsp://host:8554/my%20cam/trackID=0');
    assert.equal(b.path, 'my cam/trackID=0');
    assert.equal(parseRequestUri('/plain?x=1').path, 'plain');
  });
});
