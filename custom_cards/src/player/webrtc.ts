/**
 * WebRTC over the socket: `webrtc/offer` → `webrtc/answer`, candidates both ways as `webrtc/candidate`
 * (go2rtc's v1 messages, which ts2rtc, go2rtc and both integrations' proxies carry). The microphone, when
 * asked for, is the first m-line (sendonly), as go2rtc's own player sends it: the server routes it to the
 * camera's backchannel (ONVIF, HomeKit, ...).
 */
import type { Media } from '../config.js';
import {
  errorConcerns,
  onFirstFrame,
  presentedFrames,
  type Technique,
  type TechniqueContext,
  type WsMessage,
} from './technique.js';

/** Without a first frame by then, ICE found no path (firewall, NAT): fall back to MSE. */
const FIRST_FRAME_TIMEOUT_MS = 10_000;

export interface MicrophoneState {
  /** A microphone track is being sent (the server accepted the offer with it). */
  available: boolean;
  /** Its track is enabled (not muted). */
  on: boolean;
  /** Why there is none (no HTTPS, permission refused, no device). */
  error: string;
}

export class WebrtcTechnique implements Technique {
  readonly name = 'webrtc';
  readonly label = 'RTC';
  private pc: RTCPeerConnection | null = null;
  private mic: MediaStream | null = null;
  private micError = '';
  private isPlaying = false;
  private timer = 0;
  private cancelFrame: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: TechniqueContext,
    private readonly media: readonly Media[],
    /** ICE over TCP only (`webrtc/tcp`): UDP candidates are dropped both ways. */
    private readonly tcpOnly: boolean,
    private readonly micStartsMuted: boolean,
    private readonly onMicChange: (state: MicrophoneState) => void,
  ) {}

  async start(): Promise<void> {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
    this.pc = pc;
    const video = this.ctx.video;
    pc.addEventListener('icecandidate', (ev) => {
      if (ev.candidate && this.tcpOnly && ev.candidate.protocol === 'udp') return;
      this.ctx.send({ type: 'webrtc/candidate', value: ev.candidate ? ev.candidate.candidate : '' });
    });
    pc.addEventListener('track', (ev) => {
      const stream = ev.streams[0] ?? new MediaStream([ev.track]);
      if (video.srcObject instanceof MediaStream && video.srcObject !== stream) {
        if (!video.srcObject.getTracks().includes(ev.track)) video.srcObject.addTrack(ev.track);
        return;
      }
      video.srcObject = stream;
      this.ctx.play();
    });
    pc.addEventListener('connectionstatechange', () => {
      const state = pc.connectionState;
      if (state !== 'failed' && state !== 'disconnected' && state !== 'closed') return;
      if (this.stopped) return;
      if (this.isPlaying) this.ctx.dropped(`webrtc: connection ${state}`);
      else this.ctx.failed(`webrtc: connection ${state}`);
    });
    this.cancelFrame = onFirstFrame(video, () => {
      this.isPlaying = true;
      window.clearTimeout(this.timer);
      this.ctx.playing();
    });
    this.timer = window.setTimeout(() => {
      if (!this.isPlaying && !this.stopped) this.ctx.failed('webrtc: no picture (no network path to the server?)');
    }, FIRST_FRAME_TIMEOUT_MS);

    if (this.media.includes('microphone')) await this.addMicrophone(pc);
    if (this.stopped) return;
    if (this.media.includes('video')) pc.addTransceiver('video', { direction: 'recvonly' });
    if (this.media.includes('audio')) pc.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (this.stopped) return;
    this.ctx.send({ type: 'webrtc/offer', value: offer.sdp });
  }

  private async addMicrophone(pc: RTCPeerConnection): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      // Browsers hide getUserMedia outside a secure context.
      this.micError = 'microphone needs Home Assistant over HTTPS';
    } else {
      try {
        this.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (err) {
        this.micError = `microphone: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    if (this.stopped) {
      this.releaseMic();
      return;
    }
    if (this.mic) {
      for (const track of this.mic.getAudioTracks()) {
        track.enabled = !this.micStartsMuted;
        pc.addTransceiver(track, { direction: 'sendonly' });
      }
    }
    this.reportMic();
  }

  onMessage(message: WsMessage): void {
    const pc = this.pc;
    if (!pc) return;
    if (message.type === 'webrtc/answer') {
      pc.setRemoteDescription({ type: 'answer', sdp: String(message.value) }).catch((err: unknown) => {
        this.ctx.failed(`webrtc: ${err instanceof Error ? err.message : String(err)}`);
      });
    } else if (message.type === 'webrtc/candidate') {
      const candidate = String(message.value ?? '');
      if (candidate === '' || (this.tcpOnly && candidate.includes(' udp '))) return;
      pc.addIceCandidate({ candidate, sdpMid: '0' }).catch(() => {
        // A candidate for a transport this browser cannot use (e.g. IPv6 off) is not an error for the session.
      });
    } else if (errorConcerns(message, ['webrtc/offer', 'webrtc/candidate', 'webrtc'])) {
      this.ctx.failed(String(message.value));
    }
  }

  onBinary(): void {}

  /** Mutes or unmutes the microphone track (the peer connection stays as it is). */
  setMicrophone(on: boolean): void {
    if (!this.mic) return;
    for (const track of this.mic.getAudioTracks()) track.enabled = on;
    this.reportMic();
  }

  microphone(): MicrophoneState {
    const track = this.mic?.getAudioTracks()[0];
    return { available: !!track, on: !!track && track.enabled, error: this.micError };
  }

  private reportMic(): void {
    this.onMicChange(this.microphone());
  }

  /** Frames decoded (getStats), what WebRTC delivered; the element's presented count is the fallback. */
  async frames(): Promise<number> {
    let decoded = -1;
    const report = await this.pc?.getStats().catch(() => null);
    report?.forEach((s: { type?: string; kind?: string; framesDecoded?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') decoded = s.framesDecoded ?? 0;
    });
    return decoded >= 0 ? decoded : presentedFrames(this.ctx.video);
  }

  private releaseMic(): void {
    if (this.mic) for (const track of this.mic.getTracks()) track.stop();
    this.mic = null;
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.cancelFrame?.();
    this.releaseMic();
    this.reportMic();
    this.pc?.close();
    this.pc = null;
    const video = this.ctx.video;
    video.srcObject = null;
  }
}
