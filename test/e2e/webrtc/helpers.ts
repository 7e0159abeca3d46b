import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { promisify } from 'node:util';
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';
import { inNetns } from '../../peers/netns.js';
import { BROWSER_H264_FMTP, h264ViewerCodec, loopbackPeer } from '../../peers/werift-viewer.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { TestWsClient } from '../../helpers/ws-client.js';
import type { ApiModule } from '../../../addon/src/modules/api/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import type { TestApp, TestAppOptions } from '../../helpers/app.js';
import {
  webrtc as webrtcModule,
  type PeerTimings,
  type WebrtcModule,
} from '../../../addon/src/modules/webrtc/index.js';
import { disableDefaultStun } from '../../../addon/src/modules/webrtc/werift-shim.js';
import { registerBackchannelSource, type BackchannelProducer } from './backchannel-producer.js';
import { demo } from '../../../addon/src/modules/demo/index.js';

const execFileAsync = promisify(execFile);

export interface RunningWebrtc extends RunningApi {
  webrtc: WebrtcModule;
  /** Backchannel sources opened through `backchannel:CODEC` (see backchannel-producer.ts). */
  backchannels: BackchannelProducer[];
}

/** The API plus the WebRTC module (and the demo: source), on loopback, TCP port picked free. */
export async function startWebrtcServer(
  options: TestAppOptions & {
    webrtc?: Record<string, unknown>;
    api?: Record<string, unknown>;
    timings?: Partial<PeerTimings>;
    /** Runs before the WebRTC module's init: register more sources here. */
    beforeStart?: (api: ApiModule, app: TestApp) => void;
  } = {},
): Promise<RunningWebrtc> {
  let webrtc: WebrtcModule | undefined;
  let backchannels: BackchannelProducer[] = [];
  const base = typeof options.config === 'object' ? options.config : {};
  const config = {
    ...base,
    webrtc: { listen: '127.0.0.1:0', ice_servers: [], filters: { loopback: true }, ...options.webrtc },
  };
  const running = await startApi({
    ...options,
    config,
    tuning: { ...options.tuning, webrtc: { timings: options.timings ?? {} } },
    beforeStart: (api, app) => {
      app.add(demo);
      backchannels = registerBackchannelSource(app.streams);
      options.beforeStart?.(api, app);
      webrtc = app.add(webrtcModule);
    },
  });
  if (!webrtc) throw new Error('webrtc module not initialised');
  return { ...running, webrtc, backchannels };
}

/** A werift viewer: recvonly video (H264) + audio (Opus/PCMU/PCMA), optionally a microphone sender. */
export function weriftViewer(
  options: {
    audio?: boolean;
    video?: boolean;
    /** null: H264 without any a=fmtp (werift's plain codec). */ h264Fmtp?: string | null;
  } = {},
) {
  const pc = new RTCPeerConnection({
    ...loopbackPeer(),
    codecs: {
      video: [h264ViewerCodec(options.h264Fmtp === null ? null : (options.h264Fmtp ?? BROWSER_H264_FMTP))],
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }),
        new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
      ],
    },
  });
  const received = { video: [] as RtpPacket[], audio: [] as RtpPacket[], firstVideoAt: 0 };
  if (options.video ?? true) {
    const t = pc.addTransceiver('video', { direction: 'recvonly' });
    t.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (received.video.length === 0) received.firstVideoAt = performance.now();
        if (received.video.length < 100000) received.video.push(rtp);
      });
    });
  }
  if (options.audio ?? true) {
    const t = pc.addTransceiver('audio', { direction: 'recvonly' });
    t.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        if (received.audio.length < 100000) received.audio.push(rtp);
      });
    });
  }
  // werift would ask stun.l.google.com otherwise (see werift-shim.ts).
  disableDefaultStun(pc);
  return { pc, received };
}

/** What the page's player reports (player-webrtc.js `stats`), read straight from getStats where it matters. */
export interface PagePlayerStats {
  state: string;
  framesDecoded: number;
  audioPackets: number;
  firstFrameMs: number;
  transport: string;
  videoCodec: string;
  audioCodec: string;
  srtpCipher: string;
}

/** Reads the first <video-stream>'s WebRTC stats from the page (fresh getStats, not the 1 s stats line). */
export const READ_PLAYER_STATS = `(async () => {
  const player = document.querySelector('video-stream');
  const session = player && player.webrtc;
  if (!session || !session.pc) return null;
  await session.readStats();
  const s = session.stats;
  return { state: session.pc.connectionState, framesDecoded: s.framesDecoded, audioPackets: s.audioPackets,
    firstFrameMs: s.firstFrameMs, transport: s.transport, videoCodec: s.videoCodec, audioCodec: s.audioCodec, srtpCipher: s.srtpCipher };
})()`;

/** A UDP socket on loopback that takes every datagram and answers none, counting them. */
export interface SwallowingSocket {
  readonly address: string;
  readonly port: number;
  /** Datagrams received so far. */
  readonly received: () => number;
  close(): Promise<void>;
}

export async function swallowingUdp(address: string, port = 0): Promise<SwallowingSocket> {
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  let count = 0;
  socket.on('message', () => {
    count++;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  const bound = socket.address();
  return {
    address,
    port: bound.port,
    received: () => count,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * ICE servers as an offline or firewalled install meets Home Assistant's: `stun.home-assistant.io` (:80 and
 * :3478, what Home Assistant puts into every offer) whose DNS lookup hangs, and a STUN server on loopback that
 * swallows every request. Only inside the test's own network namespace: the resolver's address from
 * /etc/resolv.conf is put on the namespace's `lo` with a socket that never answers, so getaddrinfo waits for
 * its full timeout, as it does behind a firewall that drops DNS.
 */
export async function unreachableIceServers(): Promise<{
  iceServers: Array<{ urls: string[] }>;
  stun: SwallowingSocket;
  /** DNS queries the hanging resolver got (undefined when resolv.conf names no IPv4 resolver). */
  dnsQueries: () => number | undefined;
  close(): Promise<void>;
}> {
  if (!inNetns()) throw new Error('unreachableIceServers() changes the network: only inside a test namespace');
  const stun = await swallowingUdp('127.0.0.1');
  const resolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const nameserver = /^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(resolvConf)?.[1];
  let dns: SwallowingSocket | undefined;
  if (nameserver) {
    if (!nameserver.startsWith('127.'))
      await execFileAsync('ip', ['addr', 'add', `${nameserver}/32`, 'dev', 'lo']).catch(() => undefined);
    dns = await swallowingUdp(nameserver, 53);
  }
  return {
    iceServers: [
      { urls: ['stun:stun.home-assistant.io:80', 'stun:stun.home-assistant.io:3478'] },
      { urls: [`stun:127.0.0.1:${stun.port}`] },
    ],
    stun,
    dnsQueries: () => dns?.received(),
    async close() {
      await stun.close();
      await dns?.close();
    },
  };
}

/** A werift viewer's session over `/api/ws`: offer sent, answer and candidates applied the moment they come. */
export interface WsViewing {
  readonly ws: TestWsClient;
  readonly pc: RTCPeerConnection;
  readonly received: ReturnType<typeof weriftViewer>['received'];
  /** performance.now() when the offer was sent and when the answer came. */
  readonly offerSentAt: number;
  readonly answerAt: number;
  /** The server's candidates as they came over the socket. */
  readonly candidates: string[];
  /** Milliseconds from the offer to the first video packet (waits for it). */
  firstVideoMs(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens `/api/ws?src=`, sends a v1 (`webrtc/offer`, go2rtc's player) or v2 (`webrtc` with `ice_servers`,
 * Home Assistant's go2rtc client) offer from a werift viewer and trickles both ways.
 */
export async function viewOverWs(
  server: Pick<RunningWebrtc, 'url'>,
  options: { src: string; version: 1 | 2; iceServers?: unknown[]; viewer?: Parameters<typeof weriftViewer>[0] },
): Promise<WsViewing> {
  const ws = await TestWsClient.open(
    `${server.url.replace('http', 'ws')}/api/ws?src=${encodeURIComponent(options.src)}`,
  );
  const { pc, received } = weriftViewer(options.viewer);
  const candidates: string[] = [];
  let answered: () => void = () => {};
  const answer = new Promise<void>((resolve) => (answered = resolve));
  let answerAt = 0;
  let remote: Promise<unknown> = Promise.resolve();
  ws.socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(String(data)) as { type: string; value?: unknown };
    if (message.type === 'webrtc/answer' || message.type === 'webrtc') {
      answerAt = performance.now();
      const sdp = typeof message.value === 'string' ? message.value : (message.value as { sdp: string }).sdp;
      remote = remote.then(() => pc.setRemoteDescription({ type: 'answer', sdp })).then(answered);
    } else if (message.type === 'webrtc/candidate') {
      const candidate = String(message.value);
      candidates.push(candidate);
      remote = remote.then(() => pc.addIceCandidate({ candidate, sdpMid: '0' }).catch(() => undefined));
    }
  });
  pc.onIceCandidate.subscribe((c) => {
    if (c?.candidate) ws.send({ type: 'webrtc/candidate', value: c.candidate });
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const offerSentAt = performance.now();
  if (options.version === 1) ws.send({ type: 'webrtc/offer', value: offer.sdp });
  else
    ws.send({
      type: 'webrtc',
      value: { type: 'offer', sdp: offer.sdp, ...(options.iceServers ? { ice_servers: options.iceServers } : {}) },
    });
  await withTimeout(answer, 5000, 'webrtc answer');
  return {
    ws,
    pc,
    received,
    offerSentAt,
    get answerAt() {
      return answerAt;
    },
    candidates,
    async firstVideoMs(timeoutMs = 10000) {
      await waitFor(() => received.video.length > 0, { timeoutMs, intervalMs: 5, what: 'first video packet' });
      return received.firstVideoAt - offerSentAt;
    },
    async close() {
      ws.close();
      await pc.close();
    },
  };
}

/** Process resources of one kind (`UDPWrap`, `TCPWrap`, `Timeout`): what a test checks is back to its baseline. */
export function resourceCount(kind: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

/** Candidates of an SDP (without `a=`), and the transport/address/port of each, for duplicate checks. */
export function sdpCandidates(sdp: string): string[] {
  return sdp
    .split(/\r?\n/)
    .filter((l) => l.startsWith('a=candidate:'))
    .map((l) => l.slice(2));
}

export function candidateAddressKey(candidate: string): string {
  const parts = candidate.replace(/^candidate:/, '').split(/\s+/);
  return `${(parts[2] ?? '').toLowerCase()} ${parts[4] ?? ''} ${parts[5] ?? ''}`;
}
