import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  RtspAuthenticator,
  RtspError,
  RtspReader,
  basicAuthorization,
  basicChallenge,
  buildAuthorization,
  digestChallenge,
  digestResponse,
  parseAuthorization,
  parseRtspUrl,
  parseWwwAuthenticate,
  pickChallenge,
  verifyAuthorization,
  type RtspRequest,
} from '../../../../addon/src/pkg/rtsp/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const requests = (name: string) =>
  new RtspReader().push(fixture(name)).filter((i): i is RtspRequest => i.kind === 'request');
const responses = (name: string) => new RtspReader().push(fixture(name)).filter((i) => i.kind === 'response');

describe('client Digest and Basic against GStreamer (the capture of an accepted session)', () => {
  it('Digest: the Authorization of every request equals what we compute for its method and URI', () => {
    const challenge = parseWwwAuthenticate(
      responses('gst_onvif_digest.server.bin')[1]?.headers.get('www-authenticate') ?? '',
    );
    assert.deepEqual(challenge, {
      scheme: 'Digest',
      realm: 'GStreamer RTSP Server',
      nonce: '717e214cfe13d8d3',
      algorithm: 'MD5',
      qop: [],
      stale: false,
      algorithmNamed: false,
    });
    // The URL's userinfo is percent-encoded: "pa:ss word" travels as pa%3Ass%20word.
    const credentials = parseRtspUrl('rtsp://admin:pa%3Ass%20word@127.0.0.1:18622/cam').credentials;
    assert.deepEqual(credentials, { username: 'admin', password: 'pa:ss word' });
    const signed = requests('gst_onvif_digest.client.bin').filter((r) => r.headers.has('authorization'));
    assert.equal(signed.length, 6);
    for (const r of signed) {
      assert.equal(
        buildAuthorization(challenge, credentials, { method: r.method, uri: r.uri }),
        r.headers.get('authorization'),
        r.method,
      );
    }
    assert.deepEqual(
      responses('gst_onvif_digest.server.bin')
        .slice(2)
        .map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
      'and GStreamer accepted each',
    );
  });

  it('Basic: the header GStreamer accepted', () => {
    const signed = requests('gst_basic.client.bin').filter((r) => r.headers.has('authorization'));
    assert.equal(
      signed[0]?.headers.get('authorization'),
      basicAuthorization({ username: 'admin', password: 'pa:ss word' }),
    );
    assert.equal(responses('gst_basic.server.bin')[2]?.status, 200);
  });
});

describe('server-side verification with real clients', () => {
  it("ffmpeg's Digest answer (MD5, no qop) verifies with the right password and nonce only", () => {
    const header = fixture('ffmpeg_digest_md5.txt')
      .toString()
      .trim()
      .replace(/^Authorization: /, '');
    const ok = {
      username: 'admin',
      password: 'secret',
      realm: 'GStreamer RTSP Server',
      method: 'DESCRIBE',
      validNonce: (n: string) => n === '799808c65a8715f0',
    };
    assert.equal(verifyAuthorization(header, ok), true);
    assert.equal(verifyAuthorization(header, { ...ok, password: 'Secret' }), false);
    assert.equal(verifyAuthorization(header, { ...ok, method: 'PLAY' }), false);
    assert.equal(verifyAuthorization(header, { ...ok, validNonce: () => false }), false);
    const { validNonce: _unused, ...withoutNonceCheck } = ok;
    assert.equal(verifyAuthorization(header, withoutNonceCheck), false, 'Digest needs the nonce check');
  });

  it("ffmpeg's answer to a qop=auth challenge with opaque (quoted algorithm and qop, cnonce, nc)", () => {
    const [request] = requests('ffmpeg_digest_qop.client.bin').filter((r) => r.headers.has('authorization'));
    const header = request?.headers.get('authorization');
    const parsed = parseAuthorization(header);
    assert.ok(parsed?.scheme === 'Digest');
    assert.deepEqual(
      [parsed.qop, parsed.nc, parsed.algorithm, parsed.uri],
      ['auth', '00000001', 'MD5', 'rtsp://127.0.0.1:18630/live'],
    );
    const ok = {
      username: 'admin',
      password: 'pa:ss word',
      realm: 'IP Camera(C1234)',
      method: 'DESCRIBE',
      validNonce: (n: string) => n === 'a1b2c3d4e5f60718',
    };
    assert.equal(verifyAuthorization(header, ok), true);
    assert.equal(verifyAuthorization(header, { ...ok, realm: 'other' }), false);
    // And our client computes the same response ffmpeg did for that challenge.
    const challenge = parseWwwAuthenticate(
      'Digest realm="IP Camera(C1234)", nonce="a1b2c3d4e5f60718", qop="auth", algorithm=MD5, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    assert.ok(challenge);
    const ours = parseAuthorization(
      buildAuthorization(
        challenge,
        { username: 'admin', password: 'pa:ss word' },
        { method: 'DESCRIBE', uri: parsed.uri, cnonce: parsed.cnonce ?? '', nc: 1 },
      ),
    );
    assert.ok(ours?.scheme === 'Digest');
    assert.equal(ours.response, parsed.response);
  });

  it('Basic verification and the challenges a server sends', () => {
    const options = { username: 'u', password: 'p w', realm: 'ts2rtc', method: 'OPTIONS' };
    assert.equal(verifyAuthorization(basicAuthorization({ username: 'u', password: 'p w' }), options), true);
    assert.equal(verifyAuthorization(basicAuthorization({ username: 'u', password: 'p' }), options), false);
    assert.equal(verifyAuthorization(undefined, options), false);
    assert.equal(verifyAuthorization('Bearer x', options), false);
    assert.equal(basicChallenge('ts2rtc'), 'Basic realm="ts2rtc"');
    assert.equal(digestChallenge('ts2rtc', 'abc'), 'Digest realm="ts2rtc", nonce="abc"');
  });
});

describe('Digest computation', () => {
  it('RFC 2617 3.5 example (MD5, qop=auth)', () => {
    const response = digestResponse({
      algorithm: 'MD5',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });

  it('RFC 7616 3.9.1 example (MD5 and SHA-256, qop=auth)', () => {
    const input = {
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth' as const,
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    assert.equal(digestResponse({ ...input, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(
      digestResponse({ ...input, algorithm: 'SHA-256' }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });
});

describe('choosing and answering challenges', () => {
  it('prefers Digest over Basic, SHA-256 over MD5; skips unknown schemes, algorithms and auth-int only', () => {
    assert.equal(pickChallenge(['Basic realm="x"', 'Digest realm="x", nonce="n"'])?.scheme, 'Digest');
    const sha = pickChallenge([
      'Digest realm="x", nonce="1", algorithm=MD5',
      'Digest realm="x", nonce="2", algorithm=SHA-256',
    ]);
    assert.equal(sha?.scheme === 'Digest' && sha.algorithm, 'SHA-256');
    assert.equal(
      pickChallenge(['Digest realm="x", nonce="1", algorithm=SHA-512-256', 'Basic realm="y"'])?.scheme,
      'Basic',
    );
    assert.equal(pickChallenge(['Digest realm="x", nonce="1", qop="auth-int"']), undefined);
    assert.equal(pickChallenge(['Negotiate abc']), undefined);
    assert.throws(
      () => parseWwwAuthenticate('Digest realm="x"'),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_HEADER',
    );
  });

  it('a quoted realm with a comma and an escaped quote', () => {
    const c = parseWwwAuthenticate('Digest realm="Cam, \\"front\\"", nonce="abc", stale=TRUE, opaque="o"');
    assert.ok(c?.scheme === 'Digest');
    assert.deepEqual([c.realm, c.nonce, c.stale, c.opaque], ['Cam, "front"', 'abc', true, 'o']);
    assert.match(
      buildAuthorization(c, { username: 'a"b', password: 'p' }, { method: 'OPTIONS', uri: '*' }),
      /^Digest username="a\\"b", realm="Cam, \\"front\\"", nonce="abc", uri="\*", response="[0-9a-f]{32}", opaque="o"$/,
    );
  });

  it('RtspAuthenticator: one retry per fresh challenge, none when the first answer was refused', () => {
    const auth = new RtspAuthenticator({ username: 'admin', password: 'x' });
    assert.equal(auth.authorization('OPTIONS', '*'), undefined);
    assert.equal(auth.handleChallenge(['Digest realm="r", nonce="1"']), true);
    assert.match(auth.authorization('DESCRIBE', 'rtsp://cam/') ?? '', /^Digest username="admin"/);
    // GStreamer sends a fresh nonce with every 401: refused at first use means wrong credentials.
    assert.equal(auth.handleChallenge(['Digest realm="r", nonce="2"']), false);
    const later = new RtspAuthenticator({ username: 'admin', password: 'x' });
    later.handleChallenge(['Digest realm="r", nonce="1"']);
    later.authorization('DESCRIBE', 'rtsp://cam/');
    later.authorization('SETUP', 'rtsp://cam/t0');
    assert.equal(later.handleChallenge(['Digest realm="r", nonce="3"']), true, 'a nonce that had worked expired');
    assert.equal(
      later.handleChallenge(['Digest realm="r", nonce="4", stale=true']),
      true,
      'stale always earns a retry',
    );
    assert.equal(later.handleChallenge([]), false);
  });

  it('qop=auth counts nonce uses', () => {
    const auth = new RtspAuthenticator({ username: 'u', password: 'p' });
    auth.handleChallenge(['Digest realm="r", nonce="n", qop="auth,auth-int"']);
    assert.match(auth.authorization('OPTIONS', '*') ?? '', /qop=auth, nc=00000001, cnonce="[0-9a-f]{16}"$/);
    assert.match(auth.authorization('OPTIONS', '*') ?? '', /nc=00000002/);
  });
});
