/**
 * The `multipart/x-mixed-replace` framing of `/api/stream.mjpeg`, byte for byte what go2rtc sends (boundary
 * `frame`, a Content-Type and Content-Length per part, CRLF after the image), so players and recorders written
 * against go2rtc (Frigate, HA's MJPEG camera, VLC, ffmpeg) read it the same way.
 */
export const MJPEG_BOUNDARY = 'frame';
export const MJPEG_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`;

const PART_HEAD = `--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: `;
const CRLF = Buffer.from('\r\n');

/** The header of one part, up to and including the blank line before the image. */
export function partHeader(imageLength: number): Buffer {
  return Buffer.from(`${PART_HEAD}${imageLength}\r\n\r\n`, 'latin1');
}

/**
 * One part as three buffers (header, the image by reference, CRLF), to be written in one corked burst.
 * The trailing CRLF ends the part at once: browsers show a part only when the next boundary starts, and the
 * CRLF lets them see the image end without waiting for the next frame.
 */
export function multipartPart(image: Buffer): [Buffer, Buffer, Buffer] {
  return [partHeader(image.length), image, CRLF];
}
