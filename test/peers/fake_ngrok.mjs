#!/usr/bin/env node
// fake_ngrok: stands in for the ngrok agent, which cannot be downloaded here (and whose cloud cannot be reached).
// It takes the agent's command line (`tcp [host:]port`, `--authtoken`, `--log stdout`, `--log-format json`),
// prints the JSON log lines the real agent prints with those flags (keys sorted, as its log15 JSON handler
// writes them; `"lvl":"eror"` for errors), and does what the tunnel does: a public TCP port (here on loopback)
// whose connections are forwarded to the local address, each logged as "join connections".
// `--authtoken bad` behaves as a rejected token: the error lines (ERR_NGROK_105), then exit code 1.
// `FAKE_NGROK_PUBLIC_HOST` (default `localhost`) is the host in the public tcp:// URL.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const args = process.argv.slice(2);
const now = () => new Date().toISOString();
const emit = (fields) => {
  const record = { ...fields, t: now() };
  const sorted = Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]),
  );
  process.stdout.write(`${JSON.stringify(sorted)}\n`);
};
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

if (option('log') !== 'stdout' || option('log-format') !== 'json') {
  process.stderr.write('fake_ngrok: expects --log stdout --log-format json (as go2rtc and ts2rtc pass)\n');
  process.exit(2);
}
const [proto, target] = args;
if (proto !== 'tcp' || !target) {
  process.stderr.write('ERROR:  fake_ngrok only knows `tcp [host:]port`\n');
  process.exit(1);
}
const colon = target.lastIndexOf(':');
const localHost = colon >= 0 ? target.slice(0, colon) : 'localhost';
const localPort = Number(colon >= 0 ? target.slice(colon + 1) : target);

emit({ lvl: 'info', msg: 'no configuration paths supplied' });
emit({ lvl: 'info', msg: 'using configuration at default config path', path: '/root/.config/ngrok/ngrok.yml' });
emit({ err: null, lvl: 'info', msg: 'open config file', path: '/root/.config/ngrok/ngrok.yml' });
emit({ addr: '127.0.0.1:4040', allow_hosts: [], lvl: 'info', msg: 'starting web service', obj: 'web' });

if (option('authtoken') === 'bad') {
  const err =
    'authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\nYour authtoken: bad\n\nERR_NGROK_105\n';
  emit({ err, lvl: 'eror', msg: 'failed to reconnect session', obj: 'tunnels.session' });
  emit({ err, lvl: 'eror', msg: 'session closing', obj: 'tunnels.session' });
  process.stderr.write(`ERROR:  ${err}`);
  process.exit(1);
}

emit({
  clientid: randomBytes(16).toString('hex'),
  lvl: 'info',
  msg: 'client session established',
  obj: 'tunnels.session',
});
emit({ id: randomBytes(6).toString('hex'), lvl: 'info', msg: 'tunnel session started', obj: 'tunnels.session' });

const sockets = new Set();
const server = net.createServer((inbound) => {
  sockets.add(inbound);
  const outbound = net.connect(localPort, localHost);
  sockets.add(outbound);
  emit({
    id: randomBytes(4).toString('hex'),
    l: `${localHost}:${localPort}`,
    lvl: 'info',
    msg: 'join connections',
    obj: 'join',
    r: `${inbound.remoteAddress}:${inbound.remotePort}`,
  });
  inbound.pipe(outbound);
  outbound.pipe(inbound);
  const close = () => {
    inbound.destroy();
    outbound.destroy();
    sockets.delete(inbound);
    sockets.delete(outbound);
  };
  inbound.on('error', close).on('close', close);
  outbound.on('error', close).on('close', close);
});
server.listen(0, '127.0.0.1', () => {
  const publicHost = process.env.FAKE_NGROK_PUBLIC_HOST || 'localhost';
  emit({
    addr: `//${target.includes(':') ? target : `localhost:${target}`}`,
    lvl: 'info',
    msg: 'started tunnel',
    name: 'command_line',
    obj: 'tunnels',
    url: `tcp://${publicHost}:${server.address().port}`,
  });
});

const stop = () => {
  emit({ lvl: 'info', msg: 'received stop request', obj: 'app', stopReq: { Restart: false } });
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
