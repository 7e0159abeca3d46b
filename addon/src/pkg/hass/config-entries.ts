import { HassStorageError } from './errors.js';

/** A camera Home Assistant set up that we can stream: its entry title and the URL it stands for. */
export interface HassCamera {
  readonly title: string;
  readonly domain: 'generic' | 'homekit_controller';
  readonly url: string;
}

export interface ConfigEntriesResult {
  readonly cameras: HassCamera[];
  /** Entries of those domains that gave no URL, with why (for the log, never with secrets). */
  readonly skipped: string[];
}

/** The file is a few hundred KiB on a large install; far more is not a config entries file. */
export const MAX_STORAGE_BYTES = 32 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads `<config>/.storage/core.config_entries` (`{"data":{"entries":[{domain,title,data,options}]}}`) as
 * go2rtc's hass module does:
 * - `generic`: `options.stream_source` (the config flow's place since 2022), else `data.stream_source` (older
 *   entries, imported from YAML); an entry with only a still image gives no stream.
 * - `homekit_controller` with pairing keys (`data.iOSPairingId`): go2rtc's `homekit://` URL, byte for byte
 *   (`client_private` is the LTSK and LTPK concatenated). The host is `AccessoryIP`, or the first of
 *   `AccessoryIPs` that newer aiohomekit versions store.
 * Titles are the stream names; the first entry with a title wins, later ones are skipped. Pure: text in.
 */
export function parseConfigEntries(content: string): ConfigEntriesResult {
  let json: unknown;
  try {
    json = JSON.parse(content) as unknown;
  } catch (err) {
    throw new HassStorageError(
      'HASS_STORAGE_INVALID',
      `not JSON: ${err instanceof Error ? err.message : 'parse error'}`,
    );
  }
  const entries = isRecord(json) && isRecord(json.data) ? json.data.entries : undefined;
  if (!Array.isArray(entries)) throw new HassStorageError('HASS_STORAGE_INVALID', 'no data.entries list');
  const cameras: HassCamera[] = [];
  const skipped: string[] = [];
  const titles = new Set<string>();
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const domain = entry.domain;
    if (domain !== 'generic' && domain !== 'homekit_controller') continue;
    const title = text(entry, 'title');
    if (!title) {
      skipped.push(`${domain} entry without a title`);
      continue;
    }
    const data = isRecord(entry.data) ? entry.data : undefined;
    const options = isRecord(entry.options) ? entry.options : undefined;
    const url =
      domain === 'generic' ? (text(options, 'stream_source') ?? text(data, 'stream_source')) : homekitUrl(data);
    if (!url) {
      skipped.push(`${domain} "${title}": ${domain === 'generic' ? 'no stream_source' : 'no pairing keys'}`);
      continue;
    }
    if (titles.has(title)) {
      skipped.push(`${domain} "${title}": another entry has the same title`);
      continue;
    }
    titles.add(title);
    cameras.push({ title, domain, url });
  }
  return { cameras, skipped };
}

/** go2rtc's format: `homekit://<ip>:<port>?client_id=…&client_private=<LTSK><LTPK>&device_id=…&device_public=…`. */
export function homekitUrl(data: Record<string, unknown> | undefined): string | undefined {
  const clientId = text(data, 'iOSPairingId');
  if (!data || !clientId) return undefined;
  const ips = data.AccessoryIPs;
  const host = text(data, 'AccessoryIP') ?? (Array.isArray(ips) && typeof ips[0] === 'string' ? ips[0] : undefined);
  const port = data.AccessoryPort;
  if (!host || typeof port !== 'number' || !Number.isInteger(port)) return undefined;
  const field = (key: string): string => text(data, key) ?? '';
  return (
    `homekit://${host}:${port}?client_id=${clientId}&client_private=${field('iOSDeviceLTSK')}${field('iOSDeviceLTPK')}` +
    `&device_id=${field('AccessoryPairingID')}&device_public=${field('AccessoryLTPK')}`
  );
}
