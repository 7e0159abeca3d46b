import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectHttpFormat, detectMagic, httpTarget } from '../../../../addon/src/modules/http/index.js';
import { parseSourceUrl } from '../../../../addon/src/modules/streams/index.js';

describe('modules/http format detection (go2rtc internal/http + pkg/magic)', () => {
  const none = Buffer.alloc(0);
  it('the Content-Type decides first', () => {
    assert.equal(detectHttpFormat('image/jpeg', '/snap.cgi', none), 'jpeg');
    assert.equal(detectHttpFormat('multipart/x-mixed-replace; boundary=x', '/video', none), 'mjpeg');
    assert.equal(detectHttpFormat('application/vnd.apple.mpegurl', '/live', none), 'hls');
    assert.equal(detectHttpFormat('application/x-mpegURL', '/live', none), 'hls');
    assert.equal(detectHttpFormat('text/plain', '/live/index.m3u8', none), 'hls');
  });
  it('then the first bytes', () => {
    assert.equal(detectMagic(Buffer.from('FLV\x01\x05')), 'flv');
    const ts = Buffer.alloc(189);
    ts[0] = 0x47;
    ts[188] = 0x47;
    assert.equal(detectHttpFormat('video/mp2t', '/s', ts), 'mpegts');
    ts[188] = 0;
    assert.equal(detectMagic(ts), undefined);
    assert.equal(detectMagic(Buffer.from('#EXTM3U\n')), 'hls');
    assert.equal(detectMagic(Buffer.from([0xff, 0xd8, 0xff])), 'jpeg');
    assert.equal(detectMagic(Buffer.from('--boundary\r\n')), 'mjpeg');
    assert.equal(detectMagic(Buffer.from('\x00\x00\x00\x20ftypisom')), 'mp4');
    assert.equal(detectMagic(Buffer.from('<html>')), undefined);
  });
  it('httpx: is https without certificate checks; #header= adds request headers, malformed ones are dropped', () => {
    const target = httpTarget(
      parseSourceUrl('httpx://u:p@cam/snap.jpg#header=Authorization: Bearer x#header=Bad Name: y#header=X-A:b'),
    );
    assert.equal(target.url.protocol, 'https:');
    assert.equal(target.verifyTls, false);
    assert.equal(target.url.username, 'u');
    assert.deepEqual(target.headers, [
      ['Authorization', 'Bearer x'],
      ['X-A', 'b'],
    ]);
    assert.equal(httpTarget(parseSourceUrl('https://cam/x')).verifyTls, true);
  });
});
