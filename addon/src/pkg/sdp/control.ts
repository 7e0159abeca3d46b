/**
 * The URL to SETUP a track with, from the base (Content-Base, else Content-Location, else the DESCRIBE
 * URL) and the media's `a=control`:
 * - absent, empty or `*`: the base itself;
 * - absolute (`rtsp://...`, any `scheme://`): as is;
 * - starting with `/`: the base's scheme and host with that path;
 * - otherwise appended to the base with one `/` between, the way ffmpeg and cameras do it, not by RFC 3986
 *   resolution: `rtsp://cam/live?channel=1` + `trackID=0` gives `rtsp://cam/live?channel=1/trackID=0`, which
 *   is what such cameras expect.
 */
export function resolveControl(base: string, control: string | undefined): string {
  const c = (control ?? '').trim();
  if (c === '' || c === '*') return base;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(c)) return c;
  if (c.startsWith('/')) {
    const origin = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(base);
    return origin === null ? c : origin[0] + c;
  }
  return base.endsWith('/') ? base + c : `${base}/${c}`;
}
