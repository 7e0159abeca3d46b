// The WebRTC mode of ts2rtc's <video-stream> player (video-rtc.js), with go2rtc's message sequence on
// /api/ws: `webrtc/offer` → `webrtc/answer`, candidates both ways as `webrtc/candidate`. Importing this file
// installs the mode; it adds a microphone button (two-way audio to cameras with a backchannel) and a stats
// line (codec, bitrate, round-trip time).
//
// Modes: `webrtc` (UDP and TCP), `webrtc/tcp` (drops UDP candidates both ways, as go2rtc's player).
// Media: `video`, `audio`, `microphone` (comma list, go2rtc's names).

import { VideoRTC } from './video-rtc.js';

/** How often the stats line refreshes. */
const STATS_MS = 1000;
/** A WebRTC session that failed waits this long before the player reconnects. */
const RETRY_MS = 3000;

/** Per player: the peer connection and what the page shows about it. */
class WebrtcSession {
  constructor(player) {
    this.player = player;
    this.pc = null;
    this.mic = null;
    this.statsTimer = 0;
    this.lastBytes = 0;
    this.lastAt = 0;
    /** What tests and the stats line read: codec, bitrate, RTT, frames, first frame time. */
    this.stats = {
      state: 'new',
      videoCodec: '',
      audioCodec: '',
      bitrateKbps: 0,
      rttMs: 0,
      framesDecoded: 0,
      audioPackets: 0,
      firstFrameMs: 0,
      transport: '',
      srtpCipher: '',
    };
  }

  get tcpOnly() {
    return this.player.mode
      .split(',')
      .map((m) => m.trim())
      .includes('webrtc/tcp');
  }

  async start() {
    const player = this.player;
    const medias = player.media.split(',').map((m) => m.trim());
    const pc = new RTCPeerConnection(player.pcConfig || { bundlePolicy: 'max-bundle', iceServers: [] });
    this.pc = pc;
    const started = performance.now();
    const video2 = document.createElement('video');
    video2.muted = true;
    video2.playsInline = true;

    pc.addEventListener('icecandidate', (ev) => {
      if (ev.candidate && this.tcpOnly && ev.candidate.protocol === 'udp') return;
      player.send({ type: 'webrtc/candidate', value: ev.candidate ? ev.candidate.toJSON().candidate : '' });
    });
    pc.addEventListener('track', (ev) => {
      // go2rtc's rules: one stream for video and audio, ignore tracks without one (Firefox's `{` ids).
      if (video2.srcObject !== null || ev.streams.length === 0 || ev.streams[0].id[0] === '{') return;
      video2.srcObject = ev.streams[0];
      video2.play().catch(() => {});
    });
    pc.addEventListener('connectionstatechange', () => {
      this.stats.state = pc.connectionState;
      if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') this.fail();
    });
    // First decoded frame, to within 20 ms: frame callbacks do not fire on a detached video everywhere.
    const t0 = player.connectAt || started;
    const firstFrame = setInterval(async () => {
      if (!this.pc || this.stats.firstFrameMs) {
        clearInterval(firstFrame);
        return;
      }
      const report = await pc.getStats().catch(() => null);
      report?.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0 && !this.stats.firstFrameMs) {
          this.stats.firstFrameMs = performance.now() - t0;
        }
      });
    }, 20);
    video2.addEventListener('loadeddata', () => this.adopt(video2), { once: true });

    player.handlers.push((msg) => {
      if (!this.pc) return;
      if (msg.type === 'webrtc/answer') {
        pc.setRemoteDescription({ type: 'answer', sdp: msg.value }).catch((err) => console.warn('webrtc answer', err));
      } else if (msg.type === 'webrtc/candidate') {
        if (this.tcpOnly && msg.value.includes(' udp ')) return;
        pc.addIceCandidate({ candidate: msg.value, sdpMid: '0' }).catch((err) => console.warn('webrtc candidate', err));
      } else if (msg.type === 'error' && String(msg.value).includes('webrtc/offer')) {
        this.close();
        player.setStatus(`webrtc: ${msg.value}`);
      }
    });

    // The microphone first, as go2rtc's player: its m-line is the server's backchannel.
    if (medias.includes('microphone')) {
      try {
        this.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
        for (const track of this.mic.getAudioTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      } catch (err) {
        console.warn('microphone', err);
      }
    }
    if (medias.includes('video')) pc.addTransceiver('video', { direction: 'recvonly' });
    if (medias.includes('audio')) pc.addTransceiver('audio', { direction: 'recvonly' });

    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    player.send({ type: 'webrtc/offer', value: offer.sdp });
    this.statsTimer = setInterval(() => this.readStats(), STATS_MS);
  }

  /** The first decoded frame: keep WebRTC if it carries at least what MSE does (go2rtc's priority rule). */
  adopt(video2) {
    const player = this.player;
    const stream = video2.srcObject;
    video2.srcObject = null;
    if (!this.pc || !stream) return;
    let rtc = 0;
    let mse = 0;
    if (stream.getVideoTracks().length > 0) rtc += 0x220;
    if (stream.getAudioTracks().length > 0) rtc += 0x102;
    const codecs = player.mseCodecs || '';
    if (codecs.includes('hvc1.')) mse += 0x230;
    if (codecs.includes('avc1.')) mse += 0x210;
    if (codecs.includes('mp4a.')) mse += 0x101;
    if (rtc < mse) {
      this.close();
      return;
    }
    player.onBinary = null;
    player.video.removeAttribute('src');
    player.video.srcObject = stream;
    player.play();
    // WebRTC won: the socket is no longer needed, and the server keeps the peer connection without it.
    player.closedByUs = true;
    if (player.ws) player.ws.close();
    player.ws = null;
  }

  async readStats() {
    const pc = this.pc;
    if (!pc) return;
    const report = await pc.getStats();
    const codecs = new Map();
    report.forEach((s) => {
      if (s.type === 'codec') codecs.set(s.id, s.mimeType.split('/')[1] || s.mimeType);
    });
    let bytes = 0;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        bytes += s.bytesReceived || 0;
        if (s.kind === 'video') {
          this.stats.videoCodec = codecs.get(s.codecId) || '';
          this.stats.framesDecoded = s.framesDecoded || 0;
        } else if (s.kind === 'audio') {
          this.stats.audioCodec = codecs.get(s.codecId) || '';
          this.stats.audioPackets = s.packetsReceived || 0;
        }
      } else if (s.type === 'transport' && s.srtpCipher) {
        this.stats.srtpCipher = s.srtpCipher;
      } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        if (typeof s.currentRoundTripTime === 'number') this.stats.rttMs = Math.round(s.currentRoundTripTime * 1000);
        const local = report.get(s.localCandidateId);
        if (local) this.stats.transport = local.protocol || '';
      }
    });
    const now = performance.now();
    const first = !this.lastAt;
    if (!first) this.stats.bitrateKbps = Math.round(((bytes - this.lastBytes) * 8) / (now - this.lastAt));
    this.lastBytes = bytes;
    this.lastAt = now;
    const s = this.stats;
    const codec = [s.videoCodec, s.audioCodec].filter(Boolean).join('+');
    // A rate needs two samples and a codec needs media: until both exist, say what is known instead of zeros.
    if (first || !codec) {
      this.player.setStatus(`RTC ${codec || 'connecting'} ${s.transport}`.trim());
      return;
    }
    this.player.setStatus(`RTC ${codec} ${(s.bitrateKbps / 1000).toFixed(1)} Mbit/s RTT ${s.rttMs} ms ${s.transport}`);
  }

  fail() {
    this.close();
    const player = this.player;
    // Nothing else plays: start over (a new socket, a new offer), as go2rtc's player does.
    if (!player.ws && !player.closedByUsForGood) {
      player.setStatus('webrtc: reconnecting');
      setTimeout(() => {
        player.closedByUs = false;
        player.connect();
      }, RETRY_MS);
    }
  }

  close() {
    clearInterval(this.statsTimer);
    if (this.mic) for (const track of this.mic.getTracks()) track.stop();
    this.mic = null;
    if (this.pc) this.pc.close();
    this.pc = null;
  }

  /** Mutes or unmutes the microphone; without one, reconnects asking for it. */
  toggleMicrophone() {
    const player = this.player;
    if (this.mic) {
      const track = this.mic.getAudioTracks()[0];
      if (track) track.enabled = !track.enabled;
      return track ? track.enabled : false;
    }
    if (!player.media.includes('microphone')) player.media += ',microphone';
    player.restart();
    return true;
  }
}

/** Adds the mode to the player class: `startWebrtc` (called by video-rtc.js), the mic button, restart. */
export function installWebrtc(Player) {
  const disconnect = Player.prototype.disconnect;
  Object.assign(Player.prototype, {
    startWebrtc() {
      if (this.webrtc) this.webrtc.close();
      this.webrtc = new WebrtcSession(this);
      this.addMicButton();
      this.webrtc.start().catch((err) => {
        this.setStatus(`webrtc: ${err.message}`);
        this.webrtc?.close();
      });
    },
    disconnect() {
      this.closedByUsForGood = true;
      if (this.webrtc) this.webrtc.close();
      this.webrtc = null;
      disconnect.call(this);
    },
    restart() {
      if (this.webrtc) this.webrtc.close();
      this.webrtc = null;
      this.closedByUs = true;
      if (this.ws) this.ws.close();
      this.ws = null;
      this.closedByUs = false;
      this.connect();
    },
    addMicButton() {
      if (this.micButton) return;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'mic';
      button.title = 'Microphone (two-way audio)';
      button.textContent = this.media.includes('microphone') ? '🎤 on' : '🎤 off';
      button.style.cssText = 'position:absolute;bottom:48px;right:12px;font:14px sans-serif;opacity:.8;cursor:pointer';
      button.addEventListener('click', () => {
        const on = this.webrtc ? this.webrtc.toggleMicrophone() : false;
        button.textContent = on ? '🎤 on' : '🎤 off';
      });
      this.micButton = button;
      this.append(button);
    },
  });
}

installWebrtc(VideoRTC);
export { VideoRTC };
