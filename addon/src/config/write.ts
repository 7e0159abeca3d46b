import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from './errors.js';
import type { YamlValue } from './tree.js';
import { mergeYamlText, parseConfigDocument, setYamlValue } from './yaml-edit.js';

/**
 * The edits the HTTP API makes to the config file (go2rtc's app.PatchConfig and /api/config), keeping the
 * comments and layout of everything else. Edits of one file run one at a time (read, change, write), so
 * two API calls cannot lose each other's change. A missing file is created.
 */

/** The file system calls the writer needs; tests swap in failing ones. */
export interface WriteFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options: { mode: number; flag?: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<{ mode: number }>;
  realpath(path: string): Promise<string>;
}

const nodeFs: WriteFs = {
  readFile: (p, e) => fsp.readFile(p, e),
  // fsync before the rename: otherwise a power cut can leave the renamed file empty.
  writeFile: async (p, d, o) => {
    const handle = await fsp.open(p, o.flag ?? 'w', o.mode);
    try {
      await handle.writeFile(d, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
  stat: (p) => fsp.stat(p),
  realpath: (p) => fsp.realpath(p),
};

/** Writes a stream's sources: one URL as a scalar, several as a list, none as an empty (null) entry. */
export async function setStream(path: string, name: string, urls: readonly string[]): Promise<void> {
  const value: YamlValue = urls.length === 0 ? null : urls.length === 1 ? (urls[0] ?? null) : [...urls];
  return setConfigValue(path, ['streams', name], value);
}

export async function deleteStream(path: string, name: string): Promise<void> {
  return setConfigValue(path, ['streams', name], undefined);
}

/** `preload.<name>: <query>`; `undefined` removes the entry. */
export async function setPreload(path: string, name: string, query: string | undefined): Promise<void> {
  return setConfigValue(path, ['preload', name], query);
}

export async function deletePreload(path: string, name: string): Promise<void> {
  return setConfigValue(path, ['preload', name], undefined);
}

/** Any key path, e.g. ['homekit', id, 'pairings'] or ['env', NAME]; `undefined` deletes the key. */
export async function setConfigValue(
  path: string,
  keys: readonly string[],
  value: YamlValue | undefined,
): Promise<void> {
  return editFile(path, (text) => setYamlValue(text, keys, value, path));
}

/** POST /api/config: the whole file. Throws `CONFIG_SYNTAX` (or `CONFIG_INVALID` for a non-map) first. */
export async function replaceConfig(path: string, yamlText: string): Promise<void> {
  parseConfigDocument(yamlText, 'request body');
  return serialize(path, () => writeFileAtomic(path, yamlText));
}

/** PATCH /api/config: maps merge key by key, lists and scalars replace. */
export async function patchConfig(path: string, yamlText: string): Promise<void> {
  parseConfigDocument(yamlText, 'request body');
  return editFile(path, (text) => mergeYamlText(text, yamlText, path));
}

/** What a checked edit did: the file's text before and after, and where the previous text was kept. */
export interface ConfigEdit {
  readonly before: string;
  readonly after: string;
  /** `<file>.bak`, holding `before`; undefined when there was no file before or nothing changed. */
  readonly backupPath: string | undefined;
}

export interface CheckedEditOptions {
  /** Runs on the resulting text inside the file's queue, before anything is written; throw to refuse. */
  readonly check: (text: string, before: string) => void;
}

/** Where a checked edit keeps the previous text. One generation: the newest edit's predecessor. */
export function backupPathOf(path: string): string {
  return `${path}.bak`;
}

/**
 * The config editor's write (POST/PATCH /api/config): the new text (`edit` of the current one) is checked,
 * then the current file is copied to `<file>.bak` and the new text written, both atomically (temp file +
 * rename). A refused check writes nothing.
 */
export function editConfigChecked(
  path: string,
  edit: (before: string) => string,
  opts: CheckedEditOptions,
): Promise<ConfigEdit> {
  return serialize(path, async () => {
    const before = await readOrEmpty(path, nodeFs);
    const after = edit(before);
    opts.check(after, before);
    if (after === before) return { before, after, backupPath: undefined };
    const existed = await nodeFs.stat(path).then(
      () => true,
      () => false,
    );
    const backupPath = existed ? backupPathOf(path) : undefined;
    if (backupPath) await writeFileAtomic(backupPath, before, nodeFs);
    await writeFileAtomic(path, after, nodeFs);
    return { before, after, backupPath };
  });
}

/** POST /api/config, checked: the whole file. */
export function replaceConfigChecked(path: string, yamlText: string, opts: CheckedEditOptions): Promise<ConfigEdit> {
  parseConfigDocument(yamlText, 'request body');
  return editConfigChecked(path, () => yamlText, opts);
}

/** PATCH /api/config, checked: the merge result is what is checked. */
export function patchConfigChecked(path: string, yamlText: string, opts: CheckedEditOptions): Promise<ConfigEdit> {
  parseConfigDocument(yamlText, 'request body');
  return editConfigChecked(path, (text) => mergeYamlText(text, yamlText, path), opts);
}

function editFile(path: string, edit: (text: string) => string): Promise<void> {
  return serialize(path, async () => {
    const before = await readOrEmpty(path, nodeFs);
    const after = edit(before);
    if (after !== before) await writeFileAtomic(path, after, nodeFs);
  });
}

async function readOrEmpty(path: string, fs: WriteFs): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return '';
    throw new ConfigError('CONFIG_READ', `cannot read the file: ${message(err)}`, { file: path }, { cause: err });
  }
}

// One queue per file path: each edit starts after the previous one finished, whatever its outcome.
const queues = new Map<string, Promise<void>>();

function serialize<T>(path: string, task: () => Promise<T>): Promise<T> {
  const prev = queues.get(path) ?? Promise.resolve();
  const run = prev.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return run;
}

/**
 * Temp file in the same folder, then rename, so a crash never leaves half a config. A symlinked config is
 * written through to its target. Where rename cannot replace the file (Docker bind-mounts a single file:
 * EBUSY; or the folder is read-only but the file is not), the file is rewritten in place, as go2rtc does.
 */
export async function writeFileAtomic(path: string, data: string, fs: WriteFs = nodeFs): Promise<void> {
  const target = await fs.realpath(path).catch(() => path);
  const mode = await fs.stat(target).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, data, { mode, flag: 'wx' });
  } catch (err) {
    if (!IN_PLACE_CODES.has(errCode(err) ?? '')) throw writeError(path, err);
    return writeInPlace(path, target, data, mode, fs);
  }
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined); // best effort: the real error is reported below
    if (!IN_PLACE_CODES.has(errCode(err) ?? '')) throw writeError(path, err);
    await writeInPlace(path, target, data, mode, fs);
  }
}

const IN_PLACE_CODES = new Set(['EBUSY', 'EXDEV', 'EPERM', 'EACCES', 'EROFS']);

async function writeInPlace(path: string, target: string, data: string, mode: number, fs: WriteFs): Promise<void> {
  try {
    await fs.writeFile(target, data, { mode });
  } catch (err) {
    throw writeError(path, err);
  }
}

function writeError(path: string, err: unknown): ConfigError {
  return new ConfigError('CONFIG_WRITE', `cannot write the file: ${message(err)}`, { file: path }, { cause: err });
}

function errCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
