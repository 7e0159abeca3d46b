/**
 * One RTSP reader (DESCRIBE, SETUP over TCP, PLAY): counts RTP packets and bytes and, for every frame that
 * carries the camera's stamp, the time from the camera's write to the arrival of the frame's last packet.
 */
import { BenchRtspClient } from './rtsp-client.js';
import { FPS } from './clip.js';
import { findStamp } from './stamp.js';

/**
 * Servers drop a session that sends nothing (go2rtc: no byte read for 60 s), as players keep theirs alive:
 * an empty RTCP receiver report on the interleaved RTCP channel (1) every 15 s, as ffmpeg sends them.
 */
const KEEPALIVE_MS = 15_000;
const RECEIVER_REPORT = Buffer.from([0x24, 1, 0, 8, 0x80, 201, 0, 1, 0x62, 0x65, 0x6e, 0x63]);

/** Latency samples kept per reader (a window of 25 fps frames needs a few hundred). */
const MAX_SAMPLES = 4096;

export class BenchReader {
  packets = 0;
  bytes = 0;
  /** Frames whose stamp was found and whose last packet arrived. */
  frames = 0;
  /**
   * Nanoseconds from the camera's write to the arrival of the frame's last packet, for frames sent since
   * `recordFromNs`: key frames (one every FPS frames, 4-5x the bytes) and the others apart.
   */
  readonly keyLatencies: number[] = [];
  readonly deltaLatencies: number[] = [];
  private recordFromNs = Number.POSITIVE_INFINITY;
  private frameTimestamp = -1;
  private frameSentNs: number | undefined;
  private frameIndex = 0;
  private firstPacket: (() => void) | undefined;
  /** Resolves at the first RTP packet. */
  readonly started: Promise<void>;
  private keepAlive: NodeJS.Timeout | undefined;

  private constructor(private readonly client: BenchRtspClient) {
    this.started = new Promise((resolve) => (this.firstPacket = resolve));
  }

  get failure(): Error | undefined {
    return this.client.failure;
  }

  /** Connects and plays the video of `url` (`rtsp://host:port/path?query`). */
  static async play(url: string): Promise<BenchReader> {
    const parsed = new URL(url);
    const client = await BenchRtspClient.open(parsed.hostname, Number(parsed.port));
    try {
      const describe = await client.request('DESCRIBE', url, { Accept: 'application/sdp' });
      if (describe.status !== 200) throw new Error(`DESCRIBE ${url}: RTSP ${describe.status}`);
      const base = (describe.headers.get('content-base') ?? url.split('?')[0] ?? url).replace(/\/?$/, '/');
      const control = videoControl(describe.body);
      const trackUrl =
        control === undefined || control === '*' ? base : /^rtsp:/i.test(control) ? control : base + control;
      const setup = await client.request('SETUP', trackUrl, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
      if (setup.status !== 200) throw new Error(`SETUP ${trackUrl}: RTSP ${setup.status}`);
      const session = (setup.headers.get('session') ?? '').split(';')[0] ?? '';
      const reader = new BenchReader(client);
      const play = await client.request('PLAY', base, { Session: session, Range: 'npt=0.000-' });
      if (play.status !== 200) throw new Error(`PLAY ${base}: RTSP ${play.status}`);
      client.interleave((channel, buf, start, end, arrivalNs) => reader.onFrame(channel, buf, start, end, arrivalNs));
      reader.keepAlive = setInterval(() => client.socket.write(RECEIVER_REPORT), KEEPALIVE_MS).unref();
      return reader;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Keeps latencies only of frames the camera sent from `fromNs` on (not the GOP a server replays at PLAY). */
  record(fromNs: number): void {
    this.keyLatencies.length = 0;
    this.deltaLatencies.length = 0;
    this.recordFromNs = fromNs;
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.client.close();
  }

  private onFrame(channel: number, buf: Buffer, start: number, end: number, arrivalNs: number): void {
    // Odd channels are RTCP.
    if ((channel & 1) !== 0 || end - start < 12) return;
    this.packets++;
    this.bytes += end - start;
    if (this.firstPacket) {
      this.firstPacket();
      this.firstPacket = undefined;
    }
    const b0 = buf[start] ?? 0;
    let payload = start + 12 + (b0 & 0x0f) * 4;
    if ((b0 & 0x10) !== 0 && payload + 4 <= end) payload += 4 + buf.readUInt16BE(payload + 2) * 4;
    if (payload >= end) return;
    const timestamp = buf.readUInt32BE(start + 4);
    const stamp = findStamp(buf, payload, end);
    if (stamp !== undefined) {
      this.frameTimestamp = timestamp;
      this.frameSentNs = stamp.sentNs;
      this.frameIndex = stamp.frameIndex;
    }
    const marker = ((buf[start + 1] ?? 0) & 0x80) !== 0;
    if (!marker || this.frameSentNs === undefined || timestamp !== this.frameTimestamp) return;
    this.frames++;
    if (this.frameSentNs >= this.recordFromNs) {
      const list = this.frameIndex % FPS === 0 ? this.keyLatencies : this.deltaLatencies;
      if (list.length < MAX_SAMPLES) list.push(arrivalNs - this.frameSentNs);
    }
    this.frameSentNs = undefined;
  }
}

/** `a=control` of the first video media of an SDP. */
function videoControl(sdp: string): string | undefined {
  let inVideo = false;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      if (inVideo) return undefined;
      inVideo = line.startsWith('m=video');
    } else if (inVideo && line.startsWith('a=control:')) {
      return line.slice('a=control:'.length).trim();
    }
  }
  return undefined;
}
