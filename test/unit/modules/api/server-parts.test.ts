import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { humanBytes } from '../../../../addon/src/modules/api/dot.js';
import { maskSecrets } from '../../../../addon/src/modules/api/errors.js';
import { normalizeBasePath } from '../../../../addon/src/modules/api/index.js';
import { isLoopback } from '../../../../addon/src/modules/api/middleware.js';
import { parseMediaQuery } from '../../../../addon/src/modules/api/probe.js';
import { checkOrigin } from '../../../../addon/src/modules/api/ws.js';

describe('normalizeBasePath', () => {
  it('gives "" or /prefix without a trailing slash', () => {
    assert.equal(normalizeBasePath(''), '');
    assert.equal(normalizeBasePath('/'), '');
    assert.equal(normalizeBasePath('go2rtc'), '/go2rtc');
    assert.equal(normalizeBasePath('/go2rtc/'), '/go2rtc');
  });
});

describe('isLoopback', () => {
  it('matches go2rtc: 127.*, ::1 and unix sockets (no address)', () => {
    for (const yes of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', undefined])
      assert.equal(isLoopback(yes), true, String(yes));
    for (const no of ['192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '10.127.0.1'])
      assert.equal(isLoopback(no), false, no);
  });
});

describe('checkOrigin', () => {
  const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as IncomingMessage;
  it('with origin unset: no Origin, same host, or same host without the port', () => {
    assert.equal(checkOrigin(req({ host: 'cam:1984' }), ''), true);
    assert.equal(checkOrigin(req({ host: 'cam:1984', origin: 'http://cam:1984' }), ''), true);
    assert.equal(checkOrigin(req({ host: 'cam', origin: 'http://cam:8123' }), ''), true);
    assert.equal(checkOrigin(req({ host: 'cam:1984', origin: 'http://evil.example' }), ''), false);
    assert.equal(checkOrigin(req({ host: 'cam:1984', origin: 'not a url' }), ''), false);
  });
  it('"*" allows any origin; another value is a strict same-host check', () => {
    assert.equal(checkOrigin(req({ host: 'cam:1984', origin: 'http://evil.example' }), '*'), true);
    assert.equal(checkOrigin(req({ host: 'cam', origin: 'http://cam:8123' }), 'https://x'), false);
    assert.equal(checkOrigin(req({ host: 'cam:1984', origin: 'http://cam:1984' }), 'https://x'), true);
  });
});

describe('maskSecrets', () => {
  it('hides URL userinfo as go2rtc 1.9.14 does', () => {
    assert.equal(
      maskSecrets('rtsp://admin:p%40ss@10.0.0.2/1 and http://u@h/'),
      'rtsp://***@10.0.0.2/1 and http://***@h/',
    );
    assert.equal(maskSecrets('{"url":"rtsp://10.0.0.2/1"}'), '{"url":"rtsp://10.0.0.2/1"}');
  });
});

describe('parseMediaQuery', () => {
  it('reads video/audio/microphone like go2rtc core.ParseQuery plus the probe', () => {
    const medias = parseMediaQuery(new URLSearchParams('video&audio=aac,pcma&microphone=opus&video=all&other=1'));
    assert.deepEqual(
      medias.map((m) => [m.kind, m.direction, m.codecs.map((c) => c.name).join(',')]),
      [
        ['video', 'sendonly', 'ANY'],
        ['audio', 'sendonly', 'AAC,PCMA'],
        ['video', 'sendonly', 'ANY'],
        ['audio', 'recvonly', 'OPUS'],
      ],
    );
  });
});

describe('humanBytes', () => {
  it('uses decimal units with two decimals', () => {
    assert.equal(humanBytes(999), '999 B');
    assert.equal(humanBytes(1234), '1.23 KB');
    assert.equal(humanBytes(4_560_000), '4.56 MB');
  });
});
