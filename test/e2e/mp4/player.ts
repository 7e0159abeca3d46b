import type { Page } from 'playwright-core';

/** What the tests read from our player (`addon/www/video-rtc.js`) in a page. */
export interface PlayerState {
  frames: number;
  dropped: number;
  audioBytes: number;
  mime: string;
  /** ms from the WebSocket connecting to the first painted frame; 0 before it. */
  firstFrameMs: number;
  currentTime: number;
  bufferedEnd: number;
  error: string;
}

/**
 * Runs in the page (a string: this project compiles without DOM types). `webkitAudioDecodedByteCount` is
 * Chrome's count of audio bytes its decoder consumed.
 */
const READ_STATE = `(() => {
  const player = document.querySelector('video-stream');
  const video = player && player.video;
  if (!player || !video) return { frames: 0, dropped: 0, audioBytes: 0, mime: '', firstFrameMs: 0, currentTime: 0, bufferedEnd: 0, error: 'no player' };
  const quality = video.getVideoPlaybackQuality();
  const buffered = video.buffered;
  return {
    frames: quality.totalVideoFrames,
    dropped: quality.droppedVideoFrames,
    audioBytes: Number(video.webkitAudioDecodedByteCount || 0),
    mime: player.mseCodecs,
    firstFrameMs: player.firstFrameAt ? player.firstFrameAt - player.connectAt : 0,
    currentTime: video.currentTime,
    bufferedEnd: buffered.length ? buffered.end(buffered.length - 1) : 0,
    error: video.error ? video.error.message || String(video.error.code) : '',
  };
})()`;

export async function state(page: Page): Promise<PlayerState> {
  return page.evaluate<PlayerState>(READ_STATE);
}

export async function waitState(
  page: Page,
  test: (s: PlayerState) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PlayerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(page);
    if (test(s)) return s;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(50);
  }
}

/** The player's state at its first frame and around a stretch of playback, and what was shown in it. */
export interface Playback {
  first: PlayerState;
  start: PlayerState;
  end: PlayerState;
  /** Frames painted between start and end. */
  frames: number;
  /** Seconds of media played between start and end (the video's currentTime). */
  played: number;
}

/** Opens `url` in `page`, waits for the first frame, then for `seconds` of media played (by currentTime). */
export async function measurePlayback(page: Page, url: string, seconds: number): Promise<Playback> {
  await page.goto(url);
  const first = await waitState(page, (s) => s.firstFrameMs > 0, 30_000, 'first frame');
  const start = await state(page);
  await waitState(page, (s) => s.currentTime - start.currentTime >= seconds, 20_000, `${seconds} s of playback`);
  const end = await state(page);
  return { first, start, end, frames: end.frames - start.frames, played: end.currentTime - start.currentTime };
}
