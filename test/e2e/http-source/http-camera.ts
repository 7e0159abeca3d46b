import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JpegStreamSplitter } from '../../../addon/src/pkg/mjpeg/index.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A camera over HTTP, made of real ffmpeg output served by a small node HTTP server on 127.0.0.1:
 * The JPEGs use the standard Huffman tables (`-huffman default`), as camera encoders do (RTP/JPEG can carry
 * no others; ffmpeg defaults to optimised ones).
 * - `/video.mjpg`: MJPEG as many cameras send it (`multipart/x-mixed-replace; boundary=myboundary`, a
 *   Content-Length per part), the frames of one shared `ffmpeg -f mjpeg` encoder at FPS frames per second
 *   (started by the first request for it or for a snapshot);
 * - `/ffmpeg.mjpg`: ffmpeg's own `-f mpjpeg` bytes, one ffmpeg per request, piped as they come;
 * - `/snapshot.jpg`: one `image/jpeg` per request, the next fresh frame (a camera snapshot URL);
 * - `/digest/<any of these>`: the same behind HTTP Digest auth (user `admin`, password `secret`, qop=auth, a
 *   new nonce every 20 requests), as Hikvision/Dahua snapshot and MJPEG URLs are;
 * - `/live.flv`, `/live.ts`: HTTP-FLV and raw MPEG-TS (H264 + AAC), one ffmpeg per request, sent as
 *   `application/octet-stream` so only the first bytes tell the format;
 * - `/late.ts`: raw MPEG-TS (H264 + AAC) with a key frame every 4 s whose first 1.5 s are cut off (at a TS
 *   packet boundary): a live stream joined mid-GOP, whose video parameters come 2.5 s after the first byte;
 * - `/hls-ts/index.m3u8`, `/hls-fmp4/index.m3u8`: live HLS (H264 + AAC) written by `ffmpeg -f hls` (MPEG-TS
 *   and fMP4 segments), served from its folder with the usual content types; from the start with the `hls`
 *   option (both, or the ones it lists), or between `startHls()` and `stopHls()`.
 * Every ffmpeg it started is killed and reaped by `stop()`.
 */
export interface HttpCamera {
  readonly base: string;
  readonly fps: number;
  /** Frames the shared encoder has produced so far. */
  readonly frames: number;
  /** Requests seen per path. */
  readonly requests: Map<string, number>;
  /** The ffmpeg behind each `/ffmpeg.mjpg` request still open (SIGSTOP one: a camera that hangs mid-stream). */
  readonly mjpegEncoders: ReadonlySet<number>;
  /** The same for `/live.flv`, `/live.ts` and `/late.ts`. */
  readonly liveEncoders: ReadonlySet<number>;
  /**
   * Starts the HLS encoders of `kinds` (both by default) that are not running yet, and resolves once each
   * playlist lists 3 segments. Each costs ~7 % of a core, so a file runs only the ones it reads, and only
   * while it reads them.
   */
  startHls(kinds?: readonly HlsKind[]): Promise<void>;
  /** Kills and reaps the HLS encoders; their playlists are gone until the next `startHls()`. */
  stopHls(): Promise<void>;
  stop(): Promise<void>;
}

export const FPS = 25;

/** The live HLS folders: MPEG-TS and fMP4 segments. */
export type HlsKind = 'hls-ts' | 'hls-fmp4';
const HLS_KINDS: readonly HlsKind[] = ['hls-ts', 'hls-fmp4'];

const LAVFI = (size: string): string[] => ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${FPS}`];
/** A 440 Hz tone as AAC, the audio of the HLS, FLV and MPEG-TS paths (second input of the command). */
const TONE_INPUT = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const AAC = ['-c:a', 'aac', '-b:a', '64k'];
/** AAC frames a second (1024 samples at 48 kHz). */
export const AAC_FRAMES_PER_S = 48000 / 1024;
/** Key frame interval of `/late.ts`, in frames: 4 s, so a reader joining after 1.5 s waits 2.5 s for one. */
const LATE_GOP = FPS * 4;
/** How much of `/late.ts` is cut off at the start, so the first bytes a reader gets are mid-GOP. */
const LATE_CUT_MS = 1500;
const TS_PACKET = 188;

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

export async function startHttpCamera(options: { hls?: boolean | readonly HlsKind[] } = {}): Promise<HttpCamera> {
  const children = new Set<ChildProcess>();
  const run = (args: string[]): ChildProcess => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const kill = (child: ChildProcess): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  let count = 0;
  const waiters = new Set<(frame: Buffer) => void>();
  const splitter = new JpegStreamSplitter();
  let encoder: ChildProcess | undefined;
  /**
   * The shared MJPEG encoder starts with the first request for its frames and runs until stop(): files that
   * read only the H264 paths (live-formats, HLS for Home Assistant) do not pay ~4 % of a core for it.
   */
  const startEncoder = (): void => {
    if (encoder) return;
    encoder = run([
      ...LAVFI('320x240'),
      '-c:v',
      'mjpeg',
      '-huffman',
      'default',
      '-q:v',
      '5',
      '-pix_fmt',
      'yuvj420p',
      '-f',
      'mjpeg',
      'pipe:1',
    ]);
    encoder.stdout?.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) {
        count++;
        for (const waiter of [...waiters]) waiter(frame);
      }
    });
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-hls-'));
  const hlsEncoders = new Map<HlsKind, ChildProcess>();
  const startHls = async (kinds: readonly HlsKind[] = HLS_KINDS): Promise<void> => {
    const starting = kinds.filter((kind) => !hlsEncoders.has(kind));
    for (const name of starting) {
      const type = name === 'hls-ts' ? 'mpegts' : 'fmp4';
      const out = path.join(dir, name);
      // Empty, so a playlist left by an earlier run of the encoders is not served as live.
      await rm(out, { recursive: true, force: true });
      await mkdir(out);
      // prettier-ignore
      hlsEncoders.set(name, run([
        ...LAVFI('320x240'), ...TONE_INPUT,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(FPS), '-pix_fmt', 'yuv420p', ...AAC,
        '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments+independent_segments',
        '-hls_segment_type', type,
        ...(type === 'fmp4' ? ['-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', path.join(out, 'seg%d.m4s')] : ['-hls_segment_filename', path.join(out, 'seg%d.ts')]),
        path.join(out, 'index.m3u8'),
      ]));
    }
    // Three segments before anyone reads the playlist, as a real HLS server has.
    for (const name of starting) {
      await waitFor(
        async () => {
          const text = await readFile(path.join(dir, name, 'index.m3u8'), 'utf8').catch(() => '');
          return (text.match(/#EXTINF/g) ?? []).length >= 3;
        },
        { timeoutMs: 20_000, what: `${name} playlist has 3 segments` },
      );
    }
  };
  const stopHls = async (): Promise<void> => {
    await Promise.all([...hlsEncoders.values()].map(kill));
    hlsEncoders.clear();
    for (const name of HLS_KINDS) await rm(path.join(dir, name), { recursive: true, force: true });
  };
  const nextFrame = (): Promise<Buffer> =>
    new Promise((resolve) => {
      const waiter = (frame: Buffer): void => {
        waiters.delete(waiter);
        resolve(frame);
      };
      waiters.add(waiter);
    });
  const requests = new Map<string, number>();
  const mjpegEncoders = new Set<number>();
  const liveEncoders = new Set<number>();
  let nonce = '';
  let nonceUses = 0;
  /** The server side of Digest, written out here independently of the client under test. */
  const digestOk = (req: http.IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Digest ')) return false;
    const p = Object.fromEntries(
      [...header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m): [string, string | undefined] => [
        m[1] ?? '',
        m[2] ?? m[3],
      ]),
    );
    const md5 = (t: string): string => createHash('md5').update(t).digest('hex');
    const ha1 = md5(`admin:camera:secret`);
    const ha2 = md5(`${req.method}:${p.uri}`);
    return (
      p.username === 'admin' &&
      p.nonce === nonce &&
      p.uri === req.url &&
      p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
    );
  };
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/digest/')) {
      if (!nonce || nonceUses >= 20 || !digestOk(req)) {
        if (!nonce || nonceUses >= 20) {
          nonce = Math.random().toString(36).slice(2);
          nonceUses = 0;
        }
        requests.set('401', (requests.get('401') ?? 0) + 1);
        res
          .writeHead(401, { 'WWW-Authenticate': `Digest realm="camera", qop="auth", nonce="${nonce}", opaque="op"` })
          .end();
        return;
      }
      nonceUses++;
      req.url = req.url.slice('/digest'.length);
    }
    const url = new URL(req.url ?? '/', 'http://x');
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    if (url.pathname === '/video.mjpg') {
      startEncoder();
      res.writeHead(200, {
        'Content-Type': 'multipart/x-mixed-replace; boundary=myboundary',
        'Cache-Control': 'no-cache',
      });
      const send = (frame: Buffer): void => {
        res.write(`--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
        res.write(frame);
        res.write('\r\n');
      };
      waiters.add(send);
      res.once('close', () => waiters.delete(send));
      return;
    }
    if (url.pathname === '/ffmpeg.mjpg') {
      const child = run([
        ...LAVFI('320x240'),
        '-c:v',
        'mjpeg',
        '-huffman',
        'default',
        '-q:v',
        '5',
        '-pix_fmt',
        'yuvj420p',
        '-f',
        'mpjpeg',
        'pipe:1',
      ]);
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace;boundary=ffmpeg' });
      child.stdout?.pipe(res);
      if (child.pid !== undefined) mjpegEncoders.add(child.pid);
      res.once('close', () => {
        if (child.pid !== undefined) mjpegEncoders.delete(child.pid);
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      });
      return;
    }
    if (url.pathname === '/live.flv' || url.pathname === '/live.ts' || url.pathname === '/late.ts') {
      const flv = url.pathname.endsWith('.flv');
      const late = url.pathname === '/late.ts';
      // prettier-ignore
      const child = run([
        ...LAVFI('320x240'), ...TONE_INPUT,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(late ? LATE_GOP : FPS), '-pix_fmt', 'yuv420p', ...AAC,
        '-f', flv ? 'flv' : 'mpegts', 'pipe:1',
      ]);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      if (!late) {
        child.stdout?.pipe(res);
      } else {
        // Drop what the encoder wrote in its first 1.5 s, then send from the next TS packet boundary on.
        const spawned = Date.now();
        let offset = 0;
        let sending = false;
        child.stdout?.on('data', (chunk: Buffer) => {
          const start = offset;
          offset += chunk.length;
          if (!sending) {
            if (Date.now() - spawned < LATE_CUT_MS) return;
            const boundary = Math.ceil(start / TS_PACKET) * TS_PACKET - start;
            if (boundary >= chunk.length) return;
            sending = true;
            chunk = chunk.subarray(boundary);
          }
          res.write(chunk);
        });
      }
      if (child.pid !== undefined) liveEncoders.add(child.pid);
      res.once('close', () => {
        if (child.pid !== undefined) liveEncoders.delete(child.pid);
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      });
      return;
    }
    if (url.pathname === '/snapshot.jpg') {
      startEncoder();
      void nextFrame().then((frame) => {
        res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': frame.length });
        res.end(frame);
      });
      return;
    }
    const file = path.join(dir, path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
          'Content-Length': body.length,
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  if (options.hls) await startHls(options.hls === true ? HLS_KINDS : options.hls);
  return {
    base: `http://127.0.0.1:${port}`,
    fps: FPS,
    get frames() {
      return count;
    },
    requests,
    mjpegEncoders,
    liveEncoders,
    startHls,
    stopHls,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...children].map(kill));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
