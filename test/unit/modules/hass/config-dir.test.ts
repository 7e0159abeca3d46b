import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveHassConfigDir } from '../../../../addon/src/modules/hass/index.js';

describe('modules/hass config folder', () => {
  const only =
    (...dirs: string[]) =>
    (p: string): boolean =>
      dirs.includes(p);
  it('hass.config wins, relative to the cwd (go2rtc)', () => {
    assert.deepEqual(resolveHassConfigDir('/srv/ha', '/work', only()), { dir: '/srv/ha', explicit: true });
    assert.deepEqual(resolveHassConfigDir('ha', '/work', only()), { dir: '/work/ha', explicit: true });
  });
  it('default: the add-on map /homeassistant, then /config, then the cwd', () => {
    assert.deepEqual(resolveHassConfigDir('', '/work', only('/homeassistant/.storage', '/config/.storage')), {
      dir: '/homeassistant',
      explicit: false,
    });
    assert.deepEqual(resolveHassConfigDir('', '/work', only('/config/.storage')), { dir: '/config', explicit: false });
    assert.deepEqual(resolveHassConfigDir('  ', '/work', only()), { dir: '/work', explicit: false });
  });
});
