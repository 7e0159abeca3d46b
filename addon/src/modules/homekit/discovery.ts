import makeMdns from 'multicast-dns';
import {
  CAMERA_CATEGORIES,
  collectAdvertisements,
  HAP_SERVICE,
  type HapAdvertisement,
  type MdnsRecord,
} from '../../pkg/hap/index.js';
import { HomekitError } from './errors.js';

/** How long a browse listens for answers: accessories answer within ~100 ms-1 s (they delay randomly). */
export const BROWSE_MS = 1500;

/**
 * Asks `_hap._tcp.local` once (twice, in case the first query is lost) and collects the answers for
 * `durationMs`: the HomeKit accessories on the network, cameras and doorbells only unless `all`.
 * HOMEKIT_DISCOVERY_FAILED when mDNS cannot run here (no multicast route, port in use without reuse).
 */
export async function browseHap(options: { durationMs?: number; all?: boolean } = {}): Promise<HapAdvertisement[]> {
  const records: MdnsRecord[] = [];
  const sources = new Map<string, string>();
  let failure: Error | undefined;
  const mdns = makeMdns();
  mdns.on('response', (packet: { answers?: MdnsRecord[]; additionals?: MdnsRecord[] }, rinfo: { address: string }) => {
    for (const record of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
      records.push(record);
      if (typeof record.name === 'string' && !sources.has(record.name)) sources.set(record.name, rinfo.address);
    }
  });
  mdns.on('error', (err: Error) => {
    failure ??= err;
  });
  mdns.on('warning', () => undefined);
  const query = (): void =>
    mdns.query({ questions: [{ name: HAP_SERVICE, type: 'PTR' }] }, (err?: Error | null) => {
      if (err) failure ??= err;
    });
  try {
    query();
    const duration = options.durationMs ?? BROWSE_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.min(300, duration / 3)));
    query();
    await new Promise((resolve) => setTimeout(resolve, duration - Math.min(300, duration / 3)));
  } finally {
    mdns.destroy();
  }
  const found = collectAdvertisements(records, (instance) => sources.get(instance));
  if (found.length === 0 && failure)
    throw new HomekitError('HOMEKIT_DISCOVERY_FAILED', `mDNS: ${failure.message}`, { cause: failure });
  return options.all ? found : found.filter((ad) => CAMERA_CATEGORIES.has(ad.txt.ci ?? ''));
}
