import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';
import type { ApiModule } from '../../../addon/src/modules/api/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import type { TestApp, TestAppOptions } from '../../helpers/app.js';
import { init as initWebrtc, type PeerTimings, type WebrtcModule } from '../../../addon/src/modules/webrtc/index.js';
import { disableDefaultStun } from '../../../addon/src/modules/webrtc/werift-shim.js';
import { registerBackchannelSource, type BackchannelProducer } from './backchannel-producer.js';
import { init as initDemo } from '../../../addon/src/modules/demo/index.js';

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
    beforeStart: (api, app) => {
      initDemo(app);
      backchannels = registerBackchannelSource(app.streams);
      options.beforeStart?.(api, app);
      webrtc = initWebrtc(app, api, { timings: options.timings ?? {} });
    },
  });
  if (!webrtc) throw new Error('webrtc module not initialised');
  await webrtc.start();
  return { ...running, webrtc, backchannels };
}

/** A werift viewer: recvonly video (H264) + audio (Opus/PCMU/PCMA), optionally a microphone sender. */
export function weriftViewer(options: { audio?: boolean; video?: boolean } = {}) {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        }),
      ],
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
