/** Pure helpers of the player (no DOM), unit-tested under node. */

/**
 * One message for the failures of all techniques: the reason most of them gave, without the server's
 * `<request type>: ` prefix (`stream not found`); when they all differ, the first (the preferred technique's).
 */
export function summarise(reasons: readonly string[]): string {
  const bare = reasons.map((r) => r.replace(/^(webrtc\/offer|webrtc\/candidate|webrtc|mse|hls|mjpeg|mp4): /, ''));
  const counts = new Map<string, number>();
  for (const b of bare) counts.set(b, (counts.get(b) ?? 0) + 1);
  let best = '';
  let bestCount = 0;
  // The most frequent reason (the server's "stream not found" for every technique); on a tie, the first.
  for (const [text, count] of counts) {
    if (count > bestCount) {
      best = text;
      bestCount = count;
    }
  }
  return bestCount > 1 || counts.size === 1 ? best : (reasons[0] ?? '');
}
