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
  /**
   * Jumps of the video's position (`seeking` events) since a test first read the state: the player's own catch-up
   * to the live edge (video-rtc.js followLive) when data came late and piled up more than MAX_LATENCY_S.
   */
  seeks: number;
}

/**
 * Runs in the page (a string: this project compiles without DOM types). `webkitAudioDecodedByteCount` is
 * Chrome's count of audio bytes its decoder consumed. The first read starts counting the video's seeks.
 */
const READ_STATE = `(() => {
  const player = document.querySelector('video-stream');
  const video = player && player.video;
  if (!player || !video) return { frames: 0, dropped: 0, audioBytes: 0, mime: '', firstFrameMs: 0, currentTime: 0, bufferedEnd: 0, error: 'no player', seeks: 0 };
  if (video.testSeeks === undefined) {
    video.testSeeks = 0;
    video.addEventListener('seeking', () => video.testSeeks++);
  }
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
    seeks: video.testSeeks,
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
  /** Stretches given up because the player jumped ahead in them. */
  restarts: number;
}

/**
 * Opens `url` in `page`, waits for the first frame, then for `seconds` of media played in one stretch (by
 * currentTime). A jump to the live edge starts the stretch over: the player skips that media on purpose, to stay
 * live after a late delivery (a loaded machine's stall), and counting it as played read the skip as lost frames.
 * A stream that makes it jump all the time still fails: it finds no such stretch in 20 s.
 */
export async function measurePlayback(page: Page, url: string, seconds: number): Promise<Playback> {
  await page.goto(url);
  const first = await waitState(page, (s) => s.firstFrameMs > 0, 30_000, 'first frame');
  const deadline = Date.now() + 20_000;
  for (let restarts = 0; ; restarts++) {
    const start = await state(page);
    const end = await waitState(
      page,
      (s) => s.seeks !== start.seeks || s.currentTime - start.currentTime >= seconds,
      deadline - Date.now(),
      `${seconds} s of playback without a jump (${restarts} jumped)`,
    );
    if (end.seeks === start.seeks)
      return {
        first,
        start,
        end,
        frames: end.frames - start.frames,
        played: end.currentTime - start.currentTime,
        restarts,
      };
  }
}
