/**
 * The bench camera: plays the clip in real time as RTP (H264Packetizer, 1200-byte payloads, as the server
 * re-sends them), each frame carrying a send-time stamp, either published into ts2rtc with RTSP
 * ANNOUNCE/RECORD over TCP (one write per frame) or sent as UDP datagrams (to GStreamer's udpsrc).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { buildH264Fmtp, H264Packetizer, joinAvcc } from '../../addon/src/pkg/h264/index.js';
import type { RtpPacketOut } from '../../addon/src/pkg/rtp/payload.js';
import type { Clip } from './clip.js';
import { FPS, FRAME_TICKS } from './clip.js';
import { BenchRtspClient } from './rtsp-client.js';
import { nowNs, restamp, stampNal, stampOffset } from './stamp.js';

export const PAYLOAD_TYPE = 96;
const SSRC = 0x5eed1234;

/** Where frames go: `prepare` serializes (untimed), `send` writes after the stamp got its time. */
interface FrameSink {
  prepare(packets: readonly RtpPacketOut[]): { bytes: Buffer[]; stampIn: Buffer; stampAt: number };
  send(bytes: Buffer[]): void;
  close(): void;
}

export class Camera {
  /** RTP packets sent so far. */
  packets = 0;
  frames = 0;
  private readonly packetizer = new H264Packetizer({ payloadType: PAYLOAD_TYPE, ssrc: SSRC, initialSequence: 1000 });
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private stopped = false;

  private constructor(
    private readonly clip: Clip,
    private readonly sink: FrameSink,
  ) {}

  /** Publishes to `rtsp://host:port/path` with ANNOUNCE/RECORD, RTP interleaved on channel 0. */
  static async publishRtsp(clip: Clip, host: string, port: number, path: string): Promise<Camera> {
    const client = await BenchRtspClient.open(host, port);
    const url = `rtsp://${host}:${port}/${path}`;
    const sdp = [
      'v=0',
      `o=- 0 0 IN IP4 ${host}`,
      's=ts2rtc bench camera',
      `c=IN IP4 ${host}`,
      't=0 0',
      `m=video 0 RTP/AVP ${PAYLOAD_TYPE}`,
      `a=rtpmap:${PAYLOAD_TYPE} H264/90000`,
      `a=fmtp:${PAYLOAD_TYPE} ${buildH264Fmtp({ sps: [clip.sps], pps: [clip.pps] })}`,
      'a=control:streamid=0',
      '',
    ].join('\r\n');
    const check = (what: string, status: number): void => {
      if (status !== 200) throw new Error(`camera ${what} ${url}: RTSP ${status}`);
    };
    try {
      check('ANNOUNCE', (await client.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).status);
      const setup = await client.request('SETUP', `${url}/streamid=0`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
      });
      check('SETUP', setup.status);
      const session = (setup.headers.get('session') ?? '').split(';')[0] ?? '';
      check('RECORD', (await client.request('RECORD', url, { Session: session, Range: 'npt=0.000-' })).status);
    } catch (err) {
      client.close();
      throw err;
    }
    // The server's RTCP (if any) needs no answer; only frames are written from now on.
    client.interleave(() => undefined);
    const sink: FrameSink = {
      prepare(packets) {
        let size = 0;
        for (const p of packets) size += 4 + p.header.length + p.payloadSize;
        const out = Buffer.allocUnsafe(size);
        let pos = 0;
        for (const p of packets) {
          out[pos] = 0x24;
          out[pos + 1] = 0;
          out.writeUInt16BE(p.header.length + p.payloadSize, pos + 2);
          pos += 4 + p.header.copy(out, pos + 4);
          for (const part of p.payload) pos += part.copy(out, pos);
        }
        return { bytes: [out], stampIn: out, stampAt: stampOffset(out) };
      },
      send: (bytes) => {
        for (const b of bytes) client.socket.write(b);
      },
      close: () => client.close(),
    };
    return new Camera(clip, sink);
  }

  /** Sends RTP datagrams to `host:port` (one send per packet, as a camera does). */
  static async sendUdp(clip: Clip, host: string, port: number): Promise<Camera> {
    const socket: UdpSocket = createSocket('udp4');
    // A port nobody listens on yet answers with ICMP: not an error worth stopping for.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.connect(port, host, () => resolve()));
    const sink: FrameSink = {
      prepare(packets) {
        const bytes = packets.map((p) => Buffer.concat([p.header, ...p.payload]));
        const first = bytes.find((b) => stampOffset(b) >= 0) ?? Buffer.alloc(0);
        return { bytes, stampIn: first, stampAt: stampOffset(first) };
      },
      send: (bytes) => {
        for (const b of bytes) socket.send(b);
      },
      close: () => socket.close(),
    };
    return new Camera(clip, sink);
  }

  /** Plays from now on, looping the clip with a continuous timeline, until stop(). */
  start(): void {
    this.started = performance.now();
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.sink.close();
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now();
    // Behind (a long GC here, say): catch up at once, as a camera's encoder buffer would flush.
    for (;;) {
      const due = this.started + (this.frames * 1000) / FPS;
      if (due > now) {
        this.timer = setTimeout(() => this.tick(), due - now);
        return;
      }
      this.sendFrame();
    }
  }

  private sendFrame(): void {
    const index = this.frames;
    const unit = this.clip.frames[index % this.clip.frames.length];
    if (!unit) throw new Error('empty clip');
    // The stamp goes after SPS/PPS and before the first slice, where SEI belongs.
    const nalus = [...unit.nalus];
    const firstSlice = nalus.findIndex((n) => ((n[0] ?? 0) & 0x1f) <= 5);
    nalus.splice(firstSlice < 0 ? 0 : firstSlice, 0, stampNal(0, index));
    const packets = this.packetizer.packetize({
      payload: joinAvcc(nalus),
      timestamp: index * FRAME_TICKS,
      keyframe: unit.keyframe,
    });
    const { bytes, stampIn, stampAt } = this.sink.prepare(packets);
    if (stampAt < 0) throw new Error('the stamp is not in the packets');
    restamp(stampIn, stampAt, nowNs());
    this.sink.send(bytes);
    this.frames++;
    this.packets += packets.length;
  }
}
