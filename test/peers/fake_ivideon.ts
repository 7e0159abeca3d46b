import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * fake_ivideon: Ivideon's public-camera API and live stream on loopback. A fake because the service is a
 * cloud one (unreachable here); it answers what go2rtc's `pkg/ivideon` asks and reads:
 * - `GET /cameras/<id>/live_stream?op=GET&access_token=public&q=2&video_codecs=h264&format=ws-fmp4` →
 *   `{"success":true,"result":{"url":"ws://…"}}`; a camera that is offline or unknown → `"success":false` with a
 *   `message` (the field go2rtc shows) and a `code`; the HTTP statuses and code values of those refusals are
 *   assumed (the public API's error shapes are not documented), the `success`/`message` fields are go2rtc's;
 * - the WebSocket: JSON text messages `metadata`, `stream-init` (`codec_string` avc1.PPCCLL, `data` = the
 *   fMP4 init segment in base64, `track_id`) and, per fragment, `fragment` (`track`, `start_time`,
 *   `duration`, `is_key`) followed by the moof+mdat as one binary message.
 * The video is real: ffmpeg encodes testsrc2 (640x360, 25 fps, H264) live (`-re`) as fragmented MP4, one
 * fragment per frame, a fresh encoder per viewer (each starts at a key frame), killed when the viewer leaves.
 */

export interface FakeIvideonCamera {
  readonly id: string;
  readonly state: 'online' | 'offline';
}

export interface FakeIvideon {
  /** `http://127.0.0.1:PORT`, for `TS2RTC_IVIDEON_API`. */
  readonly base: string;
  readonly fps: number;
  /** live_stream requests seen (camera ids as asked). */
  readonly requests: string[];
  /** Encoders running now (one per connected viewer). */
  readonly encoders: () => number;
  stop(): Promise<void>;
}

const FPS = 25;

function ffmpegArgs(): string[] {
  // prettier-ignore
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}`,
    '-c:v', 'libx264', '-profile:v', 'main', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(FPS), '-pix_fmt', 'yuv420p',
    '-f', 'mp4', '-movflags', 'empty_moov+default_base_moof+frag_every_frame', 'pipe:1',
  ];
}

/** Splits a byte stream into top-level MP4 boxes. */
class BoxSplitter {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.rest = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const boxes: Buffer[] = [];
    while (this.rest.length >= 8) {
      const size = this.rest.readUInt32BE(0);
      if (size < 8 || this.rest.length < size) break;
      boxes.push(this.rest.subarray(0, size));
      this.rest = this.rest.subarray(size);
    }
    return boxes;
  }
}

/** `avc1.PPCCLL` from the avcC inside an init segment. */
function codecString(init: Buffer): string {
  const at = init.indexOf('avcC');
  if (at < 0) return 'avc1';
  const hex = (n: number | undefined): string => (n ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(init[at + 5])}${hex(init[at + 6])}${hex(init[at + 7])}`;
}

/** is_key from the first trun sample's flags (or the tfhd default): sample_is_non_sync_sample clear. */
function isKey(moof: Buffer): boolean {
  const trun = moof.indexOf('trun');
  if (trun < 0) return false;
  const flags = moof.readUIntBE(trun + 5, 3);
  let at = trun + 12; // after version/flags and sample_count
  if (flags & 0x1) at += 4;
  if (flags & 0x4) return (moof.readUInt32BE(at) & 0x10000) === 0;
  const tfhd = moof.indexOf('tfhd');
  const tfhdFlags = moof.readUIntBE(tfhd + 5, 3);
  if (tfhdFlags & 0x20) {
    let d = tfhd + 12;
    if (tfhdFlags & 0x1) d += 8;
    if (tfhdFlags & 0x2) d += 4;
    if (tfhdFlags & 0x8) d += 4;
    if (tfhdFlags & 0x10) d += 4;
    return (moof.readUInt32BE(d) & 0x10000) === 0;
  }
  return true;
}

export async function startFakeIvideon(cameras: readonly FakeIvideonCamera[]): Promise<FakeIvideon> {
  const requests: string[] = [];
  const encoders = new Set<ChildProcess>();
  let port = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/cameras\/([^/]+)\/live_stream$/.exec(url.pathname);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!match?.[1]) return json(404, { success: false, code: 'NOT_FOUND', message: 'Not found' });
    const id = decodeURIComponent(match[1]);
    requests.push(id);
    const q = url.searchParams;
    if (q.get('op') !== 'GET' || q.get('access_token') !== 'public' || q.get('format') !== 'ws-fmp4') {
      return json(400, { success: false, code: 'INVALID_PARAMS', message: 'Invalid request parameters' });
    }
    const camera = cameras.find((c) => c.id === id);
    if (!camera) return json(404, { success: false, code: 'NOT_FOUND', message: 'Camera not found' });
    if (camera.state === 'offline')
      return json(200, { success: false, code: 'CAMERA_OFFLINE', message: 'Camera is offline' });
    json(200, { success: true, result: { url: `ws://127.0.0.1:${port}/live/${encodeURIComponent(id)}` } });
  });

  const wss = new WebSocketServer({ server, path: undefined });
  wss.on('connection', (ws: WebSocket) => {
    const encoder = spawn('ffmpeg', ffmpegArgs(), { stdio: ['ignore', 'pipe', 'inherit'] });
    encoders.add(encoder);
    encoder.once('exit', () => encoders.delete(encoder));
    const splitter = new BoxSplitter();
    let init: Buffer[] = [];
    let moof: Buffer | undefined;
    let time = 0;
    ws.send(JSON.stringify({ type: 'metadata', version: 1, name: 'fake camera' }));
    encoder.stdout?.on('data', (chunk: Buffer) => {
      for (const box of splitter.push(chunk)) {
        const type = box.toString('latin1', 4, 8);
        if (type === 'ftyp') init = [box];
        else if (type === 'moov') {
          const segment = Buffer.concat([...init, box]);
          ws.send(
            JSON.stringify({
              type: 'stream-init',
              codec_string: codecString(segment),
              data: segment.toString('base64'),
              track_id: 0,
            }),
          );
        } else if (type === 'moof') moof = box;
        else if (type === 'mdat' && moof) {
          const fragment = Buffer.concat([moof, box]);
          ws.send(
            JSON.stringify({
              type: 'fragment',
              track: 0,
              start_time: time,
              duration: 1 / FPS,
              is_key: isKey(moof),
              data_offset: 0,
            }),
          );
          ws.send(fragment);
          time += 1 / FPS;
          moof = undefined;
        }
      }
    });
    ws.on('close', () => encoder.kill('SIGKILL'));
    ws.on('error', () => encoder.kill('SIGKILL'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const killAll = (): void => {
    for (const encoder of encoders) encoder.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return {
    base: `http://127.0.0.1:${port}`,
    fps: FPS,
    requests,
    encoders: () => encoders.size,
    async stop() {
      for (const client of wss.clients) client.terminate();
      const exits = [...encoders].map(
        (e) =>
          new Promise<void>((resolve) =>
            e.exitCode !== null || e.signalCode !== null ? resolve() : e.once('exit', () => resolve()),
          ),
      );
      killAll();
      await Promise.all(exits);
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      process.off('exit', killAll);
    },
  };
}
