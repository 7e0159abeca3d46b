/** `_hap._tcp.local`: the mDNS service HomeKit accessories announce over IP. */
export const HAP_SERVICE = '_hap._tcp.local';

/** Categories (`ci`) that are cameras: IP camera and video doorbell. */
export const CAMERA_CATEGORIES = new Set(['17', '18']);

/** One mDNS record as `multicast-dns` hands it over (the fields we read). */
export interface MdnsRecord {
  readonly name: string;
  readonly type: string;
  readonly data?: unknown;
}

/** A HAP accessory seen over mDNS. */
export interface HapAdvertisement {
  /** The instance name (`Front Door 5BA5`), without the service suffix. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** TXT keys: `id` (device id), `md` (model), `ci` (category), `sf` (1 = not paired), `ff`, `c#`, `s#`, `pv`. */
  readonly txt: Readonly<Record<string, string>>;
}

/**
 * Folds mDNS records (answers and additionals of any number of responses) into accessories. An instance
 * needs its SRV (port, target) and TXT; the address is the target's A/AAAA record, else `fallbackAddress`
 * (the responder's source address). Pure; records of other services and malformed data are ignored.
 */
export function collectAdvertisements(
  records: readonly MdnsRecord[],
  fallbackAddress: (instance: string) => string | undefined,
): HapAdvertisement[] {
  const suffix = `.${HAP_SERVICE}`;
  const instances = new Set<string>();
  const srv = new Map<string, { port: number; target: string }>();
  const txt = new Map<string, Record<string, string>>();
  const addresses = new Map<string, string>();
  for (const record of records) {
    const name = typeof record.name === 'string' ? record.name : '';
    if (record.type === 'PTR' && name.toLowerCase() === HAP_SERVICE && typeof record.data === 'string')
      instances.add(record.data);
    if (!name.toLowerCase().endsWith(suffix) && record.type !== 'A' && record.type !== 'AAAA') continue;
    if (record.type === 'SRV' && isSrv(record.data))
      srv.set(name, { port: record.data.port, target: record.data.target });
    if (record.type === 'TXT') txt.set(name, parseTxt(record.data));
    if (
      (record.type === 'A' || record.type === 'AAAA') &&
      typeof record.data === 'string' &&
      !addresses.has(name.toLowerCase())
    ) {
      addresses.set(name.toLowerCase(), record.data);
    }
  }
  for (const name of [...srv.keys(), ...txt.keys()]) instances.add(name);
  const out: HapAdvertisement[] = [];
  for (const instance of instances) {
    const s = srv.get(instance);
    const t = txt.get(instance);
    if (!s || !t || !(s.port > 0)) continue;
    const host = addresses.get(s.target.toLowerCase()) ?? fallbackAddress(instance);
    if (!host) continue;
    out.push({ name: instance.slice(0, instance.length - suffix.length), host, port: s.port, txt: t });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function isSrv(data: unknown): data is { port: number; target: string } {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { port?: unknown }).port === 'number' &&
    typeof (data as { target?: unknown }).target === 'string'
  );
}

function parseTxt(data: unknown): Record<string, string> {
  const entries = Array.isArray(data) ? data : [data];
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const text = Buffer.isBuffer(entry) ? entry.toString('utf8') : typeof entry === 'string' ? entry : '';
    const eq = text.indexOf('=');
    if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** go2rtc's discovery URL for an accessory: `homekit://host:port?device_id=…&feature=…&status=…`. */
export function discoveryUrl(ad: HapAdvertisement): string {
  const host = ad.host.includes(':') ? `[${ad.host}]` : ad.host;
  return `homekit://${host}:${ad.port}?device_id=${ad.txt.id ?? ''}&feature=${ad.txt.ff ?? ''}&status=${ad.txt.sf ?? ''}`;
}
