import { readFile, stat } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import { MAX_STORAGE_BYTES, parseConfigEntries, type HassCamera } from '../../pkg/hass/index.js';

/**
 * The cameras of Home Assistant's `core.config_entries`, kept current: read at start and again whenever the
 * file changes (Home Assistant rewrites it through a temporary file and a rename, so the path is polled with
 * `fs.watchFile` rather than an inode watch). A missing or malformed file is logged with its code and the
 * last good list stays, so a half-written file never drops streams; nothing here throws into the server.
 */
export class HassCameras {
  private cameras = new Map<string, HassCamera>();
  private loadedOnce = false;
  private lastProblem: string | undefined;
  private watching = false;
  /** Fires after each successful (re)load with the new list. */
  readonly onChange = new Event<[readonly HassCamera[]]>();

  constructor(
    readonly file: string,
    private readonly log: Logger,
    /** A missing file is worth a warning (hass.config was set, or we run as the add-on); else debug. */
    private readonly expectFile: boolean,
  ) {}

  /** True once the file was read and parsed at least once. */
  get loaded(): boolean {
    return this.loadedOnce;
  }

  get(title: string): HassCamera | undefined {
    return this.cameras.get(title);
  }

  list(): HassCamera[] {
    return [...this.cameras.values()];
  }

  async load(): Promise<void> {
    let content: string;
    try {
      const info = await stat(this.file);
      if (info.size > MAX_STORAGE_BYTES) throw new Error(`larger than ${MAX_STORAGE_BYTES} bytes`);
      content = await readFile(this.file, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      this.problem(
        missing ? 'HASS_STORAGE_MISSING' : 'HASS_STORAGE_UNREADABLE',
        errorMessage(err),
        missing && !this.expectFile,
      );
      return;
    }
    let result;
    try {
      result = parseConfigEntries(content);
    } catch (err) {
      this.problem('HASS_STORAGE_INVALID', errorMessage(err), false);
      return;
    }
    this.lastProblem = undefined;
    this.loadedOnce = true;
    this.cameras = new Map(result.cameras.map((c) => [c.title, c]));
    for (const reason of result.skipped) this.log.debug({ reason }, 'hass: entry skipped');
    this.log.info({ file: this.file, cameras: result.cameras.map((c) => c.title) }, 'hass: cameras loaded');
    this.onChange.emit(result.cameras);
  }

  /** Re-reads the file when its size or mtime changes (and when it appears or disappears). */
  watch(intervalMs = 2000): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.file, { interval: intervalMs, persistent: false }, this.onStat);
  }

  stop(): void {
    if (!this.watching) return;
    this.watching = false;
    unwatchFile(this.file, this.onStat);
  }

  private readonly onStat = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    void this.load();
  };

  private problem(code: string, message: string, quiet: boolean): void {
    const text = `${code}: ${message}`;
    // The same problem on every poll is said once.
    if (text === this.lastProblem) return;
    this.lastProblem = text;
    const fields = { code, file: this.file, err: message, keeping: this.cameras.size };
    if (quiet) this.log.debug(fields, 'hass: no Home Assistant config entries');
    else this.log.warn(fields, 'hass: cannot read Home Assistant config entries; streams from it stay as they were');
  }
}
