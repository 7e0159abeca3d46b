import type { ApiAddresses, ApiHooks, ApiModule } from '../../addon/src/modules/api/index.js';
import { api as apiModule } from '../../addon/src/modules/api/index.js';
import { createTestApp, type TestApp, type TestAppOptions } from './app.js';

export interface RunningApi {
  app: TestApp;
  api: ApiModule;
  addresses: ApiAddresses;
  /** `http://127.0.0.1:<port>` (no trailing slash); empty when no TCP listener was configured. */
  url: string;
  /** Exit codes passed to the injected exit hook. */
  exits: number[];
  close(): Promise<void>;
}

/**
 * Starts the real API module on a free loopback port (`api.listen` defaults to `127.0.0.1:0` here) with a
 * test App, and an exit hook that records instead of exiting. `beforeStart` adds the modules under test
 * (`app.add(webrtc)`); their `onStart` handlers run before the API listens, as in the server. `close()` stops
 * the server, the modules and the hub.
 */
export async function startApi(
  options: TestAppOptions & {
    api?: Record<string, unknown>;
    hooks?: ApiHooks;
    beforeStart?: (api: ApiModule, app: TestApp) => void;
  } = {},
): Promise<RunningApi> {
  const base = typeof options.config === 'object' ? options.config : {};
  const config = { ...base, api: { listen: '127.0.0.1:0', ...options.api } };
  const exits: number[] = [];
  const app = createTestApp({
    ...options,
    config,
    tuning: { ...options.tuning, api: { exit: (code) => void exits.push(code), ...options.hooks } },
  });
  const api = app.add(apiModule);
  options.beforeStart?.(api, app);
  let addresses: ApiAddresses;
  try {
    await app.start();
    addresses = await api.start();
  } catch (err) {
    await api.stop();
    await app.stop();
    throw err;
  }
  const port = addresses.http?.port;
  return {
    app,
    api,
    addresses,
    url: port === undefined ? '' : `http://127.0.0.1:${port}`,
    exits,
    async close() {
      await api.stop();
      await app.stop();
    },
  };
}
