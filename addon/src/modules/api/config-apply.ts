import type { Config } from '../../config/types.js';
import { errorMessage } from '../../core/errors.js';
import type { StreamHub } from '../streams/hub.js';

/** What saving a config changed in the running server, and what waits for a restart. */
export interface ApplyReport {
  readonly streams: {
    readonly added: string[];
    readonly changed: string[];
    readonly removed: string[];
    /** Streams the hub refused (an invalid name): the file has them, the server does not run them. */
    readonly failed: Array<{ name: string; error: string }>;
  };
  /** Top-level sections whose value changed but are read only at startup (`api`, `webrtc`, `log`...). */
  readonly restartRequired: string[];
}

/** Read again on every save: the streams. Everything else is read once at startup. */
const LIVE_SECTIONS: ReadonlySet<string> = new Set(['streams']);

/**
 * The difference between the file's streams before and after a save, applied to the hub: new and changed
 * streams get their sources (a source kept as it was keeps its producer, so its viewers stay), streams
 * removed from the file are stopped. Streams the file never named (made through the API, published) are
 * left alone. `before` is undefined when the old text did not validate: then nothing is removed.
 */
export function applyStreams(hub: StreamHub, before: Config | undefined, after: Config): ApplyReport {
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  const old = before?.streams ?? {};
  for (const [name, urls] of Object.entries(after.streams)) {
    const previous = Object.hasOwn(old, name) ? old[name] : undefined;
    const sources = urls.filter((url) => url !== '');
    const existing = hub.get(name);
    if (
      previous !== undefined &&
      existing &&
      sameList(
        previous.filter((u) => u !== ''),
        sources,
      )
    )
      continue;
    try {
      hub.set(name, sources, 'config');
    } catch (err) {
      failed.push({ name, error: errorMessage(err) });
      continue;
    }
    (existing ? changed : added).push(name);
  }
  for (const name of Object.keys(old)) {
    if (Object.hasOwn(after.streams, name) || !hub.get(name)) continue;
    removed.push(name);
    // Stopping closes that stream's viewers, which is what removing it means; others are untouched.
    void hub.delete(name);
  }
  return { streams: { added, changed, removed, failed }, restartRequired: changedSections(before, after) };
}

function changedSections(before: Config | undefined, after: Config): string[] {
  if (!before) return [];
  const old = new Map<string, unknown>(Object.entries(before));
  const now = new Map<string, unknown>(Object.entries(after));
  const out: string[] = [];
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    if (LIVE_SECTIONS.has(key)) continue;
    if (JSON.stringify(old.get(key)) !== JSON.stringify(now.get(key))) out.push(key);
  }
  return out.sort();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
