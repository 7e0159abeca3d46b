import { MjpegError } from './errors.js';

export interface JpegSize {
  readonly width: number;
  readonly height: number;
}

/** SOF markers that carry the frame size: every SOFn except DHT (C4), JPG (C8) and DAC (CC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * The picture size from a JPEG's frame header, walking the marker segments from SOI (baseline, progressive
 * or lossless alike). Throws MJPEG_NOT_JPEG on bytes that are not a JPEG and MJPEG_TRUNCATED when the data ends
 * before the frame header; never reads past the buffer.
 */
export function jpegSize(image: Buffer): JpegSize {
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8)
    throw new MjpegError('MJPEG_NOT_JPEG', 'no SOI at the start');
  let pos = 2;
  for (;;) {
    if (pos + 4 > image.length) throw new MjpegError('MJPEG_TRUNCATED', 'no frame header before the end');
    if (image[pos] !== 0xff) throw new MjpegError('MJPEG_NOT_JPEG', `no marker at offset ${pos}`);
    const marker = image[pos + 1] ?? 0;
    // Fill bytes (FF FF ...) may pad before a marker.
    if (marker === 0xff) {
      pos++;
      continue;
    }
    // Markers without a length: TEM and RSTn; an SOS or EOI before any SOF means no frame header.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda)
      throw new MjpegError('MJPEG_TRUNCATED', 'scan or end before the frame header');
    const length = image.readUInt16BE(pos + 2);
    if (length < 2) throw new MjpegError('MJPEG_NOT_JPEG', `segment length ${length} at offset ${pos}`);
    if (isSof(marker)) {
      if (pos + 9 > image.length) throw new MjpegError('MJPEG_TRUNCATED', 'frame header cut short');
      return { height: image.readUInt16BE(pos + 5), width: image.readUInt16BE(pos + 7) };
    }
    pos += 2 + length;
  }
}
