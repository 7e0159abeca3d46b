/**
 * What an HTTP answer carries, decided as go2rtc's `internal/http` does: the Content-Type first (`image/jpeg`,
 * `multipart/x-mixed-replace`, the HLS types or a `.m3u8` path), then the first bytes (go2rtc's pkg/magic).
 * Pure: the source module fetches, this decides.
 */
export type HttpFormat = 'jpeg' | 'mjpeg' | 'hls' | 'flv' | 'mpegts' | 'mp4';

const HLS_TYPES = new Set([
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'audio/mpegurl',
  'audio/x-mpegurl',
]);

export function detectHttpFormat(contentType: string | undefined, path: string, head: Buffer): HttpFormat | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'image/jpeg' || type === 'image/jpg') return 'jpeg';
  if (type.startsWith('multipart/')) return 'mjpeg';
  if (HLS_TYPES.has(type) || /\.m3u8$/i.test(path)) return 'hls';
  return detectMagic(head);
}

/** The format from the first bytes of a body (at least 4 for a sure answer, 188+1 to confirm MPEG-TS). */
export function detectMagic(head: Buffer): HttpFormat | undefined {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xd8) return 'jpeg';
  if (head.length >= 2 && head[0] === 0x2d && head[1] === 0x2d) return 'mjpeg';
  if (head.subarray(0, 7).toString('latin1') === '#EXTM3U') return 'hls';
  if (head.length >= 3 && head[0] === 0x46 && head[1] === 0x4c && head[2] === 0x56) return 'flv';
  // MPEG-TS: 188-byte packets starting with 0x47; one more sync byte makes a false match unlikely.
  if (head.length >= 1 && head[0] === 0x47 && (head.length < 189 || head[188] === 0x47)) return 'mpegts';
  if (head.length >= 8 && ['ftyp', 'moof', 'styp'].includes(head.subarray(4, 8).toString('latin1'))) return 'mp4';
  return undefined;
}

/** How many body bytes `detectMagic` wants when the Content-Type did not decide. */
export const MAGIC_BYTES = 189;
