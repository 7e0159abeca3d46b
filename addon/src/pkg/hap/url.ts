import { HapError } from './errors.js';
import { ed25519PublicKey } from './keys.js';
import type { Pairing } from './pairing.js';

/** A paired accessory as go2rtc writes it: `homekit://host:port?client_id&client_private&device_id&device_public`. */
export interface HomekitUrl {
  readonly host: string;
  readonly port: number;
  readonly pairing: Pairing;
}

/** An unpaired accessory from discovery (`homekit://host:port?device_id=…`), plus the PIN given to pair it. */
export interface HomekitTarget {
  readonly host: string;
  readonly port: number;
  readonly deviceId: string | undefined;
}

const HEX = /^[0-9a-fA-F]*$/;

function hostPort(raw: string): { host: string; port: number; query: URLSearchParams } {
  if (!raw.startsWith('homekit://')) throw new HapError('HAP_URL_INVALID', 'not a homekit:// URL');
  let url: URL;
  try {
    url = new URL(`http://${raw.slice('homekit://'.length)}`);
  } catch {
    throw new HapError('HAP_URL_INVALID', 'cannot read host and port');
  }
  const port = Number(url.port);
  if (!url.hostname || !Number.isInteger(port) || port <= 0)
    throw new HapError('HAP_URL_INVALID', 'host and port are required (homekit://IP:PORT?…)');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port, query: url.searchParams };
}

export function parseHomekitTarget(raw: string): HomekitTarget {
  const { host, port, query } = hostPort(raw);
  return { host, port, deviceId: query.get('device_id') ?? undefined };
}

/**
 * Reads a paired URL. `client_private` is the Ed25519 private key as Go stores it (seed then public key,
 * 64 bytes hex, as Home Assistant's LTSK+LTPK); a 32-byte seed alone is accepted too.
 */
export function parseHomekitUrl(raw: string): HomekitUrl {
  const { host, port, query } = hostPort(raw);
  const field = (name: string): string => {
    const value = query.get(name);
    if (!value)
      throw new HapError(
        'HAP_URL_INVALID',
        `${name} is missing: the URL is not paired (pair it with POST /api/homekit)`,
      );
    return value;
  };
  const clientId = field('client_id');
  const clientPrivate = field('client_private');
  const deviceId = field('device_id');
  const devicePublic = field('device_public');
  if (!HEX.test(clientPrivate) || (clientPrivate.length !== 128 && clientPrivate.length !== 64)) {
    throw new HapError(
      'HAP_URL_INVALID',
      `client_private must be 64 or 32 bytes in hex (${clientPrivate.length} characters)`,
    );
  }
  if (!HEX.test(devicePublic) || devicePublic.length !== 64)
    throw new HapError('HAP_URL_INVALID', 'device_public must be 32 bytes in hex');
  const seed = Buffer.from(clientPrivate.slice(0, 64), 'hex');
  const publicKey = clientPrivate.length === 128 ? Buffer.from(clientPrivate.slice(64), 'hex') : ed25519PublicKey(seed);
  return {
    host,
    port,
    pairing: {
      controller: { id: clientId, keys: { seed, publicKey } },
      accessory: { id: deviceId, publicKey: Buffer.from(devicePublic, 'hex') },
    },
  };
}

/** Identifiers are written as they are (go2rtc does: `device_id=AA:BB:…`) unless they hold URL syntax. */
function idParam(value: string): string {
  return /^[\w:.-]+$/.test(value) ? value : encodeURIComponent(value);
}

export function formatHomekitUrl(url: HomekitUrl): string {
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  const { controller, accessory } = url.pairing;
  return (
    `homekit://${host}:${url.port}?client_id=${idParam(controller.id)}` +
    `&client_private=${controller.keys.seed.toString('hex')}${controller.keys.publicKey.toString('hex')}` +
    `&device_id=${idParam(accessory.id)}&device_public=${accessory.publicKey.toString('hex')}`
  );
}
