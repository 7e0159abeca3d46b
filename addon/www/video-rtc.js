// ts2rtc's player: a <video-stream> element speaking go2rtc's /api/ws protocol, so it plays from ts2rtc and
// from go2rtc alike. Modes (comma list, go2rtc's names): `mse`, `hls`, `mp4` (key-frame stills) and `mjpeg`
// are here; `webrtc` and `webrtc/tcp` come from player-webrtc.js (installWebrtc replaces startWebrtc).
//
// Usage: const v = document.createElement('video-stream'); v.mode = 'mse'; v.src = new URL('api/ws?src=cam', location.href);
// `src` may be http(s)/ws(s) or a path; relative URLs keep the player working under base_path and Ingress.

/** Codecs offered to the server in the `mse` request, filtered by what this browser's MediaSource accepts. */
const MSE_CODECS = [
  'avc1.640029', // H.264 High 4.1
  'avc1.64002A', // H.264 High 4.2
  'avc1.640033', // H.264 High 5.1
  'hvc1.1.6.L153.B0', // H.265 Main 5.1
  'mp4a.40.2', // AAC LC
  'mp4a.40.5', // HE-AAC
  'flac', // the server sends G.711 / PCM as FLAC
  'opus',
];

/** How far behind the newest buffered frame playback may fall before the player jumps ahead. */
const MAX_LATENCY_S = 2.5;
/** Buffer kept behind the playhead; older data is removed so a long session does not fill memory. */
const KEEP_BEHIND_S = 10;
const RECONNECT_MS = 5000;
/** Binary data waiting while the SourceBuffer is busy; more than this means the page cannot keep up. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export class VideoRTC extends HTMLElement {
  constructor() {
    super();
    /** Comma list of modes to try; go2rtc's default order. */
    this.mode = 'webrtc,mse,hls,mjpeg';
    /** Comma list of medias to ask for: video, audio (microphone: with the WebRTC mode). */
    this.media = 'video,audio';
    /** Keep streaming while the page is hidden. */
    this.background = false;
    /** The MIME type the server answered for MSE (diagnostics and tests). */
    this.mseCodecs = '';
    /** performance.now() when the first frame was painted, and when the connection started. */
    this.firstFrameAt = 0;
    this.connectAt = 0;
    this.wsURL = '';
    this.ws = null;
    this.video = null;
    this.status = null;
    this.onBinary = null;
    this.handlers = [];
    this.reconnectTimer = 0;
    this.closedByUs = false;
  }

  set src(value) {
    let url = String(value);
    if (url.startsWith('http')) url = 'ws' + url.slice(4);
    else if (url.startsWith('/')) url = 'ws' + location.origin.slice(4) + url;
    else if (!url.startsWith('ws')) url = 'ws' + new URL(url, location.href).href.slice(4);
    this.wsURL = url;
    if (this.isConnected) this.connect();
  }

  get src() {
    return this.wsURL;
  }

  connectedCallback() {
    if (!this.video) this.build();
    if (this.wsURL) this.connect();
  }

  disconnectedCallback() {
    if (!this.background) this.disconnect();
  }

  build() {
    this.style.display = this.style.display || 'block';
    this.style.position = 'relative';
    this.video = document.createElement('video');
    this.video.controls = true;
    this.video.playsInline = true;
    this.video.preload = 'auto';
    this.video.style.cssText = 'display:block;width:100%;height:100%;background:#000';
    this.status = document.createElement('div');
    this.status.style.cssText =
      'position:absolute;top:8px;right:12px;color:#fff;font:12px sans-serif;pointer-events:none;text-shadow:0 0 2px #000';
    this.append(this.video, this.status);
    this.video.addEventListener('error', () => {
      // A broken MSE stream (decode error, bad segment): start over with a new connection.
      this.setStatus('error: video');
      if (this.ws) this.ws.close();
    });
    if ('requestVideoFrameCallback' in this.video) {
      const onFrame = () => {
        if (!this.firstFrameAt) this.firstFrameAt = performance.now();
      };
      this.video.requestVideoFrameCallback(onFrame);
    }
  }

  setStatus(text) {
    if (this.status) this.status.textContent = text;
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  connect() {
    if (this.ws || !this.wsURL) return;
    clearTimeout(this.reconnectTimer);
    this.closedByUs = false;
    this.connectAt = performance.now();
    this.setStatus('connecting');
    const ws = new WebSocket(this.wsURL);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.addEventListener('open', () => this.onOpen());
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') {
        const message = JSON.parse(ev.data);
        for (const handler of this.handlers) handler(message);
      } else if (this.onBinary) {
        this.onBinary(ev.data);
      }
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs) return;
      this.setStatus('reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), RECONNECT_MS);
    });
  }

  disconnect() {
    this.closedByUs = true;
    clearTimeout(this.reconnectTimer);
    if (this.ws) this.ws.close();
    this.ws = null;
    if (this.video) {
      this.video.removeAttribute('src');
      this.video.srcObject = null;
    }
  }

  onOpen() {
    this.handlers = [];
    this.onBinary = null;
    const modes = this.mode.split(',').map((m) => m.trim());
    const started = [];
    if (modes.includes('mse') && ('MediaSource' in window || 'ManagedMediaSource' in window)) {
      started.push('mse');
      this.startMse();
    } else if (modes.includes('hls') && this.video.canPlayType('application/vnd.apple.mpegurl')) {
      started.push('hls');
      this.startHls();
    } else if (modes.includes('mp4')) {
      started.push('mp4');
      this.startMp4();
    }
    if ((modes.includes('webrtc') || modes.includes('webrtc/tcp')) && 'RTCPeerConnection' in window) {
      started.push('webrtc');
      this.startWebrtc();
    }
    if (modes.includes('mjpeg')) {
      if (started.length === 0) {
        this.startMjpeg();
      } else {
        // go2rtc's fallback: the first mode failed on the server (`"<mode>: <reason>"`).
        this.handlers.push((msg) => {
          if (msg.type === 'error' && String(msg.value).startsWith(started[0])) this.startMjpeg();
        });
      }
    }
    this.handlers.push((msg) => {
      if (msg.type === 'error') this.setStatus(`error: ${msg.value}`);
    });
  }

  play() {
    this.video.play().catch(() => {
      // Autoplay with sound is blocked until the user interacts: play muted instead.
      if (!this.video.muted) {
        this.video.muted = true;
        this.video.play().catch(() => {});
      }
    });
  }

  /** Media Source Extensions: fMP4 fragments over the WebSocket. */
  startMse() {
    const Source = 'ManagedMediaSource' in window ? window.ManagedMediaSource : window.MediaSource;
    const ms = new Source();
    const wantAudio = this.media.includes('audio');
    const wantVideo = this.media.includes('video');
    ms.addEventListener(
      'sourceopen',
      () => {
        const codecs = MSE_CODECS.filter((c) =>
          c.startsWith('avc1') || c.startsWith('hvc1') ? wantVideo : wantAudio,
        ).filter((c) => Source.isTypeSupported(`video/mp4; codecs="${c}"`));
        this.send({ type: 'mse', value: codecs.join(',') });
      },
      { once: true },
    );
    if ('ManagedMediaSource' in window) {
      this.video.disableRemotePlayback = true;
      this.video.srcObject = ms;
    } else {
      this.video.src = URL.createObjectURL(ms);
    }
    this.setStatus('mse: waiting');
    this.play();

    const pending = [];
    let pendingBytes = 0;
    let sb = null;
    const pump = () => {
      if (!sb || sb.updating || pending.length === 0) return;
      const data = pending.length === 1 ? pending[0] : concat(pending);
      pending.length = 0;
      pendingBytes = 0;
      try {
        sb.appendBuffer(data);
      } catch (err) {
        // QuotaExceeded: drop what is behind the playhead and try the next append.
        this.trim(sb, true);
      }
    };
    this.onBinary = (data) => {
      pending.push(new Uint8Array(data));
      pendingBytes += data.byteLength;
      if (pendingBytes > MAX_PENDING_BYTES) {
        this.setStatus('mse: too slow');
        this.ws?.close();
        return;
      }
      pump();
    };
    this.handlers.push((msg) => {
      if (msg.type !== 'mse' || sb) return;
      this.mseCodecs = msg.value;
      try {
        sb = ms.addSourceBuffer(msg.value);
      } catch (err) {
        this.setStatus(`mse: ${err.message}`);
        return;
      }
      sb.mode = 'segments';
      sb.addEventListener('updateend', () => {
        this.followLive(sb);
        if (!sb.updating) this.trim(sb, false);
        pump();
      });
      this.setStatus('mse');
    });
  }

  /** Stay near the live edge: start at the first buffered frame, and jump ahead when far behind. */
  followLive(sb) {
    const video = this.video;
    const ranges = sb.buffered;
    if (ranges.length === 0) return;
    const start = ranges.start(0);
    const end = ranges.end(ranges.length - 1);
    if (video.currentTime < start) video.currentTime = start;
    else if (end - video.currentTime > MAX_LATENCY_S) video.currentTime = Math.max(start, end - 0.5);
    // A little faster while more than half a second behind, to catch up without jumps.
    video.playbackRate = end - video.currentTime > 0.5 ? 1.1 : 1;
    if (video.paused && video.readyState >= 2 && !this.closedByUs) this.play();
  }

  trim(sb, force) {
    if (sb.updating || sb.buffered.length === 0) return;
    const keepFrom = this.video.currentTime - (force ? 1 : KEEP_BEHIND_S);
    const start = sb.buffered.start(0);
    if (keepFrom - start > (force ? 0 : 5)) sb.remove(start, keepFrom);
  }

  // Replaced by player-webrtc.js (installWebrtc): offer/answer over this socket, then whichever of WebRTC and
  // MSE gives better media is kept, as go2rtc's player does. This page-less default does nothing.
  startWebrtc() {}

  /**
   * MJPEG (go2rtc's last resort, and what works everywhere): the server answers `{type: 'mjpeg'}` and sends every
   * JPEG as one binary message; each becomes the video's poster. `mjpegFrames` counts them (diagnostics, tests).
   */
  startMjpeg() {
    this.mjpegFrames = 0;
    let shown = '';
    this.onBinary = (data) => {
      const url = URL.createObjectURL(new Blob([data], { type: 'image/jpeg' }));
      this.video.poster = url;
      // The previous picture is decoded and on screen already; its URL only holds memory now.
      if (shown) URL.revokeObjectURL(shown);
      shown = url;
      this.mjpegFrames++;
      if (!this.firstFrameAt) this.firstFrameAt = performance.now();
    };
    this.handlers.push((msg) => {
      if (msg.type === 'mjpeg') this.setStatus('mjpeg');
    });
    this.video.controls = false;
    this.send({ type: 'mjpeg' });
    this.setStatus('mjpeg: waiting');
  }

  /**
   * HLS (Safari without MSE): the server answers `{type: 'hls', value: <master playlist>}` whose variant URI
   * (`hls/playlist.m3u8?id=…`) is relative to this socket's URL, so it resolves under base_path and Ingress;
   * the video element then plays that media playlist natively.
   */
  startHls() {
    this.handlers.push((msg) => {
      if (msg.type !== 'hls') return;
      const uri = String(msg.value)
        .split('\n')
        .find((line) => line.trim() !== '' && !line.startsWith('#'));
      if (!uri) return;
      this.video.src = new URL(uri.trim(), 'http' + this.wsURL.slice(2)).href;
      this.setStatus('hls');
      this.play();
    });
    const wantAudio = this.media.includes('audio');
    const wantVideo = this.media.includes('video');
    const codecs = MSE_CODECS.filter((c) =>
      c.startsWith('avc1') || c.startsWith('hvc1') ? wantVideo : wantAudio,
    ).filter((c) => this.video.canPlayType(`video/mp4; codecs="${c}"`) !== '');
    this.send({ type: 'hls', value: codecs.join(',') });
    this.setStatus('hls: waiting');
  }

  /**
   * MP4 stills (go2rtc's `mp4` mode, for browsers without MSE or WebRTC): the server answers `{type: 'mse'}`
   * with the mime type and then sends each key frame as a small MP4 file. A hidden video decodes it, a canvas
   * copies the picture, and it becomes the visible video's poster. `mp4Frames` counts them (diagnostics, tests).
   */
  startMp4() {
    this.mp4Frames = 0;
    const still = document.createElement('video');
    still.muted = true;
    still.playsInline = true;
    const canvas = document.createElement('canvas');
    let loaded = '';
    still.addEventListener('loadeddata', () => {
      canvas.width = still.videoWidth;
      canvas.height = still.videoHeight;
      canvas.getContext('2d')?.drawImage(still, 0, 0, canvas.width, canvas.height);
      this.video.poster = canvas.toDataURL('image/jpeg');
      this.mp4Frames++;
      if (!this.firstFrameAt) this.firstFrameAt = performance.now();
      // The picture is on the canvas: the file only holds memory now.
      URL.revokeObjectURL(loaded);
    });
    this.onBinary = (data) => {
      if (loaded) URL.revokeObjectURL(loaded);
      loaded = URL.createObjectURL(new Blob([data], { type: 'video/mp4' }));
      still.src = loaded;
    };
    this.handlers.push((msg) => {
      if (msg.type === 'mse') this.setStatus('mp4');
    });
    const codecs = MSE_CODECS.filter((c) => c.startsWith('avc1') || c.startsWith('hvc1')).filter(
      (c) => still.canPlayType(`video/mp4; codecs="${c}"`) !== '',
    );
    this.video.controls = false;
    this.send({ type: 'mp4', value: codecs.join(',') });
    this.setStatus('mp4: waiting');
  }
}

function concat(chunks) {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

if (!customElements.get('video-stream')) customElements.define('video-stream', VideoRTC);
