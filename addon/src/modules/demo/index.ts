import type { App, Module } from '../../app.js';
import { loadClip, type Clip } from './clip.js';
import { DemoProducer } from './producer.js';

/**
 * `demo:` — the built-in test clip (H264 + Opus, 10 s, looping in real time), so a fresh install has a stream
 * to watch with no camera and no ffmpeg. It reads only the clip shipped with the package, so any origin may
 * use it.
 */
export function init(app: App): undefined {
  let clip: Promise<Clip> | undefined;
  app.streams.registerSource('demo', async (url) => {
    clip ??= loadClip().catch((err: unknown) => {
      clip = undefined;
      throw err;
    });
    return new DemoProducer(await clip, url.raw);
  });
  return undefined;
}

export const demo: Module<'demo'> = { name: 'demo', init };
