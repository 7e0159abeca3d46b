import { readFile } from 'node:fs/promises';
import { deleteStream, patchConfigChecked, replaceConfigChecked, setPreload, setStream } from '../../config/write.js';
import type { ConfigFileAccess } from './routes-config.js';
import type { PreloadPersistence } from './routes-preload.js';
import type { StreamPersistence } from './routes-streams.js';

export type ConfigPersistence = StreamPersistence & PreloadPersistence & ConfigFileAccess;

/**
 * The config file behind API edits (go2rtc's `app.PatchConfig`): stream and preload entries, whole-file
 * replace and merge. The config module owns the file format and its locking; this only binds the path.
 */
export function configPersistence(path: string): ConfigPersistence {
  return {
    setStream: (name, sources) => setStream(path, name, [...sources]),
    deleteStream: (name) => deleteStream(path, name),
    setPreload: (name, query) => setPreload(path, name, query),
    read: () => readFile(path, 'utf8'),
    replace: (text, check) => replaceConfigChecked(path, text, { check }),
    patch: (text, check) => patchConfigChecked(path, text, { check }),
  };
}
