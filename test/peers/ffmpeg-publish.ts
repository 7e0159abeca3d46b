import { PeerError } from './errors.js';
import { startProcess, type ExitInfo } from './process.js';

export interface PublishOptions {
  /** Defaults to h264 (libx264 baseline, zerolatency, GOP 25). RTMP takes h264 only. */
  video?: 'h264' | 'h265' | 'none';
  /** Defaults to none for RTSP, aac for RTMP. 440 Hz sine. */
  audio?: 'opus' | 'aac' | 'pcmu' | 'pcma' | 'none';
  /** RTSP transport for RECORD; defaults to tcp. */
  transport?: 'tcp' | 'udp';
  /** Stop by itself after this many seconds of stream; defaults to running until stop(). */
  seconds?: number;
  /** Defaults to 640x360. */
  size?: string;
  /** Defaults to 25. */
  fps?: number;
  /** How long to wait until ffmpeg has sent its first frame; defaults to 15000 ms. */
  startTimeoutMs?: number;
}

export interface Publisher {
  readonly pid: number;
  /** Milliseconds from spawn to the first frame sent (the server accepted the publish). */
  readonly startupMs: number;
  /** Settles when ffmpeg exits by itself (e.g. after `seconds`) or is stopped. */
  readonly exited: Promise<ExitInfo>;
  stderr(): string;
  /** SIGINT (ffmpeg ends the session: RTSP TEARDOWN, FLV trailer), SIGKILL after 3 s, reaped. */
  stop(): Promise<void>;
}

function codecArgs(options: PublishOptions, rtmp: boolean): { inputs: string[]; codecs: string[] } {
  const video = options.video ?? 'h264';
  const audio = options.audio ?? (rtmp ? 'aac' : 'none');
  const fps = options.fps ?? 25;
  const inputs: string[] = [];
  const codecs: string[] = [];
  if (video !== 'none') {
    inputs.push('-re', '-f', 'lavfi', '-i', `testsrc2=size=${options.size ?? '640x360'}:rate=${fps}`);
    codecs.push('-map', '0:v:0', '-pix_fmt', 'yuv420p');
    if (video === 'h264') {
      codecs.push(
        '-c:v',
        'libx264',
        '-profile:v',
        'baseline',
        '-tune',
        'zerolatency',
        '-preset',
        'ultrafast',
        '-g',
        String(fps),
      );
    } else {
      codecs.push(
        '-c:v',
        'libx265',
        '-preset',
        'ultrafast',
        '-tune',
        'zerolatency',
        '-x265-params',
        `keyint=${fps}:log-level=error`,
      );
    }
  }
  if (audio !== 'none') {
    const index = video === 'none' ? 0 : 1;
    inputs.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
    codecs.push('-map', `${index}:a:0`);
    if (audio === 'opus') codecs.push('-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '32k');
    else if (audio === 'aac') codecs.push('-c:a', 'aac', '-ar', '16000', '-ac', '1', '-b:a', '32k');
    else codecs.push('-c:a', audio === 'pcmu' ? 'pcm_mulaw' : 'pcm_alaw', '-ar', '8000', '-ac', '1');
  }
  if (inputs.length === 0) throw new PeerError('PEER_START_FAILED', 'publishTestStream: video and audio are both none');
  return { inputs, codecs };
}

/**
 * Publishes a live test stream (lavfi testsrc2 + sine) to `url` with ffmpeg: RTSP ANNOUNCE/RECORD for
 * rtsp://, FLV for rtmp://. Resolves once the first frame went out, i.e. the server accepted the publish;
 * rejects with PEER_START_FAILED (ffmpeg exited: refused, 401, no such path; with its stderr) or PEER_TIMEOUT.
 */
export async function publishTestStream(url: string, options: PublishOptions = {}): Promise<Publisher> {
  const rtmp = /^rtmps?:/i.test(url);
  const { inputs, codecs } = codecArgs(options, rtmp);
  const output = rtmp ? ['-f', 'flv'] : ['-f', 'rtsp', '-rtsp_transport', options.transport ?? 'tcp'];
  const duration = options.seconds === undefined ? [] : ['-t', String(options.seconds)];
  const started = Date.now();
  const peer = startProcess({
    name: 'ffmpeg (publish)',
    command: 'ffmpeg',
    debianPackage: 'ffmpeg',
    // prettier-ignore
    args: [
      '-hide_banner', '-nostdin', '-v', 'warning', '-progress', 'pipe:1', '-stats_period', '0.1',
      ...inputs, ...codecs, ...duration, ...output, url,
    ],
  });
  try {
    // -progress prints `frame=N` (video) and `out_time_us=N` blocks; either moving past 0 means data went out.
    await peer.waitForLine(
      (line) => (/^(frame=[1-9]|out_time_us=[1-9])/.test(line) ? true : undefined),
      options.startTimeoutMs ?? 15000,
      `first frame published to ${url}`,
    );
  } catch (err) {
    await peer.stop({ signal: 'SIGINT', graceMs: 1000 });
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: peer.pid,
    startupMs: Date.now() - started,
    exited: peer.exited,
    stderr: () => peer.stderr(),
    stop: () => {
      stopping ??= peer.stop({ signal: 'SIGINT', graceMs: 3000 }).then(() => undefined);
      return stopping;
    },
  };
}
