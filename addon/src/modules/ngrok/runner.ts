import { lookup } from 'node:dns/promises';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { splitArgs } from '../../pkg/ffmpeg/index.js';
import { ManagedProcess } from '../exec/index.js';
import { parseNgrokLine, tcpPublicAddress, type NgrokAddress } from './log-line.js';

/** A tunnel ngrok reported, as `/api` shows it. */
export interface NgrokTunnel {
  readonly name: string;
  /** The public URL (`tcp://0.tcp.ngrok.io:12345`). */
  readonly url: string;
  /** Where it forwards to (`localhost:8555`), '' when the agent's line did not say. */
  readonly addr: string;
  /** `ip:port` when this tunnel became a WebRTC candidate. */
  readonly candidate?: string;
}

/** Where the public address goes: the WebRTC module's candidate list (see index.ts). */
export interface CandidateList {
  add(host: string, port: number): void;
  remove(host: string, port: number): void;
}

export interface NgrokRunnerOptions {
  /** `ngrok.command` as configured (`ngrok tcp 8555 --authtoken …`). */
  readonly command: string;
  /** The WebRTC TCP port once listening: the tunnel pointing at it becomes a candidate. */
  readonly webrtcPort: () => number | undefined;
  readonly candidates: CandidateList;
  readonly log: Logger;
  /** Called when the tunnel list or the state changes (the API info is rebuilt). */
  readonly onChange?: () => void;
  /** Delays between restarts; the last one repeats. Defaults to 1, 2, 4, 8, 15, 30 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Host name → IPv4 (else IPv6) address; defaults to the system resolver, bounded to 5 s. */
  readonly resolve?: (host: string) => Promise<string | undefined>;
}

const DEFAULT_RETRY_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];
const RESOLVE_TIMEOUT_MS = 5000;

/** The system resolver, IPv4 first (ngrok's edges are IPv4), bounded: getaddrinfo can hang for long. */
export async function resolveHost(host: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), RESOLVE_TIMEOUT_MS)));
  const answer = (async () => {
    for (const family of [4, 6] as const) {
      try {
        return (await lookup(host, { family })).address;
      } catch {
        // try the other family
      }
    }
    return undefined;
  })();
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The agent quotes a rejected token back ("Your authtoken: …"); `/api` and the log must not. */
export function redactToken(text: string): string {
  return text.replace(/(authtoken[:=\s]\s*)[^\s|]+/gi, '$1***');
}

function formatAddress(addr: NgrokAddress | undefined): string {
  if (!addr) return '';
  return `${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
}

/**
 * go2rtc's ngrok module: runs the agent with `--log stdout --log-format json` appended, reads its log lines,
 * and turns the `tcp://host:port` of the tunnel that forwards to the WebRTC TCP port into a WebRTC candidate
 * (the host resolved to an address, as go2rtc does). The agent is a child process that is always reaped; when
 * it exits it is started again after a growing delay (reset once a tunnel is up), and its tunnels and their
 * candidate go away until the new one reports its own (a free-plan address changes at each start).
 */
export class NgrokRunner {
  private readonly tunnelsByName = new Map<string, NgrokTunnel>();
  private process: ManagedProcess | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private attempt = 0;
  /** Bumped at every process start, so a late name lookup of an old process adds nothing. */
  private generation = 0;
  private lastError: string | undefined;
  private starts = 0;

  constructor(private readonly options: NgrokRunnerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  tunnels(): NgrokTunnel[] {
    return [...this.tunnelsByName.values()];
  }

  /** For `/api`: the tunnels, how many times the agent was started, and why it last failed. */
  info(): { tunnels: NgrokTunnel[]; starts: number; error?: string } {
    return { tunnels: this.tunnels(), starts: this.starts, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  get pid(): number | undefined {
    return this.process?.hasExited === false ? this.process.pid : undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.process?.stop();
    await this.running;
    this.clearTunnels();
  }

  private async loop(): Promise<void> {
    const args = splitArgs(this.options.command);
    const [program, ...rest] = args;
    if (program === undefined) {
      this.lastError = 'ngrok.command is empty';
      this.options.log.error('ngrok: command is empty');
      return;
    }
    while (!this.stopped) {
      this.generation++;
      this.starts++;
      try {
        const proc = await ManagedProcess.start({
          command: program,
          args: [...rest, '--log', 'stdout', '--log-format', 'json'],
          name: 'ngrok',
          log: this.options.log,
          stdout: 'pipe',
          redact: redactToken,
        });
        this.process = proc;
        if (this.stopped) {
          await proc.stop();
          break;
        }
        const lines = proc.stdout ? createInterface({ input: proc.stdout, crlfDelay: Infinity }) : undefined;
        const generation = this.generation;
        lines?.on('line', (line) => this.onLine(line, generation));
        const exit = await proc.exited;
        lines?.close();
        if (this.stopped) break;
        this.lastError = redactToken(proc.describeExit(exit));
        this.options.log.warn({ code: 'NGROK_EXITED' }, `ngrok: ${this.lastError}`);
      } catch (err) {
        this.lastError = errorMessage(err);
        this.options.log.error({ err: this.lastError }, 'ngrok: start failed');
      }
      this.clearTunnels();
      this.options.onChange?.();
      const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_MS;
      const delay = delays[Math.min(this.attempt, delays.length - 1)] ?? 1000;
      this.attempt++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private onLine(line: string, generation: number): void {
    const event = parseNgrokLine(line);
    const log = this.options.log;
    if (event.kind === 'log') {
      if (event.message !== '') log.debug(`ngrok: ${redactToken(event.message)}`);
      return;
    }
    if (event.kind === 'error') {
      this.lastError = redactToken(event.message.replace(/\s+/g, ' ').trim());
      log.warn(`ngrok: ${this.lastError}`);
      this.options.onChange?.();
      return;
    }
    log.info({ name: event.name, url: event.url, addr: formatAddress(event.addr) }, 'ngrok: started tunnel');
    this.attempt = 0;
    this.lastError = undefined;
    this.removeTunnel(event.name);
    const tunnel: NgrokTunnel = { name: event.name, url: event.url, addr: formatAddress(event.addr) };
    this.tunnelsByName.set(event.name, tunnel);
    this.options.onChange?.();
    const target = tcpPublicAddress(event.url);
    const port = this.options.webrtcPort();
    if (!target) return;
    if (!event.addr || port === undefined || event.addr.port !== port) {
      // Said once per tunnel, so a user who expected a candidate sees why there is none.
      log.info(
        { url: event.url, addr: tunnel.addr, webrtcPort: port ?? null },
        'ngrok: tcp tunnel does not forward to the WebRTC TCP port; no candidate',
      );
      return;
    }
    void (this.options.resolve ?? resolveHost)(target.host).then((ip) => {
      // The agent restarted meanwhile, or this tunnel was replaced: its address is stale.
      if (generation !== this.generation || this.stopped || this.tunnelsByName.get(event.name) !== tunnel) return;
      if (ip === undefined) {
        log.warn({ host: target.host }, 'ngrok: cannot resolve the tunnel host; no WebRTC candidate');
        return;
      }
      this.options.candidates.add(ip, target.port);
      const candidate = `${ip.includes(':') ? `[${ip}]` : ip}:${target.port}`;
      this.tunnelsByName.set(event.name, { ...tunnel, candidate });
      log.info({ addr: candidate }, 'ngrok: add external candidate for WebRTC');
      this.options.onChange?.();
    });
  }

  private removeTunnel(name: string): void {
    const old = this.tunnelsByName.get(name);
    if (!old) return;
    this.tunnelsByName.delete(name);
    this.dropCandidate(old);
  }

  private dropCandidate(tunnel: NgrokTunnel): void {
    if (!tunnel.candidate) return;
    const colon = tunnel.candidate.lastIndexOf(':');
    this.options.candidates.remove(
      tunnel.candidate.slice(0, colon).replace(/^\[|\]$/g, ''),
      Number(tunnel.candidate.slice(colon + 1)),
    );
  }

  private clearTunnels(): void {
    for (const tunnel of this.tunnelsByName.values()) this.dropCandidate(tunnel);
    this.tunnelsByName.clear();
  }
}
