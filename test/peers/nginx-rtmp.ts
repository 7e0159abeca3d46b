import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PeerError } from './errors.js';
import { freeTcpPort } from './ports.js';
import { startProcess, type PeerProcess } from './process.js';

/**
 * nginx with the RTMP module as a real RTMP server: one `live` application that relays what a publisher
 * sends to every player. Its own prefix, config, pid and logs live in a temp folder; it runs in the foreground
 * as one process (no master), so stopping it is one kill.
 */

export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export interface NginxRtmpOptions {
  /** Defaults to a free port. */
  port?: number;
  /** Application name; defaults to `live`. */
  application?: string;
  /** Defaults to 10000 ms. */
  startTimeoutMs?: number;
}

export interface NginxRtmp {
  readonly port: number;
  /** `rtmp://127.0.0.1:PORT/live`. */
  readonly baseUrl: string;
  /** `rtmp://127.0.0.1:PORT/live/NAME`: publish to it, play from it. */
  url(name: string): string;
  readonly prefix: string;
  readonly pid: number;
  readonly startupMs: number;
  /** nginx's error log (connects, publishes, errors at level info). */
  errorLog(): Promise<string>;
  /** SIGTERM (SIGKILL after 3 s), reaped, temp folder removed. Safe to call twice. */
  stop(): Promise<void>;
}

function config(prefix: string, port: number, application: string): string {
  return [
    `load_module ${RTMP_MODULE};`,
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${path.join(prefix, 'nginx.pid')};`,
    `error_log ${path.join(prefix, 'error.log')} info;`,
    'events { worker_connections 256; }',
    'rtmp {',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    chunk_size 4096;',
    `    application ${application} { live on; record off; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitListening(peer: PeerProcess, port: number, timeoutMs: number, prefix: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (peer.exitInfo) {
      const log = await readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => '');
      throw new PeerError('PEER_START_FAILED', `${peer.describeExit()}\nerror.log:\n${log.slice(-4000)}`);
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline)
      throw new PeerError(
        'PEER_TIMEOUT',
        `nginx-rtmp not listening on ${port} after ${timeoutMs} ms: ${peer.describeExit()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts nginx-rtmp on 127.0.0.1 and resolves once it accepts connections. Rejects with PEER_MISSING (nginx or
 * libnginx-mod-rtmp not installed), PEER_START_FAILED (with its stderr and error.log) or PEER_TIMEOUT.
 */
export async function startNginxRtmp(options: NginxRtmpOptions = {}): Promise<NginxRtmp> {
  if (!existsSync(RTMP_MODULE)) {
    throw new PeerError('PEER_MISSING', `${RTMP_MODULE} not found: install the Debian package libnginx-mod-rtmp`);
  }
  const application = options.application ?? 'live';
  // A free port can be taken before nginx binds it: try again with another one (unless the caller chose it).
  for (let attempt = 1; ; attempt++) {
    const prefix = await mkdtemp(path.join(tmpdir(), 'ts2rtc-nginx-rtmp-'));
    const port = options.port ?? (await freeTcpPort());
    const conf = path.join(prefix, 'nginx.conf');
    await writeFile(conf, config(prefix, port, application));
    const started = Date.now();
    let peer: PeerProcess | undefined;
    try {
      peer = startProcess({
        name: 'nginx-rtmp',
        command: 'nginx',
        debianPackage: 'nginx libnginx-mod-rtmp',
        // -e: errors before the config is read go to our folder, not /var/log/nginx (which may not be writable).
        args: ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')],
      });
      await waitListening(peer, port, options.startTimeoutMs ?? 10000, prefix);
    } catch (err) {
      await peer?.stop();
      await rm(prefix, { recursive: true, force: true });
      const inUse =
        err instanceof PeerError && err.code === 'PEER_START_FAILED' && /Address already in use/.test(err.message);
      if (inUse && options.port === undefined && attempt < 3) continue;
      throw err;
    }
    const running = peer;
    let stopping: Promise<void> | undefined;
    return {
      port,
      baseUrl: `rtmp://127.0.0.1:${port}/${application}`,
      url: (name) => `rtmp://127.0.0.1:${port}/${application}/${name}`,
      prefix,
      pid: running.pid,
      startupMs: Date.now() - started,
      errorLog: () => readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => ''),
      stop: () => {
        stopping ??= running.stop().then(() => rm(prefix, { recursive: true, force: true }));
        return stopping;
      },
    };
  }
}
