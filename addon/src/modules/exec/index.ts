import type { App, Module } from '../../app.js';
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
 * "Source: Exec": `exec:<command>` runs the command (no shell) and takes the stream it publishes to
 * `{output}` (our RTSP server), or the MJPEG it writes to stdout. Config only: the hub refuses the scheme from
 * the API, WebSocket and RTSPtoWeb unless `ts2rtc.allow_insecure_api_sources` is on.
 *
 * Exposes what the other process-backed modules (echo:, ffmpeg:, MJPEG transcoding) share: the ingest into
 * the RTSP server, whose port is read when a process starts (the server listens after every init), and the
 * process table. At shutdown, after the streams stopped their sources, anything still running is stopped.
 */
export function init(app: App): LocalProcesses {
  const { server } = app.module('rtsp');
  const processes = new ProcessTable();
  app.onStop(() => processes.stopAll());
  const local: LocalProcesses = { ingest: rtspIngest(app, () => server.port, server.publishClaims), processes };
  registerExecSource(app, local);
  return local;
}

export const exec: Module<'exec'> = { name: 'exec', init };
