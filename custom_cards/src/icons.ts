/**
 * The card's own control icons, drawn as simple stroke SVGs so they show on any page (Home Assistant's
 * `ha-icon` exists only inside its frontend; user shortcuts still use it for their `mdi:` icons).
 */
import { html, svg, type SVGTemplateResult, type TemplateResult } from 'lit';

export type IconName =
  | 'mic'
  | 'mic-off'
  | 'fullscreen'
  | 'fullscreen-exit'
  | 'volume'
  | 'volume-off'
  | 'play'
  | 'screenshot'
  | 'pip'
  | 'left'
  | 'right'
  | 'up'
  | 'down'
  | 'zoom_in'
  | 'zoom_out'
  | 'home'
  | 'alert';

const PATHS: Record<IconName, SVGTemplateResult> = {
  mic: svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M9 21h6"/>`,
  'mic-off': svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M9 21h6M4 4l16 16"/>`,
  fullscreen: svg`<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>`,
  'fullscreen-exit': svg`<path d="M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5"/>`,
  volume: svg`<path d="M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>`,
  'volume-off': svg`<path d="M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6"/>`,
  play: svg`<path d="M7 4l13 8-13 8z"/>`,
  screenshot: svg`<path d="M4 7h4l2-3h4l2 3h4v12H4z"/><circle cx="12" cy="13" r="3.5"/>`,
  pip: svg`<rect x="3" y="5" width="18" height="14" rx="1"/><rect x="12" y="12" width="7" height="5"/>`,
  left: svg`<path d="M15 5l-7 7 7 7"/>`,
  right: svg`<path d="M9 5l7 7-7 7"/>`,
  up: svg`<path d="M5 15l7-7 7 7"/>`,
  down: svg`<path d="M5 9l7 7 7-7"/>`,
  zoom_in: svg`<path d="M12 5v14M5 12h14"/>`,
  zoom_out: svg`<path d="M5 12h14"/>`,
  home: svg`<path d="M4 11l8-7 8 7M6 9.5V20h12V9.5"/>`,
  alert: svg`<path d="M12 3l10 18H2zM12 10v5M12 17.5v.5"/>`,
};

export function icon(name: IconName): TemplateResult {
  return html`<svg
    class="icon"
    viewBox="0 0 24 24"
    width="24"
    height="24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
  >
    ${PATHS[name]}
  </svg>`;
}
