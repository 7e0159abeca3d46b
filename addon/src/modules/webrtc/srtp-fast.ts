import { createCipheriv, createHmac, createSecretKey, randomBytes, type Cipher, type KeyObject } from 'node:crypto';
import { endianness } from 'node:os';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession, type RTCPeerConnection } from 'werift';

/**
 * A faster SRTP sender for werift 0.24.4 (werift issue #310), for the profile AES_CM_128_HMAC_SHA1_80.
 *
 * werift builds a `createCipheriv('aes-128-ctr')` per packet (plus a BigInt counter and a Buffer.concat),
 * ~10.8 µs for a 1100-byte packet here, of which the cipher object alone is ~6 µs. node:crypto cannot
 * re-key or re-IV a cipher, so instead one long-lived AES-128-ECB cipher per session encrypts the packet's
 * counter blocks (RFC 3711 4.1.1: the keystream is AES(k_e, IV + i)), the payload is XORed with it in JS
 * (32 bits at a time), and the HMAC-SHA1 tag uses a key object made once. The output is byte-identical to
 * werift's, which `installFastSrtp` checks on random packets before it replaces anything.
 *
 * AEAD_AES_128_GCM gains nothing from this (GHASH in JS costs more than the cipher object), and werift's own
 * GCM sender is already lean: measured in CPU time, werift GCM 7.3–7.9 µs a 1100-byte packet, this CM sender
 * 6.5–7.1, werift's CM 12–16; a GCM sender with a KeyObject and no Buffer.concat was no faster (7.9–8.6).
 * The server takes GCM where the peer picks it (Chrome, Firefox and werift do as DTLS servers; go2rtc gets
 * it too): ~0.8 µs a packet more than CM, for the AEAD profile.
 */

interface CtrCipherInternals {
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
  srtpSessionAuthTag: Buffer;
  encryptRtp(header: RtpHeader, payload: Buffer, rolloverCounter: number): Buffer;
}

interface FastState {
  readonly ecb: Cipher;
  readonly authKey: KeyObject;
  readonly salt: Buffer;
  counters: Buffer;
  cache: { ssrc: number; rollover: number; first: number; count: number; keystream: Buffer } | undefined;
}

/** Packets whose keystream one AES call makes, and blocks made for each (1216 bytes: any packet we send). */
const KEYSTREAM_BATCH = 16;
const BATCH_BLOCKS = 76;

const AUTH_TAG_LENGTH = 10;
const LITTLE_ENDIAN = endianness() === 'LE';
const states = new WeakMap<object, FastState>();

/** A buffer on its own ArrayBuffer (offset 0), so 32-bit views of it are aligned. */
function alignedBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

function stateOf(cipher: CtrCipherInternals): FastState {
  let state = states.get(cipher);
  if (!state) {
    const ecb = createCipheriv('aes-128-ecb', cipher.srtpSessionKey, null);
    ecb.setAutoPadding(false);
    state = {
      ecb,
      authKey: createSecretKey(cipher.srtpSessionAuthTag),
      salt: Buffer.from(cipher.srtpSessionSalt),
      counters: alignedBuffer(KEYSTREAM_BATCH * BATCH_BLOCKS * 16),
      cache: undefined,
    };
    states.set(cipher, state);
  }
  return state;
}

/** Packets encrypted by the fast path, for benchmarks and tests. */
export const fastSrtpStats = { packets: 0 };

function fastEncryptRtp(this: CtrCipherInternals, header: RtpHeader, payload: Buffer, rolloverCounter: number): Buffer {
  fastSrtpStats.packets++;
  const state = stateOf(this);
  const headerBytes = header.serialize(header.serializeSize);
  const headerSize = headerBytes.length;
  const size = payload.length;
  const keystream = keystreamFor(
    state,
    header.ssrc >>> 0,
    rolloverCounter >>> 0,
    header.sequenceNumber,
    Math.ceil(size / 16),
  );
  const out = Buffer.allocUnsafe(headerSize + size + AUTH_TAG_LENGTH);
  headerBytes.copy(out, 0);
  xorInto(out, headerSize, payload, keystream, size);
  // The tag covers header, encrypted payload and ROC: the ROC goes where the tag will be, one update.
  out.writeUInt32BE(rolloverCounter >>> 0, headerSize + size);
  const tag = createHmac('sha1', state.authKey)
    .update(out.subarray(0, headerSize + size + 4))
    .digest();
  tag.copy(out, headerSize + size, 0, AUTH_TAG_LENGTH);
  return out;
}

/**
 * The keystream of one packet. Sequence numbers are known ahead (they count up by one), so the keystreams of
 * the next KEYSTREAM_BATCH packets are made in one AES call (~0.6 µs a packet instead of ~2.3 µs for one
 * call each); a packet outside the batch (a retransmission, a new SSRC) starts a new one.
 */
function keystreamFor(state: FastState, ssrc: number, rollover: number, seq: number, blocks: number): Buffer {
  const cache = state.cache;
  if (
    blocks <= BATCH_BLOCKS &&
    cache &&
    cache.ssrc === ssrc &&
    cache.rollover === rollover &&
    seq >= cache.first &&
    seq < cache.first + cache.count
  ) {
    const start = (seq - cache.first) * BATCH_BLOCKS * 16;
    return cache.keystream.subarray(start, start + blocks * 16);
  }
  const perPacket = Math.max(blocks, BATCH_BLOCKS);
  const count = blocks <= BATCH_BLOCKS ? Math.min(KEYSTREAM_BATCH, 0x10000 - seq) : 1;
  const total = count * perPacket * 16;
  if (state.counters.length < total) state.counters = alignedBuffer(total);
  const counters = state.counters;
  const words = new Uint32Array(counters.buffer, counters.byteOffset, total / 4);
  const salt = state.salt;
  for (let p = 0; p < count; p++) {
    // IV = salt·2^16 XOR ssrc·2^64 XOR (ROC·2^16 + seq)·2^16; block b adds b in the low 16 bits.
    const base = p * perPacket * 16;
    for (let i = 0; i < 14; i++) counters[base + i] = salt[i] ?? 0;
    counters[base + 14] = 0;
    counters[base + 15] = 0;
    counters.writeUInt32BE((counters.readUInt32BE(base + 4) ^ ssrc) >>> 0, base + 4);
    counters.writeUInt32BE((counters.readUInt32BE(base + 8) ^ rollover) >>> 0, base + 8);
    counters.writeUInt16BE(counters.readUInt16BE(base + 12) ^ (seq + p), base + 12);
    // Word-wise: a native call per block would cost more than the AES itself.
    const w = base / 4;
    const w0 = words[w] as number;
    const w1 = words[w + 1] as number;
    const w2 = words[w + 2] as number;
    const w3 = words[w + 3] as number;
    for (let b = 1, x = w + 4; b < perPacket; b++, x += 4) {
      words[x] = w0;
      words[x + 1] = w1;
      words[x + 2] = w2;
      words[x + 3] = LITTLE_ENDIAN ? w3 | ((b >>> 8) << 16) | ((b & 0xff) << 24) : w3 | b;
    }
  }
  const keystream = state.ecb.update(counters.subarray(0, total));
  if (blocks > BATCH_BLOCKS) return keystream;
  state.cache = { ssrc, rollover, first: seq, count, keystream };
  return keystream.subarray(0, blocks * 16);
}

/** out[offset + i] = a[i] ^ b[i] for i < size; 32 bits at a time where the views are aligned. */
function xorInto(out: Buffer, offset: number, a: Buffer, b: Buffer, size: number): void {
  let i = 0;
  const aligned = (out.byteOffset + offset) % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0;
  if (aligned) {
    const words = size >>> 2;
    const o32 = new Int32Array(out.buffer, out.byteOffset + offset, words);
    const a32 = new Int32Array(a.buffer, a.byteOffset, words);
    const b32 = new Int32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) o32[w] = (a32[w] as number) ^ (b32[w] as number);
    i = words << 2;
  }
  for (; i < size; i++) out[offset + i] = (a[i] as number) ^ (b[i] as number);
}

/** The prototype of werift's AES-CM cipher class, found through a throwaway session (the class is not exported). */
function ctrCipherOf(session: SrtpSession): CtrCipherInternals {
  const context: unknown = Reflect.get(session, 'localContext');
  const cipher: unknown = typeof context === 'object' && context !== null ? Reflect.get(context, 'cipher') : undefined;
  if (typeof cipher !== 'object' || cipher === null || typeof Reflect.get(cipher, 'encryptRtp') !== 'function') {
    throw new Error('werift SRTP internals changed (localContext.cipher.encryptRtp)');
  }
  return cipher as CtrCipherInternals;
}

let installed: { ok: boolean; reason?: string } | undefined;

/**
 * Replaces werift's AES-CM `encryptRtp` with the fast one, once per process, after checking on random packets
 * that both give the same bytes. Returns whether it is in use (and why not).
 */
export function installFastSrtp(): { ok: boolean; reason?: string } {
  if (installed) return installed;
  try {
    const keys = {
      localMasterKey: randomBytes(16),
      localMasterSalt: randomBytes(14),
      remoteMasterKey: randomBytes(16),
      remoteMasterSalt: randomBytes(14),
    };
    const cipher = ctrCipherOf(new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 }));
    const proto: unknown = Object.getPrototypeOf(cipher);
    if (typeof proto !== 'object' || proto === null) throw new Error('werift AES-CM cipher has no prototype');
    const original = cipher.encryptRtp.bind(cipher);
    for (const [size, seq, rollover, csrc] of [
      [1, 0, 0, 0],
      [1100, 65535, 7, 0],
      [333, 1234, 0xffffffff, 2],
      [1200, 42, 1, 0],
    ] as const) {
      const header = new RtpHeader({
        payloadType: 96,
        sequenceNumber: seq,
        timestamp: 123456,
        ssrc: 0xdeadbeef,
        marker: true,
      });
      if (csrc > 0) {
        header.csrc = [1, 2];
        header.csrcLength = 2;
      }
      const payload = randomBytes(size + 3).subarray(3);
      // Consecutive packets too: the second and third come from the batched keystream.
      for (let n = 0; n < 3; n++) {
        header.sequenceNumber = (seq + n) & 0xffff;
        const expected = original(header, payload, rollover);
        const actual = fastEncryptRtp.call(cipher, header, payload, rollover);
        if (!expected.equals(actual)) throw new Error(`fast SRTP differs from werift's for a ${size}-byte packet`);
      }
    }
    Reflect.set(proto, 'encryptRtp', fastEncryptRtp);
    installed = { ok: true };
  } catch (err) {
    installed = { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  return installed;
}

/** werift's DTLS-SRTP profile values (RFC 5764 4.1.2). */
const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
const SRTP_AEAD_AES_128_GCM = 0x0007;

/**
 * Makes this peer connection's DTLS prefer AES_CM_128_HMAC_SHA1_80 (werift lists GCM first and matches in
 * its own order, as client and as server). Call after setRemoteDescription, before DTLS starts. The server
 * no longer calls it (issue 11: AEAD-GCM where the peer offers it, as go2rtc); bench/webrtc.ts's viewers do.
 */
export function preferCmProfile(pc: RTCPeerConnection): void {
  for (const transport of pc.dtlsTransports) {
    if (!Reflect.has(transport, 'srtpProfiles')) throw new Error('werift DTLS transport has no srtpProfiles');
    Reflect.set(transport, 'srtpProfiles', [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM]);
  }
}
