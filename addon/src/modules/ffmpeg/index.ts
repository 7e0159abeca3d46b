import type { App } from '../../app.js';
import type { ApiModule } from '../api/index.js';
import { sendJson } from '../api/index.js';
import type { LocalProcesses } from '../exec/index.js';
import { ffmpegSettings, type FfmpegSettings } from './config.js';
import { discoverDevices, type Devices } from './devices.js';
import { probeHardware, type HardwareSource } from './hardware.js';
import { ffmpegSourceHandler, ffmpegSourceOptions } from './source.js';

export { ffmpegSettings, type FfmpegSettings } from './config.js';
export { discoverDevices, type Devices } from './devices.js';
export { probeHardware, type HardwareSource } from './hardware.js';

/** What the source registration hands to the API part. */
export interface FfmpegModule {
  readonly settings: FfmpegSettings;
  /** Capture devices, looked up once (it runs ffmpeg per device) and kept. */
  devices(): Promise<Devices>;
  /** Hardware encoders, probed once on first use (five one-second encodes) and kept. */
  hardware(): Promise<HardwareSource[]>;
}

/**
 * "Source: FFmpeg" and "FFmpeg Device": registers `ffmpeg:` before the config's streams are made. Any origin
 * may use it, but a URL from the network may only read network inputs or our streams with template codecs
 * (checkUntrustedSource); files, devices and raw arguments need the config file (or
 * `ts2rtc.allow_insecure_api_sources`).
 */
export function registerFfmpegSource(app: App, local: LocalProcesses): FfmpegModule {
  const settings = ffmpegSettings(app);
  let devices: Promise<Devices> | undefined;
  let hardware: Promise<HardwareSource[]> | undefined;
  const module: FfmpegModule = {
    settings,
    devices: () => (devices ??= discoverDevices(settings.bin)),
    hardware: () => (hardware ??= probeHardware(settings.bin)),
  };
  app.streams.registerSource('ffmpeg', ffmpegSourceHandler(app, local, settings, () => module.devices()), ffmpegSourceOptions(app, settings));
  return module;
}

/**
 * `GET /api/ffmpeg/devices`: go2rtc's `{"sources":[{name, info, url}]}`, 404 when there are none.
 * `GET /api/ffmpeg/hardware`: go2rtc's `{"sources":[{name: "OK"|"ERROR", url}]}` (plus `info`).
 */
export function init(api: ApiModule, module: FfmpegModule): void {
  api.addRoute('GET', 'api/ffmpeg/devices', async (ctx) => {
    const { sources } = await module.devices();
    if (sources.length === 0) {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'no sources\n';
      return;
    }
    sendJson(ctx, { sources });
  });
  api.addRoute('GET', 'api/ffmpeg/hardware', async (ctx) => {
    sendJson(ctx, { sources: await module.hardware() });
  });
}
