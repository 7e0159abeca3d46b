import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HassStorageError, parseConfigEntries } from '../../../../addon/src/pkg/hass/index.js';

/** A `core.config_entries` in the shape Home Assistant 2025.x writes (keys and values made up). */
const FIXTURE = readFileSync(new URL('./fixtures/core.config_entries', import.meta.url), 'utf8');

describe('pkg/hass parseConfigEntries', () => {
  it('takes generic cameras (options, or data in older entries) and paired HomeKit cameras, by title', () => {
    const { cameras, skipped } = parseConfigEntries(FIXTURE);
    assert.deepEqual(cameras, [
      { title: 'Front Door', domain: 'generic', url: 'rtsp://admin:pw@192.0.2.10:554/stream1' },
      { title: 'Garage (old entry)', domain: 'generic', url: 'http://192.0.2.11/video.mjpg' },
      {
        title: 'Doorbell HomeKit',
        domain: 'homekit_controller',
        // go2rtc's exact format: client_private = LTSK followed by LTPK.
        url: 'homekit://192.0.2.20:51826?client_id=8f1d2c3b-aaaa-bbbb-cccc-000000000001&client_private=c1l2i3e4n5t6s7k8c1l2i3e4n5t6p7k8&device_id=AA:BB:CC:DD:EE:FF&device_public=d1e2v3i4c5e6p7u8b9',
      },
    ]);
    assert.deepEqual(skipped, [
      'generic "Still only": no stream_source',
      'homekit_controller "Unpaired sensor": no pairing keys',
    ]);
  });

  it('the first entry with a title wins; later ones are skipped and said so', () => {
    const json = {
      data: {
        entries: [
          { domain: 'generic', title: 'A', options: { stream_source: 'rtsp://one' } },
          { domain: 'generic', title: 'A', options: { stream_source: 'rtsp://two' } },
        ],
      },
    };
    const result = parseConfigEntries(JSON.stringify(json));
    assert.deepEqual(
      result.cameras.map((c) => c.url),
      ['rtsp://one'],
    );
    assert.equal(result.skipped.length, 1);
  });

  it('HomeKit: AccessoryIPs (newer aiohomekit) when AccessoryIP is absent', () => {
    const json = {
      data: {
        entries: [
          {
            domain: 'homekit_controller',
            title: 'H',
            data: { iOSPairingId: 'c', AccessoryIPs: ['192.0.2.5'], AccessoryPort: 8080 },
          },
        ],
      },
    };
    assert.match(
      parseConfigEntries(JSON.stringify(json)).cameras[0]?.url ?? '',
      /^homekit:\/\/192\.0\.2\.5:8080\?client_id=c&/,
    );
  });

  it('malformed files are HASS_STORAGE_INVALID; odd entries are ignored', () => {
    for (const bad of ['{not json', '[]', '{"data":{}}', '{"data":{"entries":{}}}', '']) {
      assert.throws(
        () => parseConfigEntries(bad),
        (err: unknown) => err instanceof HassStorageError && err.code === 'HASS_STORAGE_INVALID',
        bad,
      );
    }
    assert.deepEqual(
      parseConfigEntries(
        '{"data":{"entries":[null,1,"x",{"domain":"generic"},{"domain":"generic","title":"T","options":[]}]}}',
      ).cameras,
      [],
    );
  });
});
