import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where the add-on finds Home Assistant's config folder (`map: homeassistant_config` in addon/config.yaml). */
export const ADDON_HASS_DIR = '/homeassistant';
/** The legacy add-on map (`config`), and go2rtc's own Docker image, where the cwd is `/config`. */
export const LEGACY_HASS_DIR = '/config';

export interface HassConfigDir {
  /** The folder holding `.storage/`. */
  readonly dir: string;
  /** True when `hass.config` named it: then a missing file is a warning, not a normal standalone start. */
  readonly explicit: boolean;
}

/**
 * `hass.config` as go2rtc reads it (a folder, relative to the cwd), with a default that works in the add-on
 * and standalone: the first of `/homeassistant` (the add-on's map), `/config` (legacy map, go2rtc's image)
 * that has a `.storage` folder, else the cwd (go2rtc's own default: `.storage/core.config_entries` relative
 * to where it runs, which is how a standalone server next to Home Assistant's config finds it).
 */
export function resolveHassConfigDir(
  configured: string,
  cwd: string,
  exists: (p: string) => boolean = existsSync,
): HassConfigDir {
  if (configured.trim() !== '') return { dir: path.resolve(cwd, configured.trim()), explicit: true };
  for (const dir of [ADDON_HASS_DIR, LEGACY_HASS_DIR]) {
    if (exists(path.join(dir, '.storage'))) return { dir, explicit: false };
  }
  return { dir: cwd, explicit: false };
}

export function configEntriesPath(dir: string): string {
  return path.join(dir, '.storage', 'core.config_entries');
}
