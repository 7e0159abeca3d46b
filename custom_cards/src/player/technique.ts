/**
 * One way of playing a stream over the `/api/ws` socket (go2rtc's protocol, contracts.md §2): WebRTC, MSE,
 * HLS or MJPEG. The player runs one at a time, in fallback order, on the same socket.
 */

/** A text message of the protocol: `{"type": .., "value": ..}`. */
export interface WsMessage {
  type: string;
  value?: unknown;
}

export type TechniqueName = 'webrtc' | 'mse' | 'hls' | 'mjpeg';

/** What a technique may do with the player. */
export interface TechniqueContext {
  readonly video: HTMLVideoElement;
  readonly image: HTMLImageElement;
  send(message: WsMessage): void;
  /** The first frame is on screen. */
  playing(): void;
  /** This technique cannot play here (the player tries the next one). */
  failed(reason: string): void;
  /** It played and then broke (the player reconnects). */
  dropped(reason: string): void;
  /** Start the video element (muted when the browser refuses sound without a click). */
  play(): void;
}

export interface Technique {
  readonly name: TechniqueName;
  /** The label the card shows (AlexxIT's: RTC, MSE, HLS, MJPEG). */
  readonly label: string;
  start(): void | Promise<void>;
  onMessage(message: WsMessage): void;
  onBinary(data: ArrayBuffer): void;
  /** Releases everything it holds (peer connection, MediaSource, object URLs, timers). */
  stop(): void;
  /** Frames shown so far. */
  frames(): Promise<number>;
}

/** go2rtc's error text is `"<request type>: <message>"`; it belongs to a technique by that prefix. */
export function errorConcerns(message: WsMessage, requestTypes: readonly string[]): boolean {
  if (message.type !== 'error') return false;
  const text = String(message.value ?? '');
  return requestTypes.some((t) => text.startsWith(`${t}:`) || text.startsWith(`${t} `));
}

/** Video frames the element has presented (WebRTC and MSE alike). */
export function presentedFrames(video: HTMLVideoElement): number {
  return typeof video.getVideoPlaybackQuality === 'function' ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
}

/** Calls `onFrame` once, when the video element has a picture. */
export function onFirstFrame(video: HTMLVideoElement, onFrame: () => void): () => void {
  let done = false;
  const fire = (): void => {
    if (done) return;
    done = true;
    onFrame();
  };
  if ('requestVideoFrameCallback' in video) {
    const handle = video.requestVideoFrameCallback(() => fire());
    return () => {
      done = true;
      video.cancelVideoFrameCallback(handle);
    };
  }
  const listener = (): void => fire();
  (video as HTMLVideoElement).addEventListener('loadeddata', listener, { once: true });
  return () => {
    done = true;
    (video as HTMLVideoElement).removeEventListener('loadeddata', listener);
  };
}
