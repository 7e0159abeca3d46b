import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestAuthorization, parseDigestChallenge } from '../../../../addon/src/modules/http/digest.js';

describe('modules/http Digest auth (RFC 2617 / 7616)', () => {
  it('answers the RFC 2617 §3.5 example exactly', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    assert.deepEqual(challenge, {
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: 'MD5',
    });
    const header = digestAuthorization(challenge!, {
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      nc: 1,
      cnonce: '0a4f113b',
    });
    assert.match(header, /response="6629fae49393a05397450978507c4ef1"/);
    assert.match(header, /nc=00000001, cnonce="0a4f113b"/);
    assert.match(header, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);
  });

  it('RFC 7616 §3.9.1 SHA-256 example', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    const header = digestAuthorization(challenge!, {
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle of Life',
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    assert.match(header, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
  });

  it('finds Digest among several challenges; ignores Basic and unknown algorithms', () => {
    assert.equal(parseDigestChallenge(['Basic realm="x"', 'Digest realm="cam", nonce="n1"'])?.nonce, 'n1');
    assert.equal(parseDigestChallenge('Basic realm="x"'), undefined);
    assert.equal(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256'), undefined);
    assert.equal(parseDigestChallenge('Digest realm="x"'), undefined);
    // Without qop: RFC 2069 response, no nc/cnonce.
    const header = digestAuthorization(parseDigestChallenge('Digest realm="cam", nonce="abc"')!, {
      method: 'GET',
      uri: '/snap.jpg',
      username: 'u',
      password: 'p',
      nc: 1,
    });
    assert.doesNotMatch(header, /nc=/);
  });
});
