import { fileURLToPath } from 'node:url';
import { PeerError } from './errors.js';
import { SYSTEM_PYTHON } from './gst-camera.js';
import { startProcess, type PeerProcess } from './process.js';

/**
 * GStreamer as an RTSP client: `rtspsrc` reading and decoding a stream (a second, independent client
 * implementation next to ffmpeg), and `rtspsrc backchannel=onvif` sending audio to an ONVIF camera.
 */

const READER_SCRIPT = fileURLToPath(new URL('./gst-reader.py', import.meta.url));
const BACKCHANNEL_SCRIPT = fileURLToPath(new URL('./gst-backchannel-client.py', import.meta.url));
const PACKAGES = 'python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-base gstreamer1.0-libav';

export interface GstCountOptions {
  /** Counting window after the first decoded frame, in seconds. */
  seconds: number;
  /** Defaults to video. */
  media?: 'video' | 'audio';
  /** Defaults to tcp. */
  transport?: 'tcp' | 'udp';
  /** rtspsrc jitter buffer latency; defaults to 0 ms. */
  latencyMs?: number;
  /** How long to wait for the first frame; defaults to 15000 ms. */
  firstFrameTimeoutMs?: number;
}

export interface GstFrameCount {
  /** Decoded frames (video) or decoded audio buffers within the window. */
  frames: number;
  /** Milliseconds from start to the first decoded frame. */
  firstFrameMs: number;
  windowMs: number;
  /** True when the stream ended (EOS or error after frames) before the window was over. */
  ended: boolean;
  /** Caps of the decoded output, e.g. `video/x-raw, format=(string)I420, width=(int)640, ...`. */
  caps: string;
}

type JsonObject = Record<string, unknown>;

function jsonLine(line: string): JsonObject | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the script's final line (`done` or `error`) and reaps it; `error` and a crash become PeerErrors. */
async function finalLine(peer: PeerProcess, timeoutMs: number, what: string): Promise<JsonObject> {
  try {
    const last = await peer.waitForLine(
      (line) => {
        const obj = jsonLine(line);
        return obj && ('done' in obj || 'error' in obj) ? obj : undefined;
      },
      timeoutMs,
      what,
    );
    if ('error' in last) {
      throw new PeerError('PEER_FAILED', `${peer.name}: ${String(last['error'])}; ${peer.describeExit()}`);
    }
    return last;
  } finally {
    await peer.stop({ graceMs: 2000 });
  }
}

const num = (obj: JsonObject, key: string): number => {
  const value = obj[key];
  if (typeof value !== 'number')
    throw new PeerError('PEER_OUTPUT', `expected a number for "${key}" in ${JSON.stringify(obj)}`);
  return value;
};

/**
 * Reads `url` with GStreamer (`rtspsrc ! decodebin ! fakesink`) and counts the decoded frames in a window of
 * `seconds` from the first one. Rejects with PEER_FAILED (with the GStreamer error, e.g. "Unauthorized") or
 * PEER_TIMEOUT.
 */
export async function countFramesGst(url: string, options: GstCountOptions): Promise<GstFrameCount> {
  const firstTimeoutMs = options.firstFrameTimeoutMs ?? 15000;
  const peer = startProcess({
    name: 'gst-reader',
    command: SYSTEM_PYTHON,
    debianPackage: PACKAGES,
    // prettier-ignore
    args: [
      READER_SCRIPT, '--exit-with-parent', '--url', url,
      '--media', options.media ?? 'video',
      '--transport', options.transport ?? 'tcp',
      '--seconds', String(options.seconds),
      '--timeout', String(firstTimeoutMs / 1000),
      '--latency', String(options.latencyMs ?? 0),
    ],
  });
  const last = await finalLine(peer, firstTimeoutMs + options.seconds * 1000 + 5000, 'frame count from gst-reader');
  return {
    frames: num(last, 'frames'),
    firstFrameMs: num(last, 'firstFrameMs'),
    windowMs: num(last, 'windowMs'),
    ended: last['ended'] === true,
    caps: typeof last['caps'] === 'string' ? last['caps'] : '',
  };
}

export interface BackchannelClientOptions {
  /** How long to push audio once the camera's media flows; defaults to 3 s. */
  seconds?: number;
  /** Tone frequency; defaults to 440 Hz. */
  frequency?: number;
  /** Tone amplitude 0..1; defaults to 0.5 (about -9 dBFS RMS). */
  volume?: number;
  /** Defaults to tcp (interleaved on the RTSP connection). */
  transport?: 'tcp' | 'udp';
  /** How long to wait for the camera's media before pushing; defaults to 15000 ms. */
  startTimeoutMs?: number;
}

export interface BackchannelResult {
  /** RTP packets accepted by rtspsrc's push-backchannel-sample. */
  pushed: number;
  /** Pushes that returned a flow error. */
  failed: number;
  /** encoding-name of the camera's sendonly media: PCMU, PCMA, MPEG4-GENERIC or OPUS. */
  codec: string;
  /** Seconds between the first push and the end. */
  seconds: number;
  /** Buffers received from the camera's own (recvonly) streams meanwhile. */
  received: number;
}

/**
 * GStreamer's ONVIF backchannel client (`rtspsrc backchannel=onvif`): DESCRIBE with the Require header, play
 * the camera's streams, push a sine tone in the codec of the camera's sendonly media for `seconds`, TEARDOWN.
 * Rejects with PEER_FAILED when the SDP has no backchannel or the stream fails.
 */
export async function runBackchannelClient(
  url: string,
  options: BackchannelClientOptions = {},
): Promise<BackchannelResult> {
  const seconds = options.seconds ?? 3;
  const startTimeoutMs = options.startTimeoutMs ?? 15000;
  const peer = startProcess({
    name: 'gst-backchannel-client',
    command: SYSTEM_PYTHON,
    debianPackage: PACKAGES,
    // prettier-ignore
    args: [
      BACKCHANNEL_SCRIPT, '--exit-with-parent', '--url', url,
      '--seconds', String(seconds),
      '--frequency', String(options.frequency ?? 440),
      '--volume', String(options.volume ?? 0.5),
      '--transport', options.transport ?? 'tcp',
      '--timeout', String(startTimeoutMs / 1000),
    ],
  });
  const last = await finalLine(peer, startTimeoutMs + seconds * 1000 + 5000, 'result from gst-backchannel-client');
  return {
    pushed: num(last, 'pushed'),
    failed: num(last, 'failed'),
    codec: typeof last['codec'] === 'string' ? last['codec'] : '',
    seconds: num(last, 'seconds'),
    received: num(last, 'received'),
  };
}
