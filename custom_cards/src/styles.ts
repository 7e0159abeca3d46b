/**
 * The card's CSS. Class names are AlexxIT's (`.header`, `.mode`, `.status`, `.ptz`, `.shortcuts`,
 * `.fullscreen`, `.screenshot`, `.pictureinpicture`, `video`), so `style:` overrides written for his card keep
 * working here.
 */
import { css } from 'lit';

export const cardStyles = css`
  :host {
    display: block;
  }
  ha-card {
    display: block;
    width: 100%;
    height: 100%;
    margin: auto;
    overflow: hidden;
    position: relative;
    border-radius: var(--ha-card-border-radius, 12px);
    background: var(--ha-card-background, var(--card-background-color, #000));
  }
  .player {
    background-color: black;
    height: 100%;
    position: relative;
    overflow: hidden;
  }
  .ptz-transform {
    height: 100%;
    transform-origin: 0 0;
  }
  video,
  img.mjpeg {
    display: block;
    width: 100%;
    height: 100%;
    aspect-ratio: auto 16 / 9;
    object-fit: contain;
    background: black;
  }
  video[hidden],
  img[hidden] {
    display: none;
  }
  .header {
    position: absolute;
    top: 6px;
    left: 10px;
    right: 10px;
    color: white;
    display: flex;
    justify-content: space-between;
    pointer-events: none;
    font: 14px/1.4 var(--paper-font-body1_-_font-family, Roboto, 'Noto Sans', sans-serif);
    text-shadow: 0 0 3px rgba(0, 0, 0, 0.9);
  }
  .mode {
    cursor: pointer;
    opacity: 0.6;
    pointer-events: auto;
  }
  .message {
    position: absolute;
    left: 12px;
    right: 12px;
    bottom: 56px;
    display: flex;
    gap: 8px;
    align-items: flex-start;
    padding: 8px 12px;
    border-radius: 8px;
    background: rgba(0, 0, 0, 0.72);
    color: #fff;
    font: 13px/1.4 var(--paper-font-body1_-_font-family, Roboto, 'Noto Sans', sans-serif);
    pointer-events: none;
  }
  .message.error {
    top: 50%;
    bottom: auto;
    left: 50%;
    right: auto;
    width: max-content;
    max-width: calc(100% - 48px);
    transform: translate(-50%, -50%);
    padding: 12px 16px;
    background: rgba(48, 48, 48, 0.94);
    border: 1px solid rgba(255, 255, 255, 0.14);
    font-size: 14px;
  }
  .message.error .icon {
    color: var(--error-color, #db4437);
    flex: none;
  }
  .message.info {
    left: auto;
    right: 50%;
    transform: translateX(50%);
    bottom: auto;
    top: 42%;
  }
  .spinner {
    width: 18px;
    height: 18px;
    border: 2px solid rgba(255, 255, 255, 0.3);
    border-top-color: #fff;
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
    flex: none;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  button.icon-button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 40px;
    height: 40px;
    padding: 0;
    border: none;
    border-radius: 50%;
    background: rgba(0, 0, 0, 0.35);
    color: white;
    cursor: pointer;
    touch-action: none;
    user-select: none;
    -webkit-user-select: none;
  }
  button.icon-button:hover {
    background: rgba(0, 0, 0, 0.55);
  }
  .microphone {
    position: absolute;
    right: 12px;
    bottom: 12px;
    width: 48px;
    height: 48px;
  }
  .microphone.on {
    background: var(--error-color, #db4437);
    box-shadow: 0 0 0 4px rgba(219, 68, 55, 0.35);
  }
  .microphone.unavailable {
    opacity: 0.45;
  }
  .ui .controls {
    position: absolute;
    left: 5px;
    right: 5px;
    bottom: 5px;
    display: flex;
    align-items: center;
    gap: 4px;
  }
  .ui.with-mic .controls {
    right: 68px;
  }
  .space {
    flex: 1;
  }
  .stream {
    padding: 0 6px;
    font: 500 16px/1 var(--paper-font-body1_-_font-family, Roboto, sans-serif);
    color: white;
    cursor: pointer;
  }
  .ptz {
    position: absolute;
    top: 50%;
    right: 10px;
    transform: translateY(-50%);
    display: flex;
    flex-direction: column;
    gap: 10px;
    transition: opacity 0.3s ease-in-out;
  }
  .ptz:hover {
    opacity: 1 !important;
  }
  .ptz-move {
    position: relative;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 50%;
    width: 96px;
    height: 96px;
  }
  .ptz-zoom {
    position: relative;
    width: 96px;
    height: 40px;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 4px;
  }
  .ptz-home {
    position: relative;
    width: 40px;
    height: 40px;
    background-color: rgba(0, 0, 0, 0.3);
    border-radius: 4px;
    align-self: center;
  }
  .ptz button {
    position: absolute;
    width: 32px;
    height: 32px;
    background: transparent;
  }
  .ptz .up {
    top: 2px;
    left: 50%;
    transform: translateX(-50%);
  }
  .ptz .down {
    bottom: 2px;
    left: 50%;
    transform: translateX(-50%);
  }
  .ptz .left {
    left: 2px;
    top: 50%;
    transform: translateY(-50%);
  }
  .ptz .right {
    right: 2px;
    top: 50%;
    transform: translateY(-50%);
  }
  .ptz .zoom_out {
    left: 4px;
    top: 4px;
  }
  .ptz .zoom_in {
    right: 4px;
    top: 4px;
  }
  .ptz .home {
    left: 4px;
    top: 4px;
  }
  .shortcuts {
    position: absolute;
    top: 30px;
    left: 5px;
    display: flex;
    gap: 4px;
    color: white;
  }
  .shortcuts ha-icon,
  .shortcuts .shortcut {
    cursor: pointer;
  }
  .shortcut {
    min-width: 24px;
    padding: 2px 6px;
    border-radius: 4px;
    background: rgba(0, 0, 0, 0.35);
    font: 12px/20px sans-serif;
  }
`;
