/**
 * `ui: true`: the card's own controls instead of the browser's (AlexxIT's set and class names: fullscreen,
 * screenshot, picture-in-picture, stream name, play, volume).
 */
import { html, nothing, type TemplateResult } from 'lit';
import { icon } from './icons.js';

export interface UiState {
  host: HTMLElement;
  video: HTMLVideoElement;
  fullscreen: boolean;
  muted: boolean;
  playing: boolean;
  /** Leave room for the microphone button. */
  withMic: boolean;
  /** Shown (and clickable to switch) when there are several streams. */
  streamName: string | undefined;
  nextStream(): void;
}

/** Saves the current picture as a JPEG download. */
function saveScreenshot(video: HTMLVideoElement): void {
  if (!video.videoWidth) return;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')?.drawImage(video, 0, 0);
  const a = document.createElement('a');
  a.href = canvas.toDataURL('image/jpeg');
  a.download = `snapshot_${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '')}.jpeg`;
  a.click();
}

export function renderUi(s: UiState): TemplateResult {
  const video = s.video;
  const toggleFullscreen = (): void => {
    (s.fullscreen ? document.exitFullscreen() : s.host.requestFullscreen()).catch(() => {});
  };
  return html`<div class="ui ${s.withMic ? 'with-mic' : ''}">
    <div class="controls">
      <button class="icon-button fullscreen" title="Fullscreen" @click=${toggleFullscreen}>
        ${icon(s.fullscreen ? 'fullscreen-exit' : 'fullscreen')}
      </button>
      <button class="icon-button screenshot" title="Save a picture" @click=${() => saveScreenshot(video)}>
        ${icon('screenshot')}
      </button>
      ${
        'requestPictureInPicture' in video
          ? html`<button
              class="icon-button pictureinpicture"
              title="Picture in picture"
              @click=${() => video.requestPictureInPicture().catch(() => {})}
            >
              ${icon('pip')}
            </button>`
          : nothing
      }
      ${s.streamName !== undefined ? html`<span class="stream" @click=${() => s.nextStream()}>${s.streamName}</span>` : nothing}
      <span class="space"></span>
      ${video.paused && s.playing ? html`<button class="icon-button play" title="Play" @click=${() => void video.play().catch(() => {})}>${icon('play')}</button>` : nothing}
      <button
        class="icon-button volume"
        title=${s.muted ? 'Unmute' : 'Mute'}
        @click=${() => (video.muted = !video.muted)}
      >
        ${icon(s.muted ? 'volume-off' : 'volume')}
      </button>
    </div>
  </div>`;
}
