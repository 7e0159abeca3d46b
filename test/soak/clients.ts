import { connect } from 'node:net';
import { pino } from 'pino';
import { parseRtspSourceOptions } from '../../addon/src/modules/rtsp/client/options.js';
import { RtspProducer } from '../../addon/src/modules/rtsp/client/producer.js';
import { parseSourceUrl } from '../../addon/src/modules/streams/source-url.js';
import { viewOverWs } from '../e2e/webrtc/helpers.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { TestWsClient } from '../helpers/ws-client.js';
import { parseRtspResponse, type RtspResponse } from '../peers/rtsp-raw.js';

/**
 * One connect → first media → disconnect cycle per protocol, the way real viewers come and go. Each resolves
 * when the viewer got media and has hung up; each throws (with what it waited for) when it does not.
 */

const log = pino({ level: 'silent' });
const CHROME_CODECS = 'avc1.640029,avc1.64002A,avc1.640033,mp4a.40.2,mp4a.40.5,flac,opus';

/** A well-behaved RTSP reader (ts2rtc's own RTSP client): DESCRIBE, SETUP, PLAY, first packet, TEARDOWN. */
export async function rtspReaderCycle(url: string, transport: 'tcp' | 'udp'): Promise<void> {
  const producer = await RtspProducer.open({
    options: parseRtspSourceOptions(parseSourceUrl(`${url}#transport=${transport}`)),
    userAgent: 'soak',
    log,
  });
  try {
    // Audio (Opus, every 20 ms) comes first; video would wait for the next key frame.
    const receivers = producer.getMedias().map((m) => producer.getTrack(m, m.codecs[0]!));
    await producer.start();
    await waitFor(() => receivers.some((r) => r.stats.packets > 0), {
      timeoutMs: 5000,
      what: `RTSP ${transport} media`,
    });
  } finally {
    await producer.stop();
  }
}

/**
 * A reader that vanishes: plays over TCP, then drops the connection without TEARDOWN (a killed player, a
 * phone going out of range). The server must notice and free everything.
 */
export async function rtspAbruptCycle(url: string): Promise<void> {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port) });
  socket.on('error', () => undefined);
  let data = Buffer.alloc(0);
  let cseq = 0;
  socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
  const request = async (method: string, uri: string, headers: Record<string, string> = {}): Promise<RtspResponse> => {
    const lines = [
      `${method} ${uri} RTSP/1.0`,
      `CSeq: ${++cseq}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const response = await waitFor(() => parseRtspResponse(data), { timeoutMs: 5000, what: `${method} answer` });
    data = data.subarray(Buffer.byteLength(response.raw));
    if (response.status !== 200) throw new Error(`${method}: ${response.status} ${response.reason}`);
    return response;
  };
  try {
    await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'RTSP connect');
    const describe = await request('DESCRIBE', url, { Accept: 'application/sdp' });
    const control = /^a=control:(\S+)/m.exec(describe.body.split(/^m=/m)[1] ?? '')?.[1] ?? '';
    const base = describe.headers['content-base'] ?? `${url}/`;
    const trackUrl = /^rtsp:/.test(control) ? control : `${base.replace(/\/?$/, '/')}${control}`;
    const setup = await request('SETUP', trackUrl, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    const session = (setup.headers['session'] ?? '').split(';')[0] ?? '';
    await request('PLAY', url, { Session: session });
    await waitFor(() => data.includes(0x24), { timeoutMs: 5000, what: 'an interleaved RTP frame' });
  } finally {
    socket.destroy();
  }
}

/** go2rtc's MSE player: `/api/ws`, `{type: mse}`, the init segment and a first fragment, then the socket closes. */
export async function mseCycle(api: string, src: string): Promise<void> {
  const client = await TestWsClient.open(`${api.replace('http', 'ws')}/api/ws?src=${encodeURIComponent(src)}`);
  try {
    client.send({ type: 'mse', value: CHROME_CODECS });
    await waitFor(() => client.binary.length >= 2, { timeoutMs: 5000, what: 'MSE init segment and a fragment' });
  } finally {
    client.close();
    await client.closed();
  }
}

/**
 * A werift WebRTC viewer over `/api/ws` (Home Assistant's v2 signaling): offer, answer, ICE and DTLS, first
 * video packet, then the socket closes (which ends the session at once) and the peer connection closes.
 */
export async function webrtcCycle(api: string, src: string): Promise<void> {
  const viewing = await viewOverWs({ url: api }, { src, version: 2 });
  try {
    await viewing.firstVideoMs(10_000);
  } finally {
    await viewing.close();
  }
}
