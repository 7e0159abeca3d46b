/**
 * The floor of bench/rtsp.ts: the least a Node RTSP relay can do. It says 200 to every request, and writes
 * each chunk the publisher sends, unchanged, to every player (one write per chunk per player, starting a new
 * player at an interleaved frame boundary). No parsing of RTP, no re-packetizing, no queue, no GOP. Its CPU
 * per packet per reader is what Node's socket writes cost; its latency is what this machine adds to any relay
 * (scheduling, loopback, the bench's own event loop).
 *
 * Prints ONE JSON line {"ready": true, "port": N} on stdout when it listens. Runs until killed.
 */
import { createServer, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_REQUEST = 64 * 1024;

const players = new Set<Socket>();
/** Players that asked to PLAY, waiting for the next frame boundary. */
const joining = new Set<Socket>();
let announced = '';

/** Where interleaved frames start in the publisher's stream, across chunks. */
class FrameBoundaries {
  /** Bytes of the current frame (header included) still to come. */
  private left = 0;
  /** Header bytes seen when a header is split across chunks. */
  private header: number[] = [];

  /** Offset of the first frame that starts in `chunk`, or -1; and moves the state past the chunk. */
  firstStart(chunk: Buffer): number {
    let first = -1;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.header.length > 0) {
        this.header.push(chunk[pos++] ?? 0);
        if (this.header.length === 4) {
          this.left = ((this.header[2] ?? 0) << 8) | (this.header[3] ?? 0);
          this.header = [];
        }
        continue;
      }
      if (this.left > 0) {
        const take = Math.min(this.left, chunk.length - pos);
        this.left -= take;
        pos += take;
        continue;
      }
      if (first < 0) first = pos;
      if (chunk.length - pos >= 4) {
        this.left = chunk.readUInt16BE(pos + 2);
        pos += 4;
      } else {
        this.header = [...chunk.subarray(pos)];
        pos = chunk.length;
      }
    }
    return first;
  }
}

function respond(socket: Socket, head: string, method: string): void {
  const cseq = /^cseq:\s*(\d+)/im.exec(head)?.[1] ?? '0';
  const lines = ['RTSP/1.0 200 OK', `CSeq: ${cseq}`, 'Session: 1'];
  if (method === 'SETUP')
    lines.push(
      `Transport: ${/^transport:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? 'RTP/AVP/TCP;unicast;interleaved=0-1'}`,
    );
  let body = '';
  if (method === 'DESCRIBE') {
    body = announced;
    lines.push('Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  let publishing: FrameBoundaries | undefined;
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    players.delete(socket);
    joining.delete(socket);
  });
  socket.on('data', (chunk: Buffer) => {
    if (publishing) {
      const start = publishing.firstStart(chunk);
      for (const player of players) player.write(chunk);
      if (start >= 0 && joining.size > 0) {
        const tail = chunk.subarray(start);
        for (const player of joining) {
          player.write(tail);
          players.add(player);
        }
        joining.clear();
      }
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf(HEADER_END);
      if (end < 0) {
        if (pending.length > MAX_REQUEST) socket.destroy();
        return;
      }
      const head = pending.toString('latin1', 0, end);
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      const body = pending.toString('utf8', end + 4, end + 4 + length);
      pending = pending.subarray(end + 4 + length);
      const method = head.slice(0, head.indexOf(' ')).toUpperCase();
      if (method === 'ANNOUNCE') announced = body;
      respond(socket, head, method);
      if (method === 'RECORD') {
        publishing = new FrameBoundaries();
        // Frames right behind RECORD in the same read: the start of the stream.
        if (pending.length > 0) publishing.firstStart(pending);
        return;
      }
      if (method === 'PLAY') joining.add(socket);
    }
  });
});

server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ ready: true, port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`,
  );
});
