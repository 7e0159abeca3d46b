/**
 * The overlay parts of the card that come from config: PTZ buttons (AlexxIT's press/release/long-press
 * service calls) and shortcuts. Render functions plus the small amount of logic they need.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { PTZ_DIRECTIONS, PTZ_PHASES, type PtzConfig, type PtzDirection, type ShortcutConfig } from './config.js';
import type { Hass } from './hass.js';
import { icon } from './icons.js';
import { renderValue, type TemplateScope } from './templates.js';

/** A press longer than this calls `data_long_X` instead of `data_X` (AlexxIT's 400 ms). */
export const PTZ_LONG_PRESS_MS = 400;

function hasAny(ptz: PtzConfig, directions: readonly PtzDirection[]): boolean {
  return directions.some((d) => PTZ_PHASES.some((phase) => ptz.data[`data_${phase}${d}`] !== undefined));
}

/** Calls the PTZ service for `data_<phase><direction>` when that key is configured. */
export function callPtz(hass: Hass | undefined, ptz: PtzConfig, key: string, scope: TemplateScope): void {
  const data = ptz.data[key];
  if (!hass || !data) return;
  const service = renderValue(ptz.service, scope);
  const [domain, name] = service.split('.', 2);
  if (!domain || !name) return;
  void hass
    .callService(domain, name, renderValue(data, scope))
    .catch((err: unknown) => console.warn('webrtc-camera: ptz', err));
}

export function renderPtz(
  ptz: PtzConfig | null,
  hass: Hass | undefined,
  scope: () => TemplateScope,
): TemplateResult | typeof nothing {
  if (!ptz) return nothing;
  const press = (direction: PtzDirection) => (start: PointerEvent) => {
    start.preventDefault();
    callPtz(hass, ptz, `data_start_${direction}`, scope());
    const end = (ev: Event): void => {
      window.removeEventListener('pointerup', end);
      window.removeEventListener('pointercancel', end);
      callPtz(hass, ptz, `data_end_${direction}`, scope());
      const long = ev.timeStamp - start.timeStamp > PTZ_LONG_PRESS_MS;
      callPtz(hass, ptz, long ? `data_long_${direction}` : `data_${direction}`, scope());
    };
    window.addEventListener('pointerup', end);
    window.addEventListener('pointercancel', end);
  };
  const button = (d: PtzDirection): TemplateResult =>
    html`<button class="icon-button ${d}" title=${d.replace('_', ' ')} @pointerdown=${press(d)}>${icon(d)}</button>`;
  const move = hasAny(ptz, ['left', 'right', 'up', 'down']);
  const zoom = hasAny(ptz, ['zoom_in', 'zoom_out']);
  const home = hasAny(ptz, ['home']);
  return html`<div class="ptz" style="opacity: ${ptz.opacity}">
    ${move ? html`<div class="ptz-move">${(['up', 'down', 'left', 'right'] as const).map(button)}</div>` : nothing}
    ${zoom ? html`<div class="ptz-zoom">${button('zoom_out')}${button('zoom_in')}</div>` : nothing}
    ${home ? html`<div class="ptz-home">${button('home')}</div>` : nothing}
  </div>`;
}

export function renderShortcuts(
  shortcuts: readonly ShortcutConfig[],
  hass: Hass | undefined,
  scope: TemplateScope,
  host: HTMLElement,
): TemplateResult | typeof nothing {
  if (shortcuts.length === 0) return nothing;
  const rendered = renderValue(shortcuts, scope);
  const click = (shortcut: ShortcutConfig) => (): void => {
    if (shortcut.more_info !== undefined) {
      host.dispatchEvent(
        new CustomEvent('hass-more-info', { bubbles: true, composed: true, detail: { entityId: shortcut.more_info } }),
      );
    }
    if (shortcut.service && hass) {
      const [domain, name] = shortcut.service.split('.', 2);
      if (domain && name)
        void hass
          .callService(domain, name, shortcut.service_data)
          .catch((err: unknown) => console.warn('webrtc-camera: shortcut', err));
    }
  };
  const hasHaIcon = customElements.get('ha-icon') !== undefined;
  return html`<div class="shortcuts">
    ${rendered.map((s) =>
      hasHaIcon
        ? html`<ha-icon icon=${s.icon} title=${s.name} @click=${click(s)}></ha-icon>`
        : html`<span class="shortcut" title=${s.name} @click=${click(s)}>${s.name || s.icon}</span>`,
    )}
  </div>`;
}

export { PTZ_DIRECTIONS };
