import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { CandidateEntry } from '../../../../addon/src/pkg/webrtc/candidate.js';
import {
  NgrokRunner,
  parseNgrokLine,
  redactToken,
  tcpPublicAddress,
  webrtcCandidateList,
} from '../../../../addon/src/modules/ngrok/index.js';
import { waitFor } from '../../../helpers/wait.js';

const FAKE_NGROK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../peers/fake_ngrok.mjs');

describe('modules/ngrok: log lines', () => {
  it('a tcp tunnel (ngrok v3 JSON, keys sorted)', () => {
    const line =
      '{"addr":"//localhost:8555","lvl":"info","msg":"started tunnel","name":"command_line","obj":"tunnels","t":"2026-12-06T07:05:17.123Z","url":"tcp://0.tcp.eu.ngrok.io:12345"}';
    assert.deepEqual(parseNgrokLine(line), {
      kind: 'tunnel',
      name: 'command_line',
      addr: { host: 'localhost', port: 8555 },
      url: 'tcp://0.tcp.eu.ngrok.io:12345',
    });
  });

  it('an http tunnel whose addr is an object (some v3 releases), and a bare port', () => {
    const line =
      '{"t":"2026-09-12T20:25:17+0200","lvl":"info","msg":"started tunnel","obj":"tunnels","name":"api","addr":{"Scheme":"http","Host":"127.0.0.1:1984"},"url":"https://ab12.ngrok-free.app"}';
    assert.deepEqual(parseNgrokLine(line), {
      kind: 'tunnel',
      name: 'api',
      addr: { host: '127.0.0.1', port: 1984 },
      url: 'https://ab12.ngrok-free.app',
    });
    assert.deepEqual(parseNgrokLine('{"msg":"started tunnel","addr":"8555","url":"tcp://x:1"}'), {
      kind: 'tunnel',
      name: '',
      addr: { host: '', port: 8555 },
      url: 'tcp://x:1',
    });
    assert.deepEqual(parseNgrokLine('{"msg":"started tunnel","addr":"http://[::1]:99999","url":"tcp://x:1"}'), {
      kind: 'tunnel',
      name: '',
      addr: undefined,
      url: 'tcp://x:1',
    });
  });

  it('errors: log15 "eror" with err, "error", and the CLI\'s ERROR: lines', () => {
    assert.deepEqual(
      parseNgrokLine(
        '{"err":"authentication failed: ERR_NGROK_105","lvl":"eror","msg":"session closing","obj":"tunnels.session"}',
      ),
      { kind: 'error', message: 'session closing: authentication failed: ERR_NGROK_105' },
    );
    assert.deepEqual(parseNgrokLine('{"lvl":"error","msg":"failed to start tunnel"}'), {
      kind: 'error',
      message: 'failed to start tunnel',
    });
    assert.deepEqual(parseNgrokLine('ERROR:  authentication failed'), {
      kind: 'error',
      message: 'authentication failed',
    });
  });

  it('anything else is a plain log line, never a throw', () => {
    assert.deepEqual(parseNgrokLine('{"lvl":"info","msg":"client session established"}'), {
      kind: 'log',
      level: 'info',
      message: 'client session established',
    });
    for (const junk of ['', 'not json', '{', '[1,2]', 'null', '{"msg":"started tunnel"}', '{"msg":5,"lvl":{}}'])
      assert.equal(parseNgrokLine(junk).kind, 'log');
  });

  it('tcpPublicAddress and redactToken', () => {
    assert.deepEqual(tcpPublicAddress('tcp://0.tcp.ngrok.io:12345'), { host: '0.tcp.ngrok.io', port: 12345 });
    assert.deepEqual(tcpPublicAddress('tcp://[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 });
    assert.equal(tcpPublicAddress('https://x.ngrok-free.app'), undefined);
    assert.equal(tcpPublicAddress('tcp://x:0'), undefined);
    assert.equal(
      redactToken('Your authtoken: 2abcDEF_secret\n--authtoken=xyz --authtoken q'),
      'Your authtoken: ***\n--authtoken=*** --authtoken ***',
    );
  });

  it('webrtcCandidateList: appends after the configured entries, removes only its own', () => {
    const entries: CandidateEntry[] = [{ kind: 'address', host: '1.2.3.4', port: 8555 }];
    const list = webrtcCandidateList(entries);
    list.add('1.2.3.4', 8555); // same as configured: not added twice
    list.add('5.6.7.8', 12345);
    assert.deepEqual(entries, [
      { kind: 'address', host: '1.2.3.4', port: 8555 },
      { kind: 'address', host: '5.6.7.8', port: 12345 },
    ]);
    list.remove('1.2.3.4', 8555);
    list.remove('5.6.7.8', 12345);
    assert.deepEqual(entries, [{ kind: 'address', host: '1.2.3.4', port: 8555 }]);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('modules/ngrok: the agent as a child process (fake_ngrok)', () => {
  const runners: NgrokRunner[] = [];
  after(async () => {
    for (const runner of runners) await runner.stop();
  });

  it('its tcp tunnel to the WebRTC port becomes a candidate; a killed agent is reaped, restarted, its candidate replaced', async () => {
    // The "WebRTC port": an echo server, to see bytes go through the tunnel.
    const echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as net.AddressInfo).port;
    after(() => echo.close());
    const entries: CandidateEntry[] = [];
    const runner = new NgrokRunner({
      command: `${process.execPath} ${FAKE_NGROK} tcp 127.0.0.1:${port} --authtoken good`,
      webrtcPort: () => port,
      candidates: webrtcCandidateList(entries),
      log: pino({ level: 'silent' }),
      retryDelaysMs: [50],
    });
    runners.push(runner);
    runner.start();
    const first = await waitFor(() => runner.tunnels()[0]?.candidate, { timeoutMs: 10_000, what: 'a candidate' });
    assert.match(first, /^127\.0\.0\.1:\d+$/, 'localhost resolved to an address');
    assert.deepEqual(entries, [{ kind: 'address', host: '127.0.0.1', port: Number(first.split(':')[1]) }]);
    assert.equal(runner.tunnels()[0]?.addr, `127.0.0.1:${port}`);

    // Through the tunnel to the local port.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(first.split(':')[1]), '127.0.0.1', () => socket.write('ping'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    assert.equal(reply, 'ping');

    const pid = runner.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    const second = await waitFor(() => (runner.info().starts >= 2 ? runner.tunnels()[0]?.candidate : undefined), {
      timeoutMs: 10_000,
      what: 'the restarted agent',
    });
    assert.ok(!alive(pid), 'the killed agent was reaped');
    assert.notEqual(second, first, 'a new public port');
    assert.deepEqual(
      entries,
      [{ kind: 'address', host: '127.0.0.1', port: Number(second.split(':')[1]) }],
      'the stale candidate is gone',
    );

    const last = runner.pid;
    await runner.stop();
    assert.ok(last !== undefined && !alive(last), 'stopped and reaped');
    assert.deepEqual(entries, [], 'no candidate after stop');
  });

  it('a tunnel to another port is listed but is no candidate', async () => {
    const entries: CandidateEntry[] = [];
    const runner = new NgrokRunner({
      command: `${process.execPath} ${FAKE_NGROK} tcp 127.0.0.1:9`,
      webrtcPort: () => 8555,
      candidates: webrtcCandidateList(entries),
      log: pino({ level: 'silent' }),
    });
    runners.push(runner);
    runner.start();
    const tunnel = await waitFor(() => runner.tunnels()[0], { timeoutMs: 10_000, what: 'the tunnel' });
    assert.match(tunnel.url, /^tcp:\/\/localhost:\d+$/);
    assert.equal(tunnel.candidate, undefined);
    assert.deepEqual(entries, []);
    await runner.stop();
  });

  it('a rejected token: the agent exits, is restarted with backoff, the error is shown without the token', async () => {
    const runner = new NgrokRunner({
      command: `${process.execPath} ${FAKE_NGROK} tcp 8555 --authtoken bad`,
      webrtcPort: () => 8555,
      candidates: webrtcCandidateList([]),
      log: pino({ level: 'silent' }),
      retryDelaysMs: [20, 40, 80],
    });
    runners.push(runner);
    runner.start();
    const info = await waitFor(() => (runner.info().starts >= 3 ? runner.info() : undefined), {
      timeoutMs: 15_000,
      what: 'three starts',
    });
    assert.match(info.error ?? '', /ngrok exited with code 1: .*ERR_NGROK_105/);
    assert.doesNotMatch(info.error ?? '', /authtoken: bad/);
    assert.deepEqual(info.tunnels, []);
    await runner.stop();
  });

  it('a missing program: retried, the error says so', async () => {
    const runner = new NgrokRunner({
      command: 'ngrok-does-not-exist tcp 8555',
      webrtcPort: () => 8555,
      candidates: webrtcCandidateList([]),
      log: pino({ level: 'silent' }),
      retryDelaysMs: [20],
    });
    runners.push(runner);
    runner.start();
    const info = await waitFor(() => (runner.info().starts >= 2 ? runner.info() : undefined), {
      timeoutMs: 5000,
      what: 'two starts',
    });
    assert.match(info.error ?? '', /EXEC_START_FAILED|program not found/);
    await runner.stop();
  });
});
