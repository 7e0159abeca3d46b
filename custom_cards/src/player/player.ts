/**
 * The stream player of the card: one `/api/ws` socket, the techniques tried in fallback order on it (WebRTC,
 * MSE, HLS, MJPEG, as far as the config's `mode` allows and the browser can), and reconnection when the
 * socket or the peer connection drops (a server restart is recovered without a page reload). No Lit here: the
 * card renders `video` and `image` and shows `status`.
 */
import type { Media, Mode } from '../config.js';
import { ConnectError } from '../errors.js';
import { HlsTechnique, hlsSupported } from './hls.js';
import { MjpegTechnique } from './mjpeg.js';
import { MseTechnique, mseSupported } from './mse.js';
import { summarise } from './reasons.js';
import type { Technique, TechniqueContext, TechniqueName, WsMessage } from './technique.js';
import { WebrtcTechnique, type MicrophoneState } from './webrtc.js';

/** `poster`: the stream is empty on purpose (AlexxIT's "paused by default"): only the poster shows. */
export type Phase = 'idle' | 'connecting' | 'loading' | 'playing' | 'reconnecting' | 'paused' | 'error' | 'poster';

export interface PlayerStatus {
  phase: Phase;
  /** What plays: RTC, MSE, HLS, MJPEG; empty before. */
  label: string;
  /** The last error (shown in the card); empty when all is well. */
  error: string;
  /** Another attempt is scheduled (false for errors retrying cannot fix, e.g. no integration). */
  retrying: boolean;
  microphone: MicrophoneState;
}

export interface PlayOptions {
  modes: readonly Mode[];
  media: readonly Media[];
  micStartsMuted: boolean;
  /** The socket URL; called for every (re)connection, so a signed path is always fresh. */
  resolveUrl(): Promise<string>;
}

/** Waits between reconnection attempts; the last one repeats. Reset once a picture is shown. */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 3000, 5000];
/** A socket that does not open by then is given up and retried. */
const OPEN_TIMEOUT_MS = 10_000;

const NO_MIC: MicrophoneState = { available: false, on: false, error: '' };

/** Timing of the current connection, for the stats line, tests and the benchmark. */
export interface PlayerTimes {
  /** performance.now() when this connection attempt began (before signing the path). */
  connectAt: number;
  openAt: number;
  firstFrameAt: number;
}

export class StreamPlayer {
  readonly video: HTMLVideoElement;
  readonly image: HTMLImageElement;
  status: PlayerStatus = { phase: 'idle', label: '', error: '', retrying: false, microphone: NO_MIC };
  readonly times: PlayerTimes = { connectAt: 0, openAt: 0, firstFrameAt: 0 };
  /** Connections opened so far (tests: a restart makes a second one). */
  connections = 0;
  private options: PlayOptions | null = null;
  private ws: WebSocket | null = null;
  private queue: TechniqueName[] = [];
  /** Why each technique failed on this connection, for the message shown when none is left. */
  private reasons: string[] = [];
  private technique: Technique | null = null;
  private attempt = 0;
  private reconnectTimer = 0;
  private openTimer = 0;
  /** Bumped on every connect/stop so late callbacks of an old connection do nothing. */
  private generation = 0;

  constructor(
    private readonly onStatus: (status: PlayerStatus) => void,
    muted: boolean,
  ) {
    this.video = document.createElement('video');
    this.video.playsInline = true;
    this.video.muted = muted;
    this.video.autoplay = true;
    this.image = document.createElement('img');
    this.image.hidden = true;
    this.image.alt = '';
  }

  /** Starts (or restarts) playing with these options. */
  play(options: PlayOptions): void {
    this.options = options;
    this.attempt = 0;
    void this.connect();
  }

  /** Stops everything and stays stopped (off screen, page hidden, card removed). */
  pause(): void {
    this.teardown();
    this.setStatus({ phase: 'paused' });
  }

  get active(): boolean {
    return this.status.phase !== 'idle' && this.status.phase !== 'paused';
  }

  get socketOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async frames(): Promise<number> {
    return this.technique ? this.technique.frames() : 0;
  }

  get mse(): MseTechnique | null {
    return this.technique instanceof MseTechnique ? this.technique : null;
  }

  setMicrophone(on: boolean): void {
    if (this.technique instanceof WebrtcTechnique) this.technique.setMicrophone(on);
  }

  private setStatus(change: Partial<PlayerStatus>): void {
    this.status = { ...this.status, ...change };
    this.onStatus(this.status);
  }

  private teardown(): void {
    this.generation++;
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.openTimer);
    this.technique?.stop();
    this.technique = null;
    this.queue = [];
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
  }

  private async connect(): Promise<void> {
    const options = this.options;
    if (!options) return;
    this.teardown();
    const generation = this.generation;
    this.times.connectAt = performance.now();
    this.times.openAt = 0;
    this.times.firstFrameAt = 0;
    this.setStatus({ phase: this.attempt > 0 ? 'reconnecting' : 'connecting', label: '' });
    let url: string;
    try {
      url = await options.resolveUrl();
    } catch (err) {
      if (generation !== this.generation) return;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof ConnectError && err.code === 'CONNECT_NOTHING_TO_PLAY') {
        this.setStatus({ phase: 'poster', label: 'IMG', error: '', retrying: false });
        return;
      }
      // A config problem (no integration, no server) does not heal by retrying.
      if (err instanceof ConnectError && err.code !== 'CONNECT_SIGN_FAILED') {
        this.setStatus({ phase: 'error', error: message, retrying: false });
        return;
      }
      this.retry(message);
      return;
    }
    if (generation !== this.generation) return;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.connections++;
    this.openTimer = window.setTimeout(() => {
      if (generation === this.generation && ws.readyState !== WebSocket.OPEN) this.retry('the server does not answer');
    }, OPEN_TIMEOUT_MS);
    ws.onopen = () => {
      if (generation !== this.generation) return;
      window.clearTimeout(this.openTimer);
      this.times.openAt = performance.now();
      this.setStatus({ phase: 'loading' });
      this.queue = this.techniqueOrder(options);
      this.reasons = [];
      this.next('');
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (generation !== this.generation) return;
      if (typeof ev.data === 'string') {
        let message: WsMessage;
        try {
          message = JSON.parse(ev.data) as WsMessage;
        } catch {
          return;
        }
        this.technique?.onMessage(message);
        // An error no technique claimed (AlexxIT's proxy: "<exception>") ends this connection.
        if (message.type === 'error' && this.technique && this.status.phase !== 'playing') {
          const text = String(message.value ?? '');
          if (!this.claimsError(text)) this.fail(text);
        }
      } else if (ev.data instanceof ArrayBuffer) {
        this.technique?.onBinary(ev.data);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (generation !== this.generation) return;
      this.retry(this.status.error || (ev.code === 1000 ? 'the server closed the stream' : 'connection lost'));
    };
  }

  private claimsError(text: string): boolean {
    return ['webrtc', 'mse', 'hls', 'mjpeg', 'mp4'].some((t) => text.startsWith(t));
  }

  /** The techniques to try, in fallback order, from the config's modes and what this browser has. */
  private techniqueOrder(options: PlayOptions): TechniqueName[] {
    const modes = options.modes;
    const order: TechniqueName[] = [];
    if ((modes.includes('webrtc') || modes.includes('webrtc/tcp')) && 'RTCPeerConnection' in window)
      order.push('webrtc');
    if (modes.includes('mse') && mseSupported()) order.push('mse');
    if (modes.includes('hls') && hlsSupported(this.video)) order.push('hls');
    if (modes.includes('mjpeg') && options.media.includes('video')) order.push('mjpeg');
    return order;
  }

  private createTechnique(name: TechniqueName, options: PlayOptions, ctx: TechniqueContext, url: string): Technique {
    switch (name) {
      case 'webrtc':
        return new WebrtcTechnique(
          ctx,
          options.media,
          !options.modes.includes('webrtc'),
          options.micStartsMuted,
          (mic) => this.setStatus({ microphone: mic }),
        );
      case 'mse':
        return new MseTechnique(ctx, options.media);
      case 'hls':
        return new HlsTechnique(ctx, options.media, url);
      case 'mjpeg':
        return new MjpegTechnique(ctx);
    }
  }

  /** Starts the next technique on the open socket; with none left, the connection failed. */
  private next(reason: string): void {
    const options = this.options;
    const ws = this.ws;
    if (!options || !ws) return;
    this.technique?.stop();
    this.technique = null;
    if (reason) this.reasons.push(reason);
    const name = this.queue.shift();
    if (!name) {
      this.fail(summarise(this.reasons) || 'this browser can play none of the configured modes');
      return;
    }
    const generation = this.generation;
    let current: Technique | null = null;
    const ctx: TechniqueContext = {
      video: this.video,
      image: this.image,
      send: (message) => {
        if (generation === this.generation && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
      },
      playing: () => {
        if (generation !== this.generation || this.technique !== current) return;
        this.times.firstFrameAt = performance.now();
        this.attempt = 0;
        this.setStatus({ phase: 'playing', label: current?.label ?? '', error: '', retrying: false });
      },
      failed: (why) => {
        if (generation !== this.generation || this.technique !== current) return;
        this.next(why);
      },
      dropped: (why) => {
        if (generation !== this.generation || this.technique !== current) return;
        this.retry(why);
      },
      play: () => this.startVideo(),
    };
    current = this.createTechnique(name, options, ctx, ws.url);
    this.technique = current;
    this.setStatus({ label: current.label });
    Promise.resolve(current.start()).catch((err: unknown) =>
      ctx.failed(`${name}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** Every technique failed on this connection: show why, and try again later (the stream may come back). */
  private fail(reason: string): void {
    this.retry(reason, 'error');
  }

  private retry(reason: string, phase: Phase = 'reconnecting'): void {
    this.teardown();
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)] ?? 10_000;
    this.attempt++;
    this.setStatus({ phase, error: reason, retrying: true, label: '', microphone: NO_MIC });
    this.reconnectTimer = window.setTimeout(() => void this.connect(), delay);
  }

  private startVideo(): void {
    const video = this.video;
    video.play().catch((err: unknown) => {
      // Autoplay with sound is refused until the user interacts with the page: play muted instead. (An
      // AbortError only means a newer source replaced this one; that source's play() decides.)
      if (err instanceof DOMException && err.name === 'NotAllowedError' && !video.muted) {
        video.muted = true;
        video.play().catch(() => {});
      }
    });
  }

  /** Ends everything for good (card removed). */
  destroy(): void {
    this.teardown();
    this.options = null;
  }
}
