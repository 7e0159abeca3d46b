/**
 * The visual editor for the basic keys (url, entity, server, title, poster, mode, media, muted, ui,
 * background, intersection). Other keys (streams, ptz, shortcuts, style, ...) are kept as they are and edited
 * in YAML. Plain inputs, so it works on any Home Assistant version; it fires `config-changed` as Lovelace
 * editors do.
 */
import { LitElement, css, html, type TemplateResult } from 'lit';
import { DEFAULT_INTERSECTION, DEFAULT_MEDIA, DEFAULT_MODE } from './config.js';

type Config = Record<string, unknown>;

const TEXT_FIELDS: ReadonlyArray<[key: string, label: string, help: string]> = [
  ['url', 'Stream (url)', 'go2rtc/ts2rtc stream name or source URL, e.g. rtsp://user:pass@192.168.1.10/stream'],
  ['entity', 'Camera entity', 'camera.front_door (needs the ts2rtc or WebRTC integration)'],
  ['server', 'Server', 'only without an integration, or to pick another server: http://192.168.1.10:1984'],
  ['title', 'Title', ''],
  ['poster', 'Poster', 'image URL, camera entity or stream name shown while loading'],
  ['mode', 'Modes', `fallback order webrtc → mse → hls → mjpeg; default ${DEFAULT_MODE}`],
  ['media', 'Media', `video, audio, microphone; default ${DEFAULT_MEDIA}`],
];
const BOOL_FIELDS: ReadonlyArray<[key: string, label: string]> = [
  ['muted', 'Start muted'],
  ['ui', 'Own controls instead of the browser’s'],
  ['background', 'Keep playing when the page is hidden'],
];

export class WebrtcCameraEditor extends LitElement {
  static override properties = { config: { state: true } };
  declare config: Config;
  hass: unknown;

  constructor() {
    super();
    this.config = {};
  }

  setConfig(config: Config): void {
    this.config = { ...config };
  }

  private change(key: string, value: unknown): void {
    const next: Config = { ...this.config };
    if (value === '' || value === undefined || value === false) delete next[key];
    else next[key] = value;
    this.config = next;
    this.dispatchEvent(new CustomEvent('config-changed', { detail: { config: next }, bubbles: true, composed: true }));
  }

  protected override render(): TemplateResult {
    const c = this.config;
    const intersection = typeof c['intersection'] === 'number' ? c['intersection'] : DEFAULT_INTERSECTION;
    return html`<div class="form">
      ${TEXT_FIELDS.map(
        ([key, label, help]) =>
          html`<label>
            <span>${label}</span>
            <input
              name=${key}
              .value=${String(c[key] ?? '')}
              placeholder=${help}
              @change=${(ev: Event) => this.change(key, (ev.target as HTMLInputElement).value.trim())}
            />
          </label>`,
      )}
      <label>
        <span>Play when at least this much is on screen (0 = always): ${intersection}</span>
        <input
          name="intersection"
          type="range"
          min="0"
          max="1"
          step="0.05"
          .value=${String(intersection)}
          @change=${(ev: Event) => {
            const v = Number((ev.target as HTMLInputElement).value);
            this.change('intersection', v === DEFAULT_INTERSECTION ? undefined : v);
          }}
        />
      </label>
      ${BOOL_FIELDS.map(
        ([key, label]) =>
          html`<label class="check">
            <input
              name=${key}
              type="checkbox"
              .checked=${c[key] === true}
              @change=${(ev: Event) => this.change(key, (ev.target as HTMLInputElement).checked)}
            />
            <span>${label}</span>
          </label>`,
      )}
      <p class="note">Streams, PTZ, shortcuts, digital PTZ and style: use the YAML editor.</p>
    </div>`;
  }

  static override styles = css`
    .form {
      display: grid;
      gap: 12px;
    }
    label {
      display: grid;
      gap: 4px;
      font-size: 14px;
      color: var(--primary-text-color, #212121);
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    input:not([type]) {
      padding: 8px;
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 4px;
      background: var(--card-background-color, #fff);
      color: inherit;
      font: inherit;
    }
    .note {
      margin: 0;
      font-size: 12px;
      color: var(--secondary-text-color, #727272);
    }
  `;
}
