/**
 * The built-in ffmpeg templates, by the names go2rtc users write in `#video=`, `#audio=`, `#input=` and `#raw=`.
 * The config's `ffmpeg:` section overrides any of them and adds new ones. Values are ffmpeg arguments split
 * like a command line (see splitArgs); `{input}`, `{timeout}` and `{output}` are filled in when a command is
 * built.
 *
 * Encoder choices, and why:
 * - x264/x265 `-tune zerolatency` (no look-ahead, no frame delay) and a key frame every 2 s at 25 fps, so a
 *   new viewer waits at most that long; B-frames off because WebRTC and most RTSP readers want none.
 * - `h264` is Main 4.1 with `superfast`: what every browser and phone decodes, cheap enough for 1080p on a
 *   small CPU. `h264/ultra` trades quality for the least CPU (Constrained Baseline, `ultrafast`);
 *   `h264/high` is High 4.1 for players that benefit from CABAC and 8x8 transforms.
 * - Audio templates state rate and channels, so the stream's codec is known before ffmpeg runs (the hub
 *   negotiates on it and only then starts the process).
 */
// prettier-ignore
export const DEFAULT_TEMPLATES: Readonly<Record<string, string>> = {
  // inputs: `{input}` is the URL or path, `{timeout}` the socket timeout in microseconds (`#timeout=`
  // seconds, default 5). Over http(s) and rtmp it is `-rw_timeout`, which go2rtc's template lacks: a camera
  // that stops sending with its connection open (a hung encoder) ends ffmpeg after it, and the source
  // reconnects, instead of waiting out the RTSP server's 15 s publisher timeout.
  file: '-re -i {input}',
  http: '-fflags nobuffer -flags low_delay -rw_timeout {timeout} -i {input}',
  rtsp: '-fflags nobuffer -flags low_delay -timeout {timeout} -rtsp_flags prefer_tcp -i {input}',
  'rtsp/udp': '-fflags nobuffer -flags low_delay -timeout {timeout} -i {input}',
  // Live MPEG-TS and FLV, which ffmpeg demuxes "without a header": it probes them for the whole
  // analyzeduration (default 5 s, 7 s for MPEG-TS) even once every codec is known, which was the wait before
  // the first frame. 0.5 s holds the PAT/PMT or FLV sequence headers and the first key frame of a live
  // stream; a codec whose parameters come later (a key frame further away) is copied anyway and its
  // parameters travel in-band. No `nobuffer`: the probed packets, which start with the key frame, are kept
  // instead of waiting for the next key frame.
  'http/live': '-flags low_delay -analyzeduration 500000 -rw_timeout {timeout} -i {input}',

  // where the process publishes: the local RTSP server, path chosen per process
  output: '-rtsp_transport tcp -f rtsp {output}',

  // video
  h264: '-c:v libx264 -preset:v superfast -tune:v zerolatency -profile:v main -level:v 4.1 -g:v 50 -bf:v 0 -pix_fmt:v yuv420p',
  'h264/ultra': '-c:v libx264 -preset:v ultrafast -tune:v zerolatency -profile:v baseline -g:v 50 -bf:v 0 -pix_fmt:v yuv420p',
  'h264/high': '-c:v libx264 -preset:v superfast -tune:v zerolatency -profile:v high -level:v 4.1 -g:v 50 -bf:v 0 -pix_fmt:v yuv420p',
  h265: '-c:v libx265 -preset:v superfast -tune:v zerolatency -profile:v main -g:v 50 -bf:v 0 -pix_fmt:v yuv420p -x265-params log-level=error',
  // RFC 2435 can only signal the standard Huffman tables and 4:2:0/4:2:2 YUV
  mjpeg: '-c:v mjpeg -huffman:v default -pix_fmt:v yuvj420p',

  // audio
  opus: '-c:a libopus -application:a lowdelay -frame_duration:a 20 -ar:a 48000 -ac:a 2',
  'opus/16000': '-c:a libopus -application:a lowdelay -frame_duration:a 20 -ar:a 16000 -ac:a 1',
  pcmu: '-c:a pcm_mulaw -ar:a 8000 -ac:a 1',
  'pcmu/8000': '-c:a pcm_mulaw -ar:a 8000 -ac:a 1',
  'pcmu/16000': '-c:a pcm_mulaw -ar:a 16000 -ac:a 1',
  'pcmu/48000': '-c:a pcm_mulaw -ar:a 48000 -ac:a 1',
  pcma: '-c:a pcm_alaw -ar:a 8000 -ac:a 1',
  'pcma/8000': '-c:a pcm_alaw -ar:a 8000 -ac:a 1',
  'pcma/16000': '-c:a pcm_alaw -ar:a 16000 -ac:a 1',
  'pcma/48000': '-c:a pcm_alaw -ar:a 48000 -ac:a 1',
  // keeps the input's rate and channels, so its codec is only known once ffmpeg runs
  aac: '-c:a aac',
  'aac/16000': '-c:a aac -ar:a 16000 -ac:a 1',
  pcm: '-c:a pcm_s16be -ar:a 8000 -ac:a 1',
  'pcm/8000': '-c:a pcm_s16be -ar:a 8000 -ac:a 1',
  'pcm/16000': '-c:a pcm_s16be -ar:a 16000 -ac:a 1',
  'pcm/48000': '-c:a pcm_s16be -ar:a 48000 -ac:a 1',
};

/**
 * Input templates that only read the URL they are given (no file, device or other demuxer choice): a source
 * from the network may name one in `#input=` (the http source hands live streams over with `http/live`).
 */
export const NETWORK_INPUT_TEMPLATES: ReadonlySet<string> = new Set(['http', 'http/live', 'rtsp', 'rtsp/udp']);

/** Names that are settings of the module rather than templates. */
export const NON_TEMPLATE_KEYS: ReadonlySet<string> = new Set(['bin', 'global', 'timeout']);

/** Built-in templates with the config's on top (`bin` and other settings left out). */
export function mergeTemplates(config: Readonly<Record<string, string>>): Record<string, string> {
  const merged: Record<string, string> = { ...DEFAULT_TEMPLATES };
  for (const [name, value] of Object.entries(config)) {
    if (!NON_TEMPLATE_KEYS.has(name)) merged[name] = value;
  }
  return merged;
}
