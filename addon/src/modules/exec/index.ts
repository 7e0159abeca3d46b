import type { PublishClaims } from '../rtsp/server/publish-claims.js';
import type { App } from '../../app.js';
import { rtspIngest, type LocalIngest } from './ingest.js';
import { ProcessTable } from './process.js';
import { registerExecSource } from './source.js';

export { ExecError, type ExecErrorCode } from './errors.js';
export { rtspIngest, type LocalIngest } from './ingest.js';
export { ManagedProcess, ProcessTable, type ExitInfo, type ProcessOptions } from './process.js';
export { ProcessProducer, type ProcessSourceOptions } from './producer.js';
export { checkAllowPaths, execArgs } from './source.js';

/** What process-backed modules (exec:, echo:, ffmpeg:, MJPEG transcoding) share: the ingest and the process table. */
export interface LocalProcesses {
  readonly ingest: LocalIngest;
  readonly processes: ProcessTable;
}

/**
 * The shared parts, made once per app. `rtspPort` is read when a process starts (the RTSP server listens
 * after the sources are registered). At shutdown, after the streams stopped their sources, anything still
 * running is stopped too.
 */
export function localProcesses(app: App, rtspPort: () => number | undefined, claims: PublishClaims): LocalProcesses {
  const processes = new ProcessTable();
  app.onStop(() => processes.stopAll());
  return { ingest: rtspIngest(app, rtspPort, claims), processes };
}

/**
 * "Source: Exec": `exec:<command>` runs the command (no shell) and takes the stream it publishes to
 * `{output}` (our RTSP server), or the MJPEG it writes to stdout. Config only: the hub refuses the scheme from
 * the API, WebSocket and RTSPtoWeb unless `ts2rtc.allow_insecure_api_sources` is on.
 */
export function init(app: App, local: LocalProcesses): void {
  registerExecSource(app, local);
}
