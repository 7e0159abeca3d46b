import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  collectAdvertisements,
  discoveryUrl,
  formatHomekitUrl,
  formatPin,
  HapError,
  parseHomekitTarget,
  parseHomekitUrl,
} from '../../../../addon/src/pkg/hap/index.js';

const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUB = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const DEVICE = 'ab'.repeat(32);
const URL_TEXT = `homekit://192.168.1.20:51826?client_id=0B1C2D3E-AAAA-BBBB-CCCC-0123456789AB&client_private=${SEED}${PUB}&device_id=CC:22:3D:E3:CE:F6&device_public=${DEVICE}`;

describe('pkg/hap homekit:// URLs', () => {
  it("reads and writes go2rtc's paired URL byte for byte", () => {
    const url = parseHomekitUrl(URL_TEXT);
    assert.equal(url.host, '192.168.1.20');
    assert.equal(url.port, 51826);
    assert.equal(url.pairing.controller.id, '0B1C2D3E-AAAA-BBBB-CCCC-0123456789AB');
    assert.equal(url.pairing.controller.keys.seed.toString('hex'), SEED);
    assert.equal(url.pairing.controller.keys.publicKey.toString('hex'), PUB);
    assert.equal(url.pairing.accessory.id, 'CC:22:3D:E3:CE:F6');
    assert.equal(formatHomekitUrl(url), URL_TEXT);
  });

  it('a 32-byte client_private (seed only) derives the public key', () => {
    assert.equal(
      parseHomekitUrl(URL_TEXT.replace(`${SEED}${PUB}`, SEED)).pairing.controller.keys.publicKey.toString('hex'),
      PUB,
    );
  });

  it('refuses unpaired or broken URLs with HAP_URL_INVALID', () => {
    for (const bad of [
      'homekit://1.2.3.4:51826?device_id=AA',
      'homekit://1.2.3.4?client_id=a',
      URL_TEXT.replace(DEVICE, 'xyz'),
      URL_TEXT.replace(PUB, PUB.slice(2)),
      'rtsp://x',
    ]) {
      assert.throws(
        () => parseHomekitUrl(bad),
        (err: unknown) => err instanceof HapError && err.code === 'HAP_URL_INVALID',
        bad,
      );
    }
    assert.deepEqual(parseHomekitTarget('homekit://10.0.0.5:5001?device_id=AA:BB&feature=0&status=1'), {
      host: '10.0.0.5',
      port: 5001,
      deviceId: 'AA:BB',
    });
  });

  it('setup codes', () => {
    assert.equal(formatPin('03145154'), '031-45-154');
    assert.equal(formatPin('031-45-154'), '031-45-154');
    assert.equal(formatPin('1234'), undefined);
  });
});

describe('pkg/hap mDNS discovery', () => {
  const txt = [
    'c#=2',
    'ff=0',
    'id=CC:22:3D:E3:CE:F6',
    'md=Default-Model',
    'pv=1.1',
    's#=1',
    'sf=1',
    'ci=17',
    'sh=vyI0KQ==',
  ].map((s) => Buffer.from(s));
  it('folds PTR/SRV/TXT/A records into accessories (as HAP-NodeJS answers)', () => {
    const records = [
      { name: '_hap._tcp.local', type: 'PTR', data: 'Cam 5BA5._hap._tcp.local' },
      {
        name: 'Cam 5BA5._hap._tcp.local',
        type: 'SRV',
        data: { priority: 0, weight: 0, port: 35095, target: 'Cam-5BA5.local' },
      },
      { name: 'Cam 5BA5._hap._tcp.local', type: 'TXT', data: txt },
      { name: 'Cam-5BA5.local', type: 'A', data: '192.168.1.30' },
      { name: 'Lamp._hap._tcp.local', type: 'SRV', data: { port: 1, target: 'lamp.local' } },
      { name: 'other._ipp._tcp.local', type: 'TXT', data: [] },
    ];
    const found = collectAdvertisements(records, () => undefined);
    assert.equal(found.length, 1);
    assert.deepEqual(
      { ...found[0], txt: undefined },
      { name: 'Cam 5BA5', host: '192.168.1.30', port: 35095, txt: undefined },
    );
    assert.equal(
      discoveryUrl(found[0]!),
      'homekit://192.168.1.30:35095?device_id=CC:22:3D:E3:CE:F6&feature=0&status=1',
    );
  });

  it("uses the responder's address when there is no A record, and skips incomplete instances", () => {
    const records = [
      { name: 'Cam._hap._tcp.local', type: 'SRV', data: { port: 5000, target: 'x.local' } },
      { name: 'Cam._hap._tcp.local', type: 'TXT', data: txt },
      { name: 'NoTxt._hap._tcp.local', type: 'SRV', data: { port: 5000, target: 'y.local' } },
      { name: 'Bad._hap._tcp.local', type: 'SRV', data: 'garbage' },
    ];
    const found = collectAdvertisements(records, (instance) =>
      instance === 'Cam._hap._tcp.local' ? '127.0.0.1' : undefined,
    );
    assert.deepEqual(
      found.map((f) => `${f.name} ${f.host}:${f.port} ${f.txt.md}`),
      ['Cam 127.0.0.1:5000 Default-Model'],
    );
  });
});
