/**
 * `custom:webrtc-camera`: the Lovelace card. Config (AlexxIT-compatible) → route (integration proxy or the
 * server directly) → StreamPlayer; pauses off screen (`intersection`) and on hidden pages (unless
 * `background`); shows state and errors; microphone button (click toggles, hold = push-to-talk).
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { parseConfig, stubConfig, type CardConfig, type StreamConfig } from './config.js';
import { renderPtz, renderShortcuts } from './controls.js';
import { DigitalPtz } from './digital-ptz.js';
import { ConnectError } from './errors.js';
import { absoluteHassUrl, type Hass } from './hass.js';
import { icon } from './icons.js';
import { MicGesture } from './mic-button.js';
import { StreamPlayer, type PlayerStatus } from './player/player.js';
import { chooseRoute, posterUrl, proxyWsUrl } from './route.js';
import { cardStyles } from './styles.js';
import { hasTemplate, renderText, type TemplateScope } from './templates.js';
import { renderUi } from './ui.js';

/** AlexxIT's card waits this long after the page is hidden before it stops the stream. */
const HIDDEN_STOP_MS = 5000;
export const EDITOR_TAG = 'ts2rtc-webrtc-camera-editor';

/** What `stats()` returns (tests, the benchmark, debugging from the console). */
export interface CardStats {
  phase: PlayerStatus['phase'];
  label: string;
  error: string;
  frames: number;
  /** From the start of connecting (signing included) to the first picture; 0 before. */
  firstFrameMs: number;
  /** From the socket opening to the first picture; 0 before. */
  openToFrameMs: number;
  connections: number;
  socketOpen: boolean;
  microphone: PlayerStatus['microphone'];
  mime: string;
  stream: number;
}

export class WebrtcCameraCard extends LitElement {
  static override properties = {
    status: { state: true },
    streamIndex: { state: true },
    fullscreen: { state: true },
    muted: { state: true },
  };

  declare status: PlayerStatus;
  declare streamIndex: number;
  declare fullscreen: boolean;
  declare muted: boolean;

  private config: CardConfig | null = null;
  private rawConfig: Record<string, unknown> = {};
  private _hass: Hass | undefined;
  private player: StreamPlayer | null = null;
  private inView = true;
  private pageVisible = true;
  private hiddenTimer = 0;
  private observer: IntersectionObserver | null = null;
  private digitalPtz: DigitalPtz | null = null;
  private readonly mic = new MicGesture();
  /**
   * Our CSS and then the user's \`style:\`, as <style> elements in this order (not adoptedStyleSheets, which
   * would come after and win), so AlexxIT-style overrides such as \`video {object-fit: fill}\` apply.
   */
  private readonly ownStyle = Object.assign(document.createElement('style'), { textContent: cardStyles.cssText });
  private readonly userStyle = document.createElement('style');
  private readonly onVisibility = (): void => this.visibilityChanged();
  private readonly onFullscreen = (): void => {
    this.fullscreen = document.fullscreenElement === this;
  };

  constructor() {
    super();
    this.status = {
      phase: 'idle',
      label: '',
      error: '',
      retrying: false,
      microphone: { available: false, on: false, error: '' },
    };
    this.streamIndex = 0;
    this.fullscreen = false;
    this.muted = false;
  }

  // ---- Lovelace API ----

  setConfig(raw: Record<string, unknown>): void {
    const config = parseConfig(raw);
    this.rawConfig = raw;
    this.config = config;
    this.streamIndex = 0;
    this.muted = config.muted;
    this.player?.destroy();
    this.player = null;
    this.digitalPtz?.destroy();
    this.digitalPtz = null;
    this.setupObserver();
    this.updatePlayback();
    this.requestUpdate();
  }

  set hass(hass: Hass) {
    const first = this._hass === undefined;
    this._hass = hass;
    if (first) this.updatePlayback();
    // Templates (`${states[..]}` in style/shortcuts) follow state changes; nothing else needs a re-render.
    if (first || hasTemplate(this.rawConfig['style']) || hasTemplate(this.rawConfig['shortcuts'])) this.requestUpdate();
  }

  get hass(): Hass | undefined {
    return this._hass;
  }

  getCardSize(): number {
    return 5;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 4, min_rows: 3 };
  }

  static getConfigElement(): HTMLElement {
    return document.createElement(EDITOR_TAG);
  }

  static getStubConfig(): Record<string, unknown> {
    return stubConfig();
  }

  // ---- lifecycle ----

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.addEventListener('fullscreenchange', this.onFullscreen);
    this.pageVisible = document.visibilityState !== 'hidden';
    this.setupObserver();
    this.updatePlayback();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.removeEventListener('fullscreenchange', this.onFullscreen);
    this.observer?.disconnect();
    this.observer = null;
    window.clearTimeout(this.hiddenTimer);
    // Home Assistant detaches and re-attaches cards when views change: stop now (a detached card is never
    // seen, `background` or not), start again on re-attach.
    this.player?.pause();
  }

  private setupObserver(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.inView = true;
    const threshold = this.config?.intersection ?? 0;
    if (!this.isConnected || threshold === 0 || !('IntersectionObserver' in window)) return;
    this.observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1];
        if (!entry) return;
        this.inView = entry.isIntersecting && entry.intersectionRatio >= threshold;
        this.updatePlayback();
      },
      { threshold },
    );
    this.observer.observe(this);
  }

  private visibilityChanged(): void {
    window.clearTimeout(this.hiddenTimer);
    if (document.visibilityState === 'hidden') {
      this.hiddenTimer = window.setTimeout(() => {
        this.pageVisible = false;
        this.updatePlayback();
      }, HIDDEN_STOP_MS);
    } else {
      this.pageVisible = true;
      this.updatePlayback();
    }
  }

  /** Plays when there is a config, a hass, the card is attached and seen (or `background`); else pauses. */
  private updatePlayback(): void {
    const config = this.config;
    if (!config || !this._hass || !this.isConnected) return;
    const wanted = this.inView && (this.pageVisible || config.background);
    const player = this.ensurePlayer();
    if (wanted && !player.active) this.start();
    else if (!wanted && player.active) player.pause();
  }

  private ensurePlayer(): StreamPlayer {
    if (!this.player) {
      this.player = new StreamPlayer((status) => {
        this.status = status;
      }, this.muted);
      this.player.image.className = 'mjpeg';
      this.player.video.addEventListener('volumechange', () => {
        if (this.player) this.muted = this.player.video.muted;
      });
    }
    return this.player;
  }

  private get stream(): StreamConfig | undefined {
    return this.config?.streams[this.streamIndex];
  }

  private start(): void {
    const config = this.config;
    const stream = this.stream;
    const player = this.ensurePlayer();
    if (!config || !stream) return;
    player.play({
      modes: stream.modes,
      media: stream.media,
      micStartsMuted: config.microphoneMuted,
      resolveUrl: () => this.resolveUrl(config, stream),
    });
  }

  /** The socket URL for this stream (a freshly signed path through an integration, or the server itself). */
  private async resolveUrl(config: CardConfig, stream: StreamConfig): Promise<string> {
    const hass = this._hass;
    if (!hass) throw new ConnectError('CONNECT_SIGN_FAILED', 'Home Assistant is not ready');
    // An empty stream still gets its poster (through whatever route a real stream would take).
    const empty = !stream.url && !stream.entity;
    const route = chooseRoute(
      hass.config?.components,
      empty ? { ...stream, url: config.poster ?? '-' } : stream,
      config.server,
    );
    let signed: string | undefined;
    let wsUrl: string;
    if (route.kind === 'proxy') {
      let path: string;
      try {
        path = (await hass.callWS<{ path: string }>({ type: 'auth/sign_path', path: route.path })).path;
      } catch (err) {
        const message =
          err instanceof Error
            ? err.message
            : typeof err === 'object' && err && 'message' in err
              ? String(err.message)
              : String(err);
        throw new ConnectError('CONNECT_SIGN_FAILED', `cannot sign ${route.path}: ${message}`);
      }
      signed = absoluteHassUrl(hass, path);
      wsUrl = proxyWsUrl(signed, stream, config.server);
    } else {
      wsUrl = route.wsUrl;
    }
    const poster = posterUrl(config.poster, config.posterRemote, route, signed, config.server);
    if (poster && this.player) this.player.video.poster = poster;
    if (empty) throw new ConnectError('CONNECT_NOTHING_TO_PLAY', 'this stream shows the poster only');
    return wsUrl;
  }

  /** AlexxIT's stream switch: the `.mode` label (or the stream name with `ui`) cycles through `streams`. */
  nextStream(): void {
    const config = this.config;
    if (!config || config.streams.length < 2) return;
    this.streamIndex = (this.streamIndex + 1) % config.streams.length;
    this.player?.pause();
    this.updatePlayback();
  }

  /** Numbers for tests, the benchmark and curious users (`document.querySelector('webrtc-camera').stats()`). */
  async stats(): Promise<CardStats> {
    const player = this.player;
    const times = player?.times;
    const frame = times?.firstFrameAt ?? 0;
    return {
      phase: this.status.phase,
      label: this.status.label,
      error: this.status.error,
      frames: player ? await player.frames() : 0,
      firstFrameMs: frame && times ? frame - times.connectAt : 0,
      openToFrameMs: frame && times?.openAt ? frame - times.openAt : 0,
      connections: player?.connections ?? 0,
      socketOpen: player?.socketOpen ?? false,
      microphone: this.status.microphone,
      mime: player?.mse?.mime ?? '',
      stream: this.streamIndex,
    };
  }

  // ---- microphone ----

  private micDown(ev: PointerEvent): void {
    ev.preventDefault();
    (ev.currentTarget as HTMLElement).setPointerCapture?.(ev.pointerId);
    this.player?.setMicrophone(this.mic.press(ev.timeStamp, this.status.microphone.on));
  }

  private micUp(ev: PointerEvent): void {
    const on = this.mic.release(ev.timeStamp);
    if (on !== undefined) this.player?.setMicrophone(on);
  }

  private micKey(ev: KeyboardEvent): void {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    this.player?.setMicrophone(!this.status.microphone.on);
  }

  // ---- rendering ----

  private scope(): TemplateScope {
    const stream = this.stream;
    return { states: this._hass?.states ?? {}, streamName: stream?.name ?? '', streamID: this.streamIndex };
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const config = this.config;
    // The browser's controls only over a playing video (not over errors, spinners or MJPEG pictures).
    if (this.player)
      this.player.video.controls = !config?.ui && this.status.phase === 'playing' && this.status.label !== 'MJPEG';
    const container = this.renderRoot.querySelector<HTMLElement>('.player');
    const target = this.renderRoot.querySelector<HTMLElement>('.ptz-transform');
    if (config?.digitalPtz && container && target && !this.digitalPtz) {
      this.digitalPtz = new DigitalPtz(
        container,
        target,
        config.digitalPtz,
        this.stream?.url || this.stream?.entity || '',
      );
    }
  }

  private message(): TemplateResult | typeof nothing {
    const { phase, error } = this.status;
    if (phase === 'playing') return nothing;
    if (error && phase !== 'paused' && phase !== 'idle' && phase !== 'poster') {
      // Kept through the retries (connecting/loading again) so it does not flicker.
      const retrying = this.status.retrying;
      return html`<div class="message error" role="alert">
        ${icon('alert')}<span>${error}${retrying ? html`<br /><small>retrying…</small>` : nothing}</span>
      </div>`;
    }
    if (phase === 'connecting' || phase === 'loading' || phase === 'reconnecting') {
      return html`<div class="message info">
        <div class="spinner"></div>
        <span>${phase === 'reconnecting' ? 'reconnecting' : 'loading'}</span>
      </div>`;
    }
    return nothing;
  }

  private modeLabel(): string {
    const { phase, label } = this.status;
    if (phase === 'playing') return label;
    if (phase === 'paused') return 'paused';
    if (phase === 'poster') return 'IMG';
    if (phase === 'error') return 'error';
    return phase === 'loading' && label ? `${label}…` : 'Loading..';
  }

  private renderMicrophone(): TemplateResult | typeof nothing {
    const stream = this.stream;
    if (!stream?.media.includes('microphone')) return nothing;
    const mic = this.status.microphone;
    const title = mic.available
      ? `${mic.on ? 'Microphone on' : 'Microphone off'}: click to toggle, hold to talk`
      : mic.error || 'Microphone: available once the WebRTC connection is up';
    return html`<button
      class="icon-button microphone ${mic.on ? 'on' : ''} ${mic.available ? '' : 'unavailable'}"
      title=${title}
      aria-label=${title}
      aria-pressed=${mic.on ? 'true' : 'false'}
      ?disabled=${!mic.available}
      @pointerdown=${(ev: PointerEvent) => this.micDown(ev)}
      @pointerup=${(ev: PointerEvent) => this.micUp(ev)}
      @pointercancel=${(ev: PointerEvent) => this.micUp(ev)}
      @keydown=${(ev: KeyboardEvent) => this.micKey(ev)}
    >
      ${icon(mic.on ? 'mic' : 'mic-off')}
    </button>`;
  }

  private renderUi(): TemplateResult | typeof nothing {
    const config = this.config;
    const player = this.player;
    if (!config?.ui || !player) return nothing;
    return renderUi({
      host: this,
      video: player.video,
      fullscreen: this.fullscreen,
      muted: this.muted,
      playing: this.status.phase === 'playing',
      withMic: this.stream?.media.includes('microphone') ?? false,
      streamName: config.streams.length > 1 ? this.stream?.name : undefined,
      nextStream: () => this.nextStream(),
    });
  }

  protected override render(): TemplateResult {
    const config = this.config;
    if (!config) return html``;
    const player = this.ensurePlayer();
    const scope = this.scope();
    const style = renderText(config.style, scope);
    if (this.userStyle.textContent !== style) this.userStyle.textContent = style;
    return html`${this.ownStyle}
      <ha-card class="card">
        <div class="player">
          <div class="ptz-transform">${player.video}${player.image}</div>
        </div>
        <div class="header">
          <div class="status">${config.title}</div>
          <div class="mode" title="Switch stream" @click=${() => this.nextStream()}>${this.modeLabel()}</div>
        </div>
        ${this.message()} ${renderPtz(config.ptz, this._hass, () => this.scope())}
        ${renderShortcuts(config.shortcuts, this._hass, scope, this)} ${this.renderUi()} ${this.renderMicrophone()}
      </ha-card>
      ${this.userStyle} `;
  }
}
