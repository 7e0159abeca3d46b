export { HassStorageError, type HassStorageErrorCode } from './errors.js';
export {
  MAX_STORAGE_BYTES,
  homekitUrl,
  parseConfigEntries,
  type ConfigEntriesResult,
  type HassCamera,
} from './config-entries.js';
