import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeerError } from './errors.js';
import type { RawAudioFormat } from './ffmpeg.js';
import { startProcess, type ExitInfo } from './process.js';

/** Debian's interpreter: it has python3-gi; the python3 first on PATH may be another one without it. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const GST_CAMERA_SCRIPT = fileURLToPath(new URL('./gst-camera.py', import.meta.url));
const GST_PACKAGES = 'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly';

export type CameraVideo = 'h264' | 'h265' | 'mjpeg' | 'none';
export type CameraAudio = 'pcmu' | 'pcma' | 'aac' | 'opus' | 'none';
export type BackchannelCodec = 'pcmu' | 'pcma' | 'aac' | 'opus';

export interface GstCameraOptions {
  /** Defaults to 0: the camera picks a free port and reports it. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Mount path; defaults to `/stream`. */
  path?: string;
  /** Defaults to h264 (640x360@25, key frame every 25 frames). */
  video?: CameraVideo;
  /** Defaults to none. PCMU/PCMA 8 kHz, AAC 16 kHz, Opus 48 kHz; all mono 440 Hz sine. */
  audio?: CameraAudio;
  /** Defaults to none. */
  auth?: 'none' | 'basic' | 'digest';
  /** Defaults to admin / secret. */
  user?: string;
  password?: string;
  /** ONVIF Profile T server with an audio backchannel (only offered to DESCRIBEs with the Require header). */
  onvif?: boolean;
  /** Backchannel codec; defaults to pcmu. */
  backchannel?: BackchannelCodec;
  /**
   * Where the camera writes what it receives on the backchannel. Defaults (with `onvif`) to a file in a temp
   * folder that stop() removes; a path given here is left in place.
   */
  backchannelFile?: string;
  /** RTP transports offered; defaults to both. */
  transport?: 'tcp' | 'udp' | 'both';
  /** One pipeline for all clients, not seekable; defaults to false (a fresh pipeline per client, like most cameras). */
  shared?: boolean;
  /** RTSP session timeout in seconds; defaults to 60. */
  sessionTimeoutS?: number;
  /**
   * Timestamp overlay on the video (for a person watching); defaults to false: rendering the text took 40 % of
   * a camera pipeline's CPU (0.3 of 0.8 s per 10 s of video), and the scrolling test pattern already makes
   * every picture differ. (The script's own default, for manual runs, is on.)
   */
  overlay?: boolean;
  /** How long to wait for the ready line; defaults to 15000 ms. */
  startTimeoutMs?: number;
  /** Extra environment, e.g. `{ GST_DEBUG: 'rtsp*:5' }`. */
  env?: Record<string, string>;
}

export interface GstCamera {
  /** `rtsp://127.0.0.1:PORT/stream`, without credentials. */
  readonly url: string;
  /** The URL with `user:password@` when auth is on, else the same as `url`. */
  readonly authUrl: string;
  readonly port: number;
  readonly pid: number;
  /** The backchannel output file (ONVIF mode only). */
  readonly backchannelFile?: string;
  /** How to read `backchannelFile` (pass it to `audioLevel`). */
  readonly backchannelFormat?: RawAudioFormat;
  /** The GStreamer launch line it serves, for messages. */
  readonly launch: string;
  /** Milliseconds from spawn to the ready line. */
  readonly startupMs: number;
  /** Its stderr so far (client connects, GStreamer warnings). */
  stderr(): string;
  /** Settles when the process has exited and been reaped (code 0 after a clean SIGTERM stop). */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, SIGKILL after 3 s, reaped; removes its temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

interface ReadyLine {
  url: string;
  authUrl: string;
  port: number;
  launch: string;
  backchannelFile?: string;
  backchannelFormat?: RawAudioFormat;
}

function parseReady(line: string): ReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !('ready' in value) || value.ready !== true) return undefined;
  const v = value as Record<string, unknown>;
  const { url, authUrl, port, launch, backchannelFile, backchannelFormat } = v;
  if (
    typeof url !== 'string' ||
    typeof authUrl !== 'string' ||
    typeof port !== 'number' ||
    typeof launch !== 'string'
  ) {
    throw new PeerError('PEER_OUTPUT', `gst-camera ready line lacks url/authUrl/port/launch: ${line}`);
  }
  const ready: ReadyLine = { url, authUrl, port, launch };
  if (typeof backchannelFile === 'string') ready.backchannelFile = backchannelFile;
  if (isRawAudioFormat(backchannelFormat)) ready.backchannelFormat = backchannelFormat;
  return ready;
}

function isRawAudioFormat(value: unknown): value is RawAudioFormat {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v['format'] === 'mulaw' || v['format'] === 'alaw' || v['format'] === 's16le') &&
    typeof v['sampleRate'] === 'number' &&
    typeof v['channels'] === 'number'
  );
}

function cameraArgs(options: GstCameraOptions, backchannelFile: string | undefined): string[] {
  const args = [GST_CAMERA_SCRIPT, '--exit-with-parent', '--port', String(options.port ?? 0)];
  const add = (flag: string, value: string | undefined): void => {
    if (value !== undefined) args.push(flag, value);
  };
  add('--host', options.host);
  add('--path', options.path);
  add('--video', options.video);
  add('--audio', options.audio);
  add('--auth', options.auth);
  add('--user', options.user);
  add('--password', options.password);
  add('--transport', options.transport);
  add('--session-timeout', options.sessionTimeoutS === undefined ? undefined : String(options.sessionTimeoutS));
  if (options.onvif) {
    args.push('--onvif');
    add('--backchannel', options.backchannel);
    add('--backchannel-file', backchannelFile);
  }
  if (options.shared) args.push('--shared');
  if (options.overlay !== true) args.push('--no-overlay');
  return args;
}

/**
 * Starts the fake IP camera (`gst-camera.py`) and resolves once it listens. Rejects with PEER_MISSING (a
 * GStreamer part is not installed; the message names the package), PEER_START_FAILED (it exited: bad option,
 * port taken; the message carries its stderr) or PEER_TIMEOUT.
 */
export async function startGstCamera(options: GstCameraOptions = {}): Promise<GstCamera> {
  const tempDir =
    options.onvif && options.backchannelFile === undefined
      ? await mkdtemp(path.join(tmpdir(), 'ts2rtc-gst-camera-'))
      : undefined;
  const backchannelFile = options.backchannelFile ?? (tempDir ? path.join(tempDir, 'backchannel.raw') : undefined);
  const started = Date.now();
  const removeTemp = async (): Promise<void> => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
  let peer;
  try {
    peer = startProcess({
      name: 'gst-camera',
      command: SYSTEM_PYTHON,
      args: cameraArgs(options, backchannelFile),
      debianPackage: `python3 ${GST_PACKAGES}`,
      env: { ...process.env, ...options.env },
    });
  } catch (err) {
    await removeTemp();
    throw err;
  }
  let ready: ReadyLine;
  try {
    ready = await peer.waitForLine(parseReady, options.startTimeoutMs ?? 15000, 'ready line from gst-camera');
  } catch (err) {
    await peer.stop();
    await removeTemp();
    // Exit code 3 is the script's "a GStreamer element or binding is missing".
    if (err instanceof PeerError && peer.exitInfo?.code === 3) {
      throw new PeerError('PEER_MISSING', err.message, { cause: err });
    }
    throw err;
  }
  const startupMs = Date.now() - started;
  let stopping: Promise<void> | undefined;
  const running = peer;
  return {
    ...ready,
    pid: peer.pid,
    startupMs,
    exited: running.exited,
    stderr: () => running.stderr(),
    stop: () => {
      stopping ??= running.stop().then(removeTemp);
      return stopping;
    },
  };
}
