import type { App } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import type { ConnectionDescription } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import {
  buildFfmpegArgs,
  checkUntrustedSource,
  commandMedias,
  type FfmpegCommand,
  type FfmpegSourceSpec,
} from '../../pkg/ffmpeg/index.js';
import { ProcessProducer, type LocalProcesses } from '../exec/index.js';
import type { SourceHandler, SourceHandlerOptions } from '../streams/hub.js';
import type { SourceUrl } from '../streams/source-url.js';
import type { FfmpegSettings } from './config.js';
import type { Devices } from './devices.js';

function spec(url: SourceUrl): FfmpegSourceSpec {
  return { input: url.rest, options: url.options };
}

/** go2rtc shows the input's host and URL on an exec/ffmpeg producer; ours are masked. */
function describe(url: SourceUrl, command: FfmpegCommand): ConnectionDescription {
  const description: ConnectionDescription = {
    formatName: 'ffmpeg',
    protocol: 'rtsp',
    source: maskCredentials(url.raw),
  };
  if (command.input.kind === 'url') {
    description.url = maskCredentials(command.input.url);
    try {
      description.remoteAddr = new URL(command.input.url).host;
    } catch {
      // Not a URL the WHATWG parser reads; the address stays unset.
    }
  }
  return description;
}

/**
 * The `ffmpeg:` source. Its codecs come from the URL (`#video=h264#audio=opus`), so the hub negotiates without
 * running anything and ffmpeg starts only when some consumer takes one of its tracks (a browser that needs
 * Opus from an AAC camera), once for all of them. `copy` and template-less URLs cannot tell their codecs, so
 * those run ffmpeg at open, as go2rtc does for every ffmpeg source.
 */
export function ffmpegSourceHandler(
  app: App,
  local: LocalProcesses,
  settings: FfmpegSettings,
  devices: () => Promise<Devices>,
): SourceHandler {
  const isStream = (name: string): boolean => app.streams.get(name) !== undefined;
  const log = app.logger('ffmpeg');
  return async (url, context) => {
    const source = spec(url);
    const untrusted = context.origin !== 'config' && !app.config.ts2rtc.allow_insecure_api_sources;
    // The hub checks this too when it has the hook (see registration); this keeps it true at open either way.
    if (untrusted) checkUntrustedSource(source, settings.templates, isStream);
    const deviceList = source.input.startsWith('device?') ? (await devices()).list : undefined;
    const baseUrl = local.ingest.baseUrl();
    const command = buildFfmpegArgs(source, {
      templates: settings.templates,
      isStream,
      logLevel: settings.logLevel,
      untrusted,
      ...(baseUrl ? { localRtsp: baseUrl } : {}),
      ...(deviceList ? { devices: deviceList } : {}),
    });
    let medias = commandMedias(command);
    if (medias && command.input.kind === 'stream') medias = await availableFromStream(app, command.input.name, medias);
    return ProcessProducer.open({
      name: 'ffmpeg',
      command: settings.bin,
      args: command.args,
      medias,
      description: describe(url, command),
      log: log.child({ stream: context.stream }),
      ingest: local.ingest,
      processes: local.processes,
    });
  };
}

/**
 * An `ffmpeg:` source that reads one of our streams (Home Assistant adds `ffmpeg:camera.x#audio=opus` to
 * every camera) can only make audio if the stream's other sources have audio, and video if they have video.
 * Its medias say only what it can deliver, so a consumer is never matched to a track that would wait for
 * ffmpeg to fail (an MJPEG camera has no audio: the Opus track would come after ffmpeg's 5 s timeout, and
 * never). Asked without running ffmpeg; the other `ffmpeg:` sources reading the same stream are left out,
 * as they depend on it the same way.
 */
async function availableFromStream(app: App, name: string, medias: Media[]): Promise<Media[]> {
  const stream = app.streams.get(name);
  if (!stream) return medias;
  // Itself included: asking its own slot, which is opening, would wait for itself.
  const offered = await stream.sourceMedias((url) => url.scheme === 'ffmpeg' && url.rest === name);
  const kinds = new Set(offered.filter((m) => m.direction === 'recvonly').map((m) => m.kind));
  return medias.filter((m) => kinds.has(m.kind));
}

/**
 * What the hub should call for `ffmpeg:` URLs that do not come from the config (proposed hub option, see
 * the module README): refusing files, devices and free-form arguments at PUT/PATCH time with 403.
 */
export interface UntrustedCheckOption {
  checkUntrusted?: (url: SourceUrl) => void;
}

/**
 * A name that may be a stream still being created: Home Assistant PUTs `name=camera.x&src=rtsp://…&
 * src=ffmpeg:camera.x#audio=opus`, and `camera.x` only exists once that request is done. Such a name cannot
 * be a path elsewhere (no slash); if it is no stream when the source opens, the strict check there refuses it.
 */
const PLAIN_NAME = /^[A-Za-z0-9_][\w.-]{0,255}$/;

export function ffmpegSourceOptions(app: App, settings: FfmpegSettings): SourceHandlerOptions & UntrustedCheckOption {
  return {
    configOnly: false,
    checkUntrusted: (url) =>
      checkUntrustedSource(
        spec(url),
        settings.templates,
        (name) => app.streams.get(name) !== undefined || PLAIN_NAME.test(name),
      ),
  };
}
