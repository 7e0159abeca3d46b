import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { loadClip, type ClipTrack } from '../../addon/src/modules/demo/clip.js';
import { H264Packetizer } from '../../addon/src/pkg/h264/index.js';
import { PeerError } from './errors.js';

/**
 * A misbehaving IP camera over RTSP/TCP, for the fault tests. Real cameras (GStreamer's server) cannot be
 * told to refuse PLAY, stall in the middle of a frame or answer with noise on demand, so this fake speaks
 * just enough RTSP (OPTIONS, DESCRIBE, SETUP interleaved, PLAY, TEARDOWN, keep-alives) and sends the demo
 * clip's real H264 at 25 fps when it plays. The mode can change at any time; it applies to the next request
 * (and, for `stall`/`garbage`, to sessions already playing).
 *
 * - `play`: a well-behaved camera.
 * - `refuse-play`: everything answers 200 except PLAY, answered at once with 503 (a camera out of sessions).
 * - `flap`: PLAY is answered, five frames go out, then the camera hangs up.
 * - `slow`: every answer comes `slowMs` late.
 * - `stall`: plays, then writes the first 100 bytes of a 1400-byte interleaved frame and nothing more; the
 *   connection stays open.
 * - `garbage`: plays, then writes random bytes instead of interleaved frames.
 */
export type FakeCameraMode = 'play' | 'refuse-play' | 'flap' | 'slow' | 'stall' | 'garbage';

export interface FakeRtspCamera {
  readonly url: string;
  readonly port: number;
  mode: FakeCameraMode;
  /** How late `slow` answers come. Defaults to 1000 ms. */
  slowMs: number;
  /** Every request handled, with performance.now() at arrival. */
  readonly requests: ReadonlyArray<{ method: string; at: number }>;
  count(method: string, since?: number): number;
  /** Connections open now. */
  readonly connections: number;
  stop(): Promise<void>;
}

const FPS = 25;

let clipVideo: Promise<ClipTrack> | undefined;
function video(): Promise<ClipTrack> {
  clipVideo ??= loadClip().then((clip) => {
    const track = clip.tracks.find((t) => t.media.kind === 'video');
    if (!track) throw new PeerError('PEER_START_FAILED', 'demo clip has no video');
    return track;
  });
  return clipVideo;
}

export async function startFakeRtspCamera(
  options: { mode?: FakeCameraMode; slowMs?: number } = {},
): Promise<FakeRtspCamera> {
  const track = await video();
  const sockets = new Set<Socket>();
  const requests: Array<{ method: string; at: number }> = [];
  const state = { mode: options.mode ?? 'play', slowMs: options.slowMs ?? 1000 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, track, state, requests);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new PeerError('PEER_START_FAILED', `fake camera: ${err.message}`)));
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new PeerError('PEER_START_FAILED', 'fake camera: no port');
  const url = `rtsp://127.0.0.1:${address.port}/stream`;
  return {
    url,
    port: address.port,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeCameraMode) {
      state.mode = mode;
    },
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(ms: number) {
      state.slowMs = ms;
    },
    requests,
    count: (method, since = 0) => requests.filter((r) => r.method === method && r.at >= since).length,
    get connections() {
      return sockets.size;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface CameraState {
  mode: FakeCameraMode;
  slowMs: number;
}

function serve(
  socket: Socket,
  track: ClipTrack,
  state: CameraState,
  requests: Array<{ method: string; at: number }>,
): void {
  let buffer = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  const session = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  socket.on('error', () => undefined);
  socket.on('close', () => clearInterval(timer));

  const answer = (cseq: string, status: string, headers: Record<string, string> = {}, body = ''): void => {
    const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: fake_rtsp_camera'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    const text = `${lines.join('\r\n')}\r\n\r\n${body}`;
    const send = (): void => void (socket.writable && socket.write(text));
    if (state.mode === 'slow') setTimeout(send, state.slowMs);
    else send();
  };

  const play = (): void => {
    const packetizer = new H264Packetizer({ payloadType: 96 });
    let index = 0;
    let sent = 0;
    let loopOffset = 0;
    timer = setInterval(() => {
      if (!socket.writable) return;
      if (state.mode === 'garbage') {
        socket.write(randomBytes(4096));
        return;
      }
      if (state.mode === 'stall') {
        const head = Buffer.from([0x24, 0, 0, 0]);
        head.writeUInt16BE(1400, 2);
        socket.write(Buffer.concat([head, randomBytes(100)]));
        clearInterval(timer);
        return;
      }
      if (state.mode === 'flap' && sent >= 5) {
        clearInterval(timer);
        socket.destroy();
        return;
      }
      const packet = track.packets[index];
      if (!packet) return;
      for (const rtp of packetizer.packetize({ ...packet, timestamp: packet.timestamp + loopOffset })) {
        const frame = Buffer.concat([rtp.header, ...rtp.payload]);
        const head = Buffer.from([0x24, 0, 0, 0]);
        head.writeUInt16BE(frame.length, 2);
        socket.write(Buffer.concat([head, frame]));
      }
      sent++;
      index++;
      if (index >= track.packets.length) {
        index = 0;
        loopOffset += track.loopTicks;
      }
    }, 1000 / FPS);
  };

  const handle = (head: string): void => {
    const [requestLine = '', ...lines] = head.split('\r\n');
    const [method = '', uri = ''] = requestLine.split(' ');
    const header = (name: string): string | undefined =>
      lines
        .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        ?.slice(name.length + 1)
        .trim();
    const cseq = header('CSeq') ?? '0';
    requests.push({ method, at: performance.now() });
    switch (method) {
      case 'OPTIONS':
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return answer(cseq, '200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' });
      case 'DESCRIBE': {
        const sdp = [
          'v=0',
          'o=- 1 1 IN IP4 127.0.0.1',
          's=fake camera',
          'c=IN IP4 0.0.0.0',
          't=0 0',
          'm=video 0 RTP/AVP 96',
          'a=rtpmap:96 H264/90000',
          `a=fmtp:96 ${track.codec.fmtp ?? 'packetization-mode=1'}`,
          'a=control:trackID=0',
          '',
        ].join('\r\n');
        return answer(
          cseq,
          '200 OK',
          { 'Content-Type': 'application/sdp', 'Content-Base': `${uri.replace(/\/$/, '')}/` },
          sdp,
        );
      }
      case 'SETUP':
        if (!/RTP\/AVP\/TCP/.test(header('Transport') ?? '')) return answer(cseq, '461 Unsupported Transport');
        return answer(cseq, '200 OK', {
          Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
          Session: `${session};timeout=60`,
        });
      case 'PLAY':
        if (state.mode === 'refuse-play') return answer(cseq, '503 Service Unavailable', { Session: session });
        answer(cseq, '200 OK', { Session: session, Range: 'npt=0.000-' });
        if (!timer) play();
        return;
      case 'TEARDOWN':
        answer(cseq, '200 OK', { Session: session });
        socket.end();
        return;
      default:
        return answer(cseq, '501 Not Implemented');
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      // The client's RTCP receiver reports come interleaved on the same connection.
      if (buffer[0] === 0x24) {
        if (buffer.length < 4) return;
        const size = 4 + buffer.readUInt16BE(2);
        if (buffer.length < size) return;
        buffer = buffer.subarray(size);
        continue;
      }
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      handle(head);
    }
  });
}
