/**
 * Entry of the bundle: registers `webrtc-camera` (and its editor) unless an element of that name exists
 * already (AlexxIT's card loaded first: his stays, ours steps aside), and adds the card to the card picker.
 */
import { EDITOR_TAG, WebrtcCameraCard } from './card.js';
import { WebrtcCameraEditor } from './editor.js';

export const CARD_TAG = 'webrtc-camera';
export const CARD_VERSION = '0.1.0';

interface CustomCardEntry {
  type: string;
  name: string;
  description?: string;
  preview?: boolean;
  documentationURL?: string;
}

declare global {
  interface Window {
    customCards?: CustomCardEntry[];
  }
}

/**
 * Registers our card. When we are first, a later `customElements.define('webrtc-camera', ...)` (AlexxIT's
 * webrtc-camera.js, which does not check) would throw and stop his module; this makes that one call a no-op,
 * for this name only, so neither script fails and the first definition serves every card.
 */
function register(): void {
  const registry = window.customElements;
  if (!registry.get(EDITOR_TAG)) registry.define(EDITOR_TAG, WebrtcCameraEditor);
  if (registry.get(CARD_TAG)) {
    console.info(`${CARD_TAG}: already defined by another script (AlexxIT's WebRTC card?); that one is used`);
    return;
  }
  registry.define(CARD_TAG, WebrtcCameraCard);
  const define = registry.define.bind(registry);
  registry.define = (name: string, constructor: CustomElementConstructor, options?: ElementDefinitionOptions): void => {
    if (name === CARD_TAG && registry.get(name)) {
      console.info(`${CARD_TAG}: a second definition was skipped; ts2rtc's card (${CARD_VERSION}) is in use`);
      return;
    }
    define(name, constructor, options);
  };
  console.info(`%c WEBRTC-CAMERA %c ts2rtc ${CARD_VERSION} `, 'color:#fff;background:#03a9f4', 'color:#03a9f4');
  const cards = (window.customCards ??= []);
  if (!cards.some((c) => c.type === CARD_TAG)) {
    cards.push({
      type: CARD_TAG,
      name: 'WebRTC Camera (ts2rtc)',
      description: 'Live camera with WebRTC, MSE or MJPEG, two-way audio and PTZ, from ts2rtc or go2rtc',
      preview: false,
      documentationURL: 'https://github.com/your-org/ts2rtc/tree/main/custom_cards',
    });
  }
}

register();

export { WebrtcCameraCard, WebrtcCameraEditor };
