import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../helpers/wait.js';
import { countFrames } from '../../peers/ffmpeg.js';
import { publishTestStream } from '../../peers/ffmpeg-publish.js';
import { parseRtspResponse, type RtspResponse } from '../../peers/rtsp-raw.js';
import { startTs2rtc, type RunningTs2rtc } from './server-harness.js';

/**
 * The RTSP server's session timeout (announced in Session, RFC 2326 12.37; go2rtc closes a reader's connection
 * after 60 s without a byte from it). A reader over UDP sends nothing on its TCP connection while it plays, so
 * when its host vanishes (no TEARDOWN, no FIN) only the timeout ends it. The server here runs a 2 s timeout.
 */

/** One RTSP connection driven by hand: requests in order, one answer each. */
class RawRtspSession {
  private data = Buffer.alloc(0);
  private cseq = 0;
  private waiting: ((response: RtspResponse) => void) | undefined;
  readonly closed: Promise<void>;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      const response = parseRtspResponse(this.data);
      if (!response) return;
      this.data = this.data.subarray(Buffer.byteLength(response.raw));
      this.waiting?.(response);
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<RawRtspSession> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawRtspSession(socket);
  }

  request(method: string, url: string, headers: Record<string, string> = {}): Promise<RtspResponse> {
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++this.cseq}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const answered = new Promise<RtspResponse>((resolve) => (this.waiting = resolve));
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    return answered;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function bindUdp(): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe('RTSP server: session timeout', () => {
  let server: RunningTs2rtc;
  before(async () => {
    server = await startTs2rtc({
      streams: { demo: 'demo:', pub: null },
      tuning: { rtsp: { sessionTimeoutS: 2, publisherTimeoutS: 2 } },
    });
  });
  after(() => server?.stop());

  const consumers = (): number => server.server.app.streams.get('demo')?.consumerCount ?? 0;
  const producers = async (name: string): Promise<number> => {
    const json = (await (await fetch(`${server.apiUrl}/api/streams?src=${name}`)).json()) as {
      producers: unknown[] | null;
    };
    return (json.producers ?? []).length;
  };

  /** DESCRIBE, SETUP of the video track over UDP to `rtp`'s port pair, PLAY; returns the server's RTCP port. */
  async function playOverUdp(
    session: RawRtspSession,
    rtp: UdpSocket,
  ): Promise<{ serverRtcp: number; timeout: string }> {
    const url = server.rtspUrl('demo');
    const described = await session.request('DESCRIBE', url, { Accept: 'application/sdp' });
    assert.equal(described.status, 200);
    const control = /a=control:(trackID=\d+)/.exec(described.body)?.[1];
    assert.ok(control, described.body);
    const clientPort = rtp.address().port;
    const setup = await session.request('SETUP', `${url}/${control}`, {
      Transport: `RTP/AVP;unicast;client_port=${clientPort}-${clientPort + 1}`,
    });
    assert.equal(setup.status, 200, setup.raw);
    const serverPorts = /server_port=(\d+)-(\d+)/.exec(setup.headers['transport'] ?? '');
    assert.ok(serverPorts?.[2], setup.raw);
    const sessionId = (setup.headers['session'] ?? '').split(';')[0] ?? '';
    const played = await session.request('PLAY', url, { Session: sessionId });
    assert.equal(played.status, 200);
    return { serverRtcp: Number(serverPorts[2]), timeout: setup.headers['session'] ?? '' };
  }

  it('a UDP reader that goes silent (its host vanished) is dropped after the timeout; the one that sends RTCP stays', async () => {
    const silentRtp = await bindUdp();
    const liveRtp = await bindUdp();
    let received = { silent: 0, live: 0 };
    silentRtp.on('message', () => received.silent++);
    liveRtp.on('message', () => received.live++);
    const silent = await RawRtspSession.open(server.rtspPort);
    const live = await RawRtspSession.open(server.rtspPort);
    try {
      const { timeout } = await playOverUdp(silent, silentRtp);
      assert.match(timeout, /;timeout=2$/, 'the timeout is announced');
      const { serverRtcp } = await playOverUdp(live, liveRtp);
      // An empty receiver report every 500 ms, as players send them (the port pair's odd port).
      const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]);
      const reports = setInterval(() => liveRtp.send(rr, serverRtcp, '127.0.0.1'), 500);
      try {
        await waitFor(() => received.silent > 10 && received.live > 10, { timeoutMs: 5000, what: 'RTP to both' });
        assert.equal(consumers(), 2);
        const started = performance.now();
        await silent.closed;
        const ms = performance.now() - started;
        process.stderr.write(`session timeout 2 s: the silent reader's connection closed after ${ms.toFixed(0)} ms\n`);
        // 2 s of silence, counted on the session's 500 ms ticks, from its last request (PLAY).
        assert.ok(ms < 6000, `${ms.toFixed(0)} ms`);
        await waitFor(() => consumers() === 1, { timeoutMs: 2000, what: 'the silent reader gone' });
        // Datagrams sent before the consumer went may still wait in our socket: let them in, then count.
        await new Promise((resolve) => setTimeout(resolve, 300));
        received = { silent: 0, live: 0 };
        await new Promise((resolve) => setTimeout(resolve, 1000));
        assert.equal(received.silent, 0, 'nothing more is sent to the vanished reader');
        assert.ok(received.live > 10, `the reader that reports kept its video (${received.live} packets in 1 s)`);
        assert.equal(consumers(), 1);
      } finally {
        clearInterval(reports);
      }
    } finally {
      silent.destroy();
      live.destroy();
      silentRtp.close();
      liveRtp.close();
    }
  });

  it('a publisher that freezes (ffmpeg stopped: its connection open, nothing sent) is let go after its timeout', async () => {
    const publisher = await publishTestStream(server.rtspUrl('pub'), { video: 'h264', size: '320x180' });
    try {
      assert.equal(await producers('pub'), 1);
      process.kill(publisher.pid, 'SIGSTOP');
      const started = performance.now();
      await waitFor(async () => (await producers('pub')) === 0, { timeoutMs: 8000, what: 'the frozen publisher gone' });
      const ms = performance.now() - started;
      process.stderr.write(`publisher timeout 2 s: the frozen publisher left the stream after ${ms.toFixed(0)} ms\n`);
    } finally {
      process.kill(publisher.pid, 'SIGCONT');
      await publisher.stop();
    }
  });

  it('ffmpeg reading over UDP for longer than the timeout keeps playing (its RTCP and keep-alives count)', async () => {
    const count = await countFrames(server.rtspUrl('demo'), { seconds: 5, transport: 'udp' });
    process.stderr.write(`ffmpeg over UDP, 2 s session timeout: ${count.frames} frames in ${count.windowMs} ms\n`);
    assert.equal(count.ended, false, 'the server did not end the session');
    assert.ok(count.frames >= 100, `${count.frames} frames in 5 s`);
  });
});
