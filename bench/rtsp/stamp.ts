/**
 * A send-time stamp that travels inside the video itself, so a reader can tell how long a frame took from
 * the camera's socket to its own whatever the server does to RTP timestamps (GStreamer re-stamps them):
 * an H264 SEI "user data unregistered" NAL unit carrying the monotonic clock (process.hrtime, the same
 * CLOCK_MONOTONIC in every process of the machine) at the moment the frame was written, and the frame's
 * index. Servers forward SEI untouched. The text is hex ASCII, so the NAL unit has no zero bytes and needs
 * no emulation prevention.
 */

/** Our user data UUID (no zero bytes). */
const UUID = Buffer.from('7473327274632d62656e63682d727470', 'hex');
const SEI_NAL = 6;
const STAP_A = 24;
const USER_DATA_UNREGISTERED = 5;
/** 'T' + 16 hex digits of nanoseconds + 'F' + 8 hex digits of frame index. */
const TEXT_SIZE = 1 + 16 + 1 + 8;
const PAYLOAD_SIZE = UUID.length + TEXT_SIZE;
/** NAL header, payload type, payload size, payload, rbsp trailing bits. */
export const STAMP_NAL_SIZE = 3 + PAYLOAD_SIZE + 1;

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** The SEI NAL unit for a frame written at `sentNs`. */
export function stampNal(sentNs: number, frameIndex: number): Buffer {
  const out = Buffer.allocUnsafe(STAMP_NAL_SIZE);
  out[0] = SEI_NAL;
  out[1] = USER_DATA_UNREGISTERED;
  out[2] = PAYLOAD_SIZE;
  UUID.copy(out, 3);
  const text = `T${Math.trunc(sentNs).toString(16).padStart(16, '0')}F${(frameIndex >>> 0).toString(16).padStart(8, '0')}`;
  out.write(text, 3 + UUID.length, 'latin1');
  out[STAMP_NAL_SIZE - 1] = 0x80;
  return out;
}

/** Where the stamp of `stampNal` sits in `buf` (a frame or its packets, serialized), or -1. */
export function stampOffset(buf: Buffer): number {
  const at = buf.indexOf(UUID);
  return at < 0 ? -1 : at - 3;
}

/** Rewrites the send time of the stamp at `offset` in place: done right before the write, as late as can be. */
export function restamp(buf: Buffer, offset: number, sentNs: number): void {
  buf.write(Math.trunc(sentNs).toString(16).padStart(16, '0'), offset + 3 + UUID.length + 1, 'latin1');
}

export interface Stamp {
  /** process.hrtime of the camera's write, ns. */
  readonly sentNs: number;
  readonly frameIndex: number;
}

function readStampAt(buf: Buffer, at: number, end: number): Stamp | undefined {
  if (
    end - at < STAMP_NAL_SIZE ||
    buf[at] !== SEI_NAL ||
    buf[at + 1] !== USER_DATA_UNREGISTERED ||
    buf[at + 2] !== PAYLOAD_SIZE
  ) {
    return undefined;
  }
  if (buf.compare(UUID, 0, UUID.length, at + 3, at + 3 + UUID.length) !== 0) return undefined;
  const text = at + 3 + UUID.length;
  if (buf[text] !== 0x54) return undefined;
  const high = Number.parseInt(buf.toString('latin1', text + 1, text + 9), 16);
  const low = Number.parseInt(buf.toString('latin1', text + 9, text + 17), 16);
  const frameIndex = Number.parseInt(buf.toString('latin1', text + 18, text + 26), 16);
  if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(frameIndex)) return undefined;
  return { sentNs: high * 2 ** 32 + low, frameIndex };
}

/**
 * The stamp in an RTP H264 payload (`buf[start, end)`) when it is our SEI, alone (single NAL unit
 * packet) or in a STAP-A; undefined otherwise (every other packet, so keep it cheap).
 */
export function findStamp(buf: Buffer, start: number, end: number): Stamp | undefined {
  const type = (buf[start] ?? 0) & 0x1f;
  if (type === SEI_NAL) return readStampAt(buf, start, end);
  if (type !== STAP_A) return undefined;
  let at = start + 1;
  while (at + 2 <= end) {
    const size = buf.readUInt16BE(at);
    at += 2;
    if (size === 0 || at + size > end) return undefined;
    const found = readStampAt(buf, at, at + size);
    if (found !== undefined) return found;
    at += size;
  }
  return undefined;
}

/** The stamp anywhere in `buf` (an fMP4 fragment, say), or undefined. */
export function readStamp(buf: Buffer): Stamp | undefined {
  const at = stampOffset(buf);
  return at < 0 ? undefined : readStampAt(buf, at, buf.length);
}
