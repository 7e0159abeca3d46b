import type { App, Module } from '../../app.js';
import { sendJson } from '../api/index.js';
import { ffmpegSettings, type FfmpegSettings } from './config.js';
import { discoverDevices, type Devices } from './devices.js';
import { probeHardware, type HardwareSource } from './hardware.js';
import { ffmpegSourceHandler, ffmpegSourceOptions } from './source.js';

export { ffmpegSettings, type FfmpegSettings } from './config.js';
export { discoverDevices, type Devices } from './devices.js';
export { probeHardware, type HardwareSource } from './hardware.js';

/** What the module exposes (the API routes use it too). */
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
 *
 * `GET /api/ffmpeg/devices`: go2rtc's `{"sources":[{name, info, url}]}`, 404 when there are none.
 * `GET /api/ffmpeg/hardware`: go2rtc's `{"sources":[{name: "OK"|"ERROR", url}]}` (plus `info`).
 */
export function init(app: App): FfmpegModule {
  const local = app.module('exec');
  const settings = ffmpegSettings(app);
  let devices: Promise<Devices> | undefined;
  let hardware: Promise<HardwareSource[]> | undefined;
  const module: FfmpegModule = {
    settings,
    devices: () => (devices ??= discoverDevices(settings.bin)),
    hardware: () => (hardware ??= probeHardware(settings.bin)),
  };
  app.streams.registerSource(
    'ffmpeg',
    ffmpegSourceHandler(app, local, settings, () => module.devices()),
    ffmpegSourceOptions(app, settings),
  );
  const api = app.module('api');
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
  return module;
}

export const ffmpeg: Module<'ffmpeg'> = { name: 'ffmpeg', init };
