import type { App } from '../../app.js';
import type { CandidateEntry } from '../../pkg/webrtc/candidate.js';
import type { ApiModule, InfoValue } from '../api/index.js';
import type { CandidateList, NgrokRunner, NgrokRunnerOptions } from './runner.js';

/**
 * The WebRTC module's `webrtc.candidates` list (read at every offer) as a CandidateList: entries are appended
 * after the configured ones (which keep their higher priority) and removed by identity, so a configured entry
 * with the same address is never taken away.
 */
export function webrtcCandidateList(entries: CandidateEntry[]): CandidateList {
  const added: CandidateEntry[] = [];
  return {
    add(host, port) {
      if (entries.some((e) => e.kind === 'address' && e.host === host && e.port === port)) return;
      const entry: CandidateEntry = { kind: 'address', host, port };
      entries.push(entry);
      added.push(entry);
    },
    remove(host, port) {
      const entry = added.find((e) => e.kind === 'address' && e.host === host && e.port === port);
      if (!entry) return;
      added.splice(added.indexOf(entry), 1);
      const at = entries.indexOf(entry);
      if (at >= 0) entries.splice(at, 1);
    },
  };
}

export interface NgrokModule {
  /** Starts the agent (after the WebRTC TCP port listens); nothing without `ngrok.command`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NgrokModuleOptions {
  /** The WebRTC candidate list and TCP port; without them tunnels are only listed. */
  readonly webrtc?: { readonly candidates: CandidateEntry[]; readonly tcpPort: () => number | undefined };
  readonly retryDelaysMs?: NgrokRunnerOptions['retryDelaysMs'];
  readonly resolve?: NgrokRunnerOptions['resolve'];
}

function apiInfo(runner: NgrokRunner): InfoValue {
  const info = runner.info();
  const tunnels: InfoValue[] = info.tunnels.map((t) => ({ name: t.name, url: t.url, addr: t.addr, ...(t.candidate ? { candidate: t.candidate } : {}) }));
  return { tunnels, starts: info.starts, ...(info.error ? { error: info.error } : {}) };
}

/**
 * "Module: Ngrok": `ngrok: command: ngrok tcp 8555 --authtoken …` runs the agent and advertises its public TCP
 * address as a WebRTC candidate; `GET /api` shows `ngrok: {tunnels: [{name, url, addr, candidate?}], starts,
 * error?}`. Config only, like exec: (the command comes from the config file alone).
 */
export function init(app: App, api: ApiModule, options: NgrokModuleOptions = {}): NgrokModule {
  const command = app.config.ngrok.command.trim();
  if (command === '') return { start: async () => undefined, stop: async () => undefined };
  const log = app.logger('ngrok');
  const candidates: CandidateList = options.webrtc ? webrtcCandidateList(options.webrtc.candidates) : { add: () => undefined, remove: () => undefined };
  api.setInfo('ngrok', { tunnels: [], starts: 0 });
  let runner: NgrokRunner | undefined;
  app.onStop(() => runner?.stop());
  return {
    async start() {
      // The runner (a managed process, readline, DNS) loads only when an agent is configured.
      const { NgrokRunner } = await import('./runner.js');
      const started: NgrokRunner = new NgrokRunner({
        command,
        webrtcPort: options.webrtc?.tcpPort ?? (() => undefined),
        candidates,
        log,
        onChange: () => api.setInfo('ngrok', apiInfo(started)),
        ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
      runner = started;
      started.start();
    },
    stop: async () => {
      await runner?.stop();
    },
  };
}
