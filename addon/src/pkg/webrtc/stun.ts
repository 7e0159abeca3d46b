import { WebrtcPkgError } from './errors.js';

/** RFC 5389 constants we need: a binding request/response and the attributes read here. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const HEADER_SIZE = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_USERNAME = 0x0006;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
/** Real binding messages carry a handful of attributes. */
const MAX_ATTRIBUTES = 32;

export interface StunHeader {
  readonly type: number;
  readonly length: number;
  readonly transactionId: Buffer;
}

/** The header when `data` is a STUN message (magic cookie, length matching the bytes); else undefined. */
export function peekStunHeader(data: Buffer): StunHeader | undefined {
  if (data.length < HEADER_SIZE) return undefined;
  const type = data.readUInt16BE(0);
  if ((type & 0xc000) !== 0) return undefined;
  const length = data.readUInt16BE(2);
  if (data.readUInt32BE(4) !== STUN_MAGIC_COOKIE || length % 4 !== 0 || HEADER_SIZE + length !== data.length)
    return undefined;
  return { type, length, transactionId: data.subarray(8, 20) };
}

function* attributes(data: Buffer): Generator<{ type: number; value: Buffer }> {
  let pos = HEADER_SIZE;
  let count = 0;
  while (pos + 4 <= data.length) {
    if (++count > MAX_ATTRIBUTES)
      throw new WebrtcPkgError('STUN_INVALID', `more than ${MAX_ATTRIBUTES} STUN attributes`);
    const type = data.readUInt16BE(pos);
    const length = data.readUInt16BE(pos + 2);
    if (pos + 4 + length > data.length)
      throw new WebrtcPkgError('STUN_INVALID', `STUN attribute ${type} runs past the message`);
    yield { type, value: data.subarray(pos + 4, pos + 4 + length) };
    pos += 4 + length + ((4 - (length % 4)) % 4);
  }
}

/**
 * The USERNAME of a binding request (`<receiver ufrag>:<sender ufrag>` in ICE), or undefined when `data` is
 * not a binding request or has none. Used to route a new ICE-TCP connection to its peer connection.
 */
export function bindingRequestUsername(data: Buffer): string | undefined {
  const header = peekStunHeader(data);
  if (!header || header.type !== BINDING_REQUEST) return undefined;
  for (const attr of attributes(data)) {
    if (attr.type === ATTR_USERNAME) return attr.value.toString('utf8');
  }
  return undefined;
}

/** A binding request without attributes (RFC 5389 basic STUN, for finding our public address). */
export function buildBindingRequest(transactionId: Buffer): Buffer {
  if (transactionId.length !== 12) throw new WebrtcPkgError('STUN_INVALID', 'transaction id must be 12 bytes');
  const out = Buffer.alloc(HEADER_SIZE);
  out.writeUInt16BE(BINDING_REQUEST, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  transactionId.copy(out, 8);
  return out;
}

/**
 * The mapped address of a binding success response for `transactionId` (XOR-MAPPED-ADDRESS, or the old
 * MAPPED-ADDRESS); undefined for any other message.
 */
export function parseBindingResponse(data: Buffer, transactionId: Buffer): { host: string; port: number } | undefined {
  const header = peekStunHeader(data);
  if (!header || header.type !== BINDING_SUCCESS || !header.transactionId.equals(transactionId)) return undefined;
  let fallback: { host: string; port: number } | undefined;
  for (const attr of attributes(data)) {
    if (attr.type === ATTR_XOR_MAPPED_ADDRESS) return readAddress(attr.value, data.subarray(4, 20));
    if (attr.type === ATTR_MAPPED_ADDRESS) fallback = readAddress(attr.value, undefined);
  }
  return fallback;
}

function readAddress(value: Buffer, xor: Buffer | undefined): { host: string; port: number } {
  if (value.length < 8) throw new WebrtcPkgError('STUN_INVALID', 'address attribute too short');
  const family = value.readUInt8(1);
  let port = value.readUInt16BE(2);
  if (xor) port ^= STUN_MAGIC_COOKIE >>> 16;
  const size = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (size === 0 || value.length < 4 + size) throw new WebrtcPkgError('STUN_INVALID', `address family ${family}`);
  const bytes = Buffer.from(value.subarray(4, 4 + size));
  if (xor) for (let i = 0; i < size; i++) bytes[i] = (bytes[i] ?? 0) ^ (xor[i] ?? 0);
  if (size === 4) return { host: [...bytes].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return { host: groups.join(':'), port };
}

/** What a datagram on the shared UDP port is, as far as routing it to a peer needs (udp-mux.ts). */
export type StunDatagram =
  /** A binding request; `ufrag` is the first half of USERNAME (the receiver's, i.e. our, ufrag) when present. */
  | { readonly kind: 'request'; readonly ufrag: string | undefined; readonly transactionId: string }
  /** A success or error response to a request one of our peers sent. */
  | { readonly kind: 'response'; readonly transactionId: string }
  /** An indication or a request of another method: routed like media, by the sender's address. */
  | { readonly kind: 'other' };

const CLASS_MASK = 0x0110;
const CLASS_REQUEST = 0x0000;
const CLASS_SUCCESS = 0x0100;
const CLASS_ERROR = 0x0110;

/**
 * Classifies a datagram for the shared UDP port, or undefined when it is not a STUN message (DTLS, SRTP, or
 * garbage: RFC 7983 puts STUN at first byte 0–3, so everything else is not even looked at). Never throws: a
 * binding request whose attributes do not parse is a request without a ufrag.
 */
export function classifyStunDatagram(data: Buffer): StunDatagram | undefined {
  const first = data[0];
  if (first === undefined || first > 3) return undefined;
  const header = peekStunHeader(data);
  if (!header) return undefined;
  const klass = header.type & CLASS_MASK;
  const transactionId = header.transactionId.toString('hex');
  if (klass === CLASS_SUCCESS || klass === CLASS_ERROR) return { kind: 'response', transactionId };
  if (klass !== CLASS_REQUEST || header.type !== BINDING_REQUEST) return { kind: 'other' };
  let username: string | undefined;
  try {
    username = bindingRequestUsername(data);
  } catch {
    username = undefined;
  }
  const colon = username === undefined ? -1 : username.indexOf(':');
  const ufrag = username === undefined ? undefined : colon >= 0 ? username.slice(0, colon) : username;
  return { kind: 'request', ufrag: ufrag === '' ? undefined : ufrag, transactionId };
}

/** The transaction id (hex) of an outgoing STUN request, so its response can be routed back; else undefined. */
export function stunRequestTransaction(data: Buffer): string | undefined {
  const first = data[0];
  if (first === undefined || first > 3) return undefined;
  const header = peekStunHeader(data);
  if (!header || (header.type & CLASS_MASK) !== CLASS_REQUEST) return undefined;
  return header.transactionId.toString('hex');
}
