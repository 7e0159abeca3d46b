import type { Logger } from 'pino';
import { CoreError, Ts2rtcError } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import type { Producer } from '../../core/producer.js';
import type { SlotTimings } from './source-slot.js';
import { SourceUrlError, parseSourceUrl, type SourceOrigin, type SourceUrl } from './source-url.js';
import { Stream, type StreamJson } from './stream.js';

export interface SourceContext {
  readonly stream: string;
  readonly origin: SourceOrigin;
  readonly log: Logger;
  /**
   * Opens another source URL through the hub, for schemes that resolve to one (echo:, hass:). `origin` may
   * only lower the trust: a resolver whose URLs come from elsewhere than the config (hass: reads Home
   * Assistant's storage) passes its own, so a config `hass:` link does not make them config URLs.
   */
  openSource(raw: string, origin?: SourceOrigin): Promise<Producer>;
}

export type SourceHandler = (url: SourceUrl, context: SourceContext) => Promise<Producer>;

export interface SourceHandlerOptions {
  /**
   * Only URLs from the config file may use this scheme (exec:, echo:): anything that runs a command must not
   * be reachable from the network. Defaults to false.
   */
  configOnly?: boolean;
  /**
   * Checks a URL that did not come from the config file (skipped when allow_insecure_api_sources is on): throw
   * `SOURCE_FORBIDDEN` to refuse it. For schemes that are safe with some inputs only (ffmpeg: network URLs
   * yes, files, devices and raw arguments no).
   */
  checkUntrusted?: (url: SourceUrl) => void;
}

export interface HubOptions extends Partial<SlotTimings> {
  /**
   * Let URLs from the network use config-only schemes too (`ts2rtc.allow_insecure_api_sources`). Defaults to
   * false: nothing from the network may run a command.
   */
  allowInsecureApiSources?: boolean;
}

/**
 * Reconnects back off exponentially up to 2 s and stay there while viewers wait: about 30 attempts a minute
 * against a camera that is down or refuses PLAY (never a hot loop), and a camera that comes back after any
 * outage is playing again within the cap plus one connect (viewers resume within 3 s of its return).
 */
const DEFAULT_TIMINGS: SlotTimings = {
  idleStopMs: 3000,
  retryDelaysMs: [250, 500, 1000, 2000],
  stableMs: 10_000,
  now: () => performance.now(),
};

/** Stream names are free text in go2rtc (often a URL or `camera.x`), but not unbounded or control characters. */
const MAX_NAME_LENGTH = 2048;

export class StreamHub {
  private readonly streams = new Map<string, Stream>();
  private readonly handlers = new Map<string, { handler: SourceHandler; options: SourceHandlerOptions }>();
  private readonly timings: SlotTimings;
  private readonly allowInsecure: boolean;
  /** A consumer was attached to a stream (any output, a preload, a process reading ours). */
  readonly onConsumerAdded = new Event<[stream: string]>();

  constructor(
    private readonly log: Logger,
    options: HubOptions = {},
  ) {
    this.timings = {
      idleStopMs: options.idleStopMs ?? DEFAULT_TIMINGS.idleStopMs,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_TIMINGS.retryDelaysMs,
      stableMs: options.stableMs ?? DEFAULT_TIMINGS.stableMs,
      now: options.now ?? DEFAULT_TIMINGS.now,
    };
    this.allowInsecure = options.allowInsecureApiSources ?? false;
  }

  registerSource(scheme: string, handler: SourceHandler, options: SourceHandlerOptions = {}): void {
    const key = scheme.toLowerCase();
    if (this.handlers.has(key)) throw new Error(`source scheme ${key}: already registered`);
    this.handlers.set(key, { handler, options });
  }

  /** Supported schemes, for `GET /api/schemes`. */
  schemes(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /**
   * Parses and checks source URLs: the scheme must have a handler, and a config-only scheme must come from
   * the config. Throws `SOURCE_UNSUPPORTED` / `SOURCE_FORBIDDEN` / `SOURCE_URL_INVALID`.
   */
  checkSources(raws: readonly string[], origin: SourceOrigin): SourceUrl[] {
    return raws.map((raw) => {
      const url = parseSourceUrl(raw);
      const entry = this.handlers.get(url.scheme);
      if (!entry) {
        // The config may name schemes this build lacks (written for a newer go2rtc): the stream exists and
        // shows the error on its producer instead of failing the whole start.
        if (origin === 'config') return url;
        throw new CoreError('SOURCE_UNSUPPORTED', `streams: source not supported: ${url.scheme}`);
      }
      this.checkAllowed(url, entry.options, origin);
      return url;
    });
  }

  get(name: string): Stream | undefined {
    return this.streams.get(name);
  }

  names(): string[] {
    return [...this.streams.keys()];
  }

  /** Creates the stream, or replaces the sources of an existing one (go2rtc's PUT/PATCH semantics). */
  set(name: string, raws: readonly string[], origin: SourceOrigin): Stream {
    checkName(name);
    const urls = this.checkSources(raws, origin).map((url) => ({
      url,
      origin,
      ...(isTemplate(url) ? { template: url.raw } : {}),
    }));
    const existing = this.streams.get(name);
    if (existing) {
      existing.setSources(urls);
      return existing;
    }
    const stream = new Stream(
      name,
      urls,
      (url, o) => this.openProducer(name, url, o),
      this.timings,
      this.log,
      (s) => this.onConsumerAdded.emit(s),
    );
    this.streams.set(name, stream);
    return stream;
  }

  /**
   * go2rtc's `streams.Patch` for a URL: a new stream gets it as its source; an existing one is pointed at it,
   * and where a source is a `{input}` template (`"camera.hall": ffmpeg:{input}#video=copy#audio=opus`) the
   * template is filled with it instead, so the configured transcoding stays. Running sources keep running
   * (see `SourceSlot.retarget`). The inserted URL must be a network URL without `#options`: the options of a
   * template are the config author's, never the client's.
   */
  patch(name: string, raw: string, origin: SourceOrigin): Stream {
    checkName(name);
    const existing = this.streams.get(name);
    if (!existing) return this.set(name, [raw], origin);
    const input = existing.hasTemplates ? checkTemplateInput(raw) : this.checkSources([raw], origin)[0];
    if (!input) throw new SourceUrlError('empty source URL');
    existing.patchSources(input, origin, (template) => {
      const filled = parseSourceUrl(template.replace(TEMPLATE_INPUT, input.raw));
      // The input would become part of a command line (`exec:sh -c "ffmpeg -i {input} …"` runs whatever a
      // `;` or `$(…)` in it says): a config-only scheme takes its `{input}` from the config file only. All
      // templates are filled before any slot moves, so a refusal leaves the stream as it was.
      if (origin !== 'config' && !this.allowInsecure && this.handlers.get(filled.scheme)?.options.configOnly) {
        throw new CoreError(
          'SOURCE_FORBIDDEN',
          `streams: a ${filled.scheme}: template takes its ${TEMPLATE_INPUT} from the config file only`,
        );
      }
      return filled;
    });
    return existing;
  }

  /**
   * go2rtc's GetOrPatch: `src` is a stream name, or a source URL that becomes a stream on the fly (named `name`
   * if given, else the URL itself), which is how the WebRTC card and `/api/ws?src=rtsp://…` work.
   */
  getOrCreate(src: string, origin: SourceOrigin, name?: string): Stream {
    const byName = this.streams.get(src);
    if (byName) return byName;
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(src)) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
    return this.patch(name || src, src, origin);
  }

  async delete(name: string): Promise<boolean> {
    const stream = this.streams.get(name);
    if (!stream) return false;
    this.streams.delete(name);
    await stream.stop();
    return true;
  }

  toJSON(): Record<string, StreamJson> {
    const json: Record<string, StreamJson> = {};
    for (const [name, stream] of this.streams) json[name] = stream.toJSON();
    return json;
  }

  async stop(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(streams.map((s) => s.stop()));
  }

  private checkAllowed(url: SourceUrl, options: SourceHandlerOptions, origin: SourceOrigin): void {
    if (origin === 'config' || this.allowInsecure) return;
    if (options.configOnly) {
      throw new CoreError('SOURCE_FORBIDDEN', `streams: ${url.scheme} sources are allowed only in the config file`);
    }
    options.checkUntrusted?.(url);
  }

  private async openProducer(stream: string, url: SourceUrl, origin: SourceOrigin): Promise<Producer> {
    if (isTemplate(url)) {
      throw new Ts2rtcError(
        'SOURCE_TEMPLATE_EMPTY',
        `SOURCE_TEMPLATE_EMPTY: ${TEMPLATE_INPUT} has no URL yet: Home Assistant (or a PATCH) sends it`,
      );
    }
    const entry = this.handlers.get(url.scheme);
    if (!entry) throw new CoreError('SOURCE_UNSUPPORTED', `streams: source not supported: ${url.scheme}`);
    this.checkAllowed(url, entry.options, origin);
    const log = this.log.child({ stream });
    return entry.handler(url, {
      stream,
      origin,
      log,
      // A URL resolved by a source keeps the origin of the URL that produced it, so echo: from the config may
      // yield anything, but nothing from the network is upgraded.
      openSource: (raw, lower) =>
        this.openProducer(stream, parseSourceUrl(raw), origin === 'config' && lower ? lower : origin),
    });
  }
}

/** go2rtc's `SourceTemplate`. */
export const TEMPLATE_INPUT = '{input}';

/**
 * `{input}` in the URL part (`ffmpeg:{input}#video=copy`) makes a template. In a `#option` it is something
 * else: the ffmpeg source's own input placeholder (`#input=-re -i {input}`).
 */
function isTemplate(url: SourceUrl): boolean {
  return url.base.includes(TEMPLATE_INPUT);
}

/** What may stand in for `{input}`: a camera URL a client sends (Home Assistant's stream_source). */
const TEMPLATE_INPUT_SCHEMES = new Set(['rtsp', 'rtsps', 'rtmp', 'rtmps', 'http', 'https', 'httpx']);

function checkTemplateInput(raw: string): SourceUrl {
  const url = parseSourceUrl(raw);
  if (/[\s\u0000-\u001f\u007f#]/.test(raw) || !TEMPLATE_INPUT_SCHEMES.has(url.scheme) || raw.includes(TEMPLATE_INPUT)) {
    throw new CoreError(
      'SOURCE_FORBIDDEN',
      `streams: ${TEMPLATE_INPUT} takes a network camera URL (rtsp, rtmp, http) without #options`,
    );
  }
  return url;
}

function checkName(name: string): void {
  if (name === '' || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f]/.test(name)) {
    throw new Ts2rtcError('STREAM_NAME_INVALID', 'streams: invalid stream name');
  }
}
