import type { App, Module } from '../../app.js';
import type { CandidateEntry } from '../../pkg/webrtc/candidate.js';
import type { InfoValue } from '../api/index.js';
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
  /** The running agent's state; undefined without `ngrok.command`, and until the app starts. */
  readonly runner: NgrokRunner | undefined;
}

export interface NgrokModuleOptions {
  readonly retryDelaysMs?: NgrokRunnerOptions['retryDelaysMs'];
  readonly resolve?: NgrokRunnerOptions['resolve'];
}

function apiInfo(runner: NgrokRunner): InfoValue {
  const info = runner.info();
  const tunnels: InfoValue[] = info.tunnels.map((t) => ({
    name: t.name,
    url: t.url,
    addr: t.addr,
    ...(t.candidate ? { candidate: t.candidate } : {}),
  }));
  return { tunnels, starts: info.starts, ...(info.error ? { error: info.error } : {}) };
}

/**
 * "Module: Ngrok": `ngrok: command: ngrok tcp 8555 --authtoken …` runs the agent (after the WebRTC TCP port
 * listens) and advertises its public TCP address as a WebRTC candidate; `GET /api` shows `ngrok: {tunnels:
 * [{name, url, addr, candidate?}], starts, error?}`. Config only, like exec: (the command comes from the config
 * file alone).
 */
export function init(app: App): NgrokModule {
  let runner: NgrokRunner | undefined;
  const exposed: NgrokModule = {
    get runner() {
      return runner;
    },
  };
  const command = app.config.ngrok.command.trim();
  if (command === '') return exposed;
  const options: NgrokModuleOptions = app.tuning.ngrok ?? {};
  const log = app.logger('ngrok');
  const api = app.module('api');
  const webrtc = app.module('webrtc');
  // The agent's public TCP address becomes a candidate in the list WebRTC reads at every offer.
  const candidates: CandidateList = webrtcCandidateList(webrtc.settings.candidates);
  api.setInfo('ngrok', { tunnels: [], starts: 0 });
  app.onStart(async () => {
    // The runner (a managed process, readline, DNS) loads only when an agent is configured.
    const { NgrokRunner } = await import('./runner.js');
    const started: NgrokRunner = new NgrokRunner({
      command,
      webrtcPort: () => webrtc.tcpPort,
      candidates,
      log,
      onChange: () => api.setInfo('ngrok', apiInfo(started)),
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
    runner = started;
    started.start();
  });
  app.onStop(() => runner?.stop());
  return exposed;
}

export const ngrok: Module<'ngrok'> = { name: 'ngrok', init };
