import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { freeTcpPort } from '../../peers/ports.js';
import { runProcess } from '../../peers/process.js';
import { producerJson, startApp, Viewer, type RtspTestApp } from './helpers.js';

function listen(server: Server | TlsServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function close(server: Server | TlsServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A server that answers every RTSP request with a redirect to `location(n)` (n = how many it answered). */
function redirector(location: (n: number) => string, sockets: Set<Socket>): Server {
  let answered = 0;
  return createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const cseq = /^CSeq:\s*(\d+)/im.exec(head)?.[1] ?? '0';
        socket.write(`RTSP/1.0 302 Moved Temporarily\r\nCSeq: ${cseq}\r\nLocation: ${location(++answered)}\r\n\r\n`);
      }
    });
  });
}

describe('RTSP client: connections (RTSPS, redirects, failures)', () => {
  let app: RtspTestApp;
  let camera: GstCamera;
  let dir: string;
  const sockets = new Set<Socket>();
  const servers: Array<Server | TlsServer> = [];

  before(async () => {
    app = startApp();
    camera = await startGstCamera({ video: 'h264', audio: 'pcmu', auth: 'digest' });
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-rtsps-'));
  });
  after(async () => {
    await app.stop();
    await Promise.all(servers.map((s) => close(s, sockets)));
    await camera.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rtsps:// and rtspx:// to a camera with a self-signed certificate (TLS in front of the camera)', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = await runProcess({
      name: 'openssl',
      command: 'openssl',
      debianPackage: 'openssl',
      args: [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=camera.invalid',
      ],
      timeoutMs: 10_000,
    });
    assert.equal(made.code, 0, made.stderr);
    const tls = createTlsServer({ key: await readFile(key), cert: await readFile(cert) }, (secure) => {
      const plain = connect(camera.port, '127.0.0.1');
      sockets.add(plain);
      secure.pipe(plain).pipe(secure);
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
      plain.on('close', () => sockets.delete(plain));
    });
    servers.push(tls);
    const port = await listen(tls);
    const userinfo = new URL(camera.authUrl).username + ':' + new URL(camera.authUrl).password;
    for (const scheme of ['rtsps', 'rtspx']) {
      const stream = app.streams.set(scheme, [`${scheme}://${userinfo}@127.0.0.1:${port}/stream`], 'config');
      const viewer = new Viewer();
      await stream.addConsumer(viewer);
      await viewer.waitFor('video', 25);
      await viewer.waitFor('audio', 50);
      assert.equal(producerJson(stream)['remote_addr'], `127.0.0.1:${port}`);
      await viewer.stop();
      await app.streams.delete(scheme);
    }
  });

  it('a 302 redirect is followed, credentials kept; a redirect loop ends with RTSP_REDIRECTS', async () => {
    const redirect = redirector(() => camera.url, sockets);
    servers.push(redirect);
    const port = await listen(redirect);
    const userinfo = new URL(camera.authUrl).username + ':' + new URL(camera.authUrl).password;
    const stream = app.streams.set('redirected', [`rtsp://${userinfo}@127.0.0.1:${port}/old`], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    await viewer.waitFor('video', 25);
    assert.equal(producerJson(stream)['remote_addr'], `127.0.0.1:${camera.port}`);
    await viewer.stop();

    const loop = redirector((n) => `rtsp://127.0.0.1:${loopPort}/again${n}`, sockets);
    servers.push(loop);
    const loopPort = await listen(loop);
    const looping = app.streams.set('loop', [`rtsp://127.0.0.1:${loopPort}/start`], 'config');
    await assert.rejects(looping.addConsumer(new Viewer(['video'])), /RTSP_REDIRECTS/);
    assert.match(
      String(producerJson(looping)['error']),
      /^RTSP_REDIRECTS: OPTIONS rtsp:\/\/127\.0\.0\.1:\d+\/again5: more than 5 redirects$/,
    );
  });

  it('nobody listening: RTSP_CONNECT; a wrong path: RTSP_404', async () => {
    const port = await freeTcpPort();
    const refused = app.streams.set('refused', [`rtsp://127.0.0.1:${port}/x`], 'config');
    await assert.rejects(refused.addConsumer(new Viewer(['video'])), /RTSP_CONNECT/);
    assert.match(
      String(producerJson(refused)['error']),
      /^RTSP_CONNECT: rtsp:\/\/127\.0\.0\.1:\d+\/x: connect ECONNREFUSED/,
    );

    const missing = app.streams.set('missing', [camera.authUrl.replace('/stream', '/nothing')], 'config');
    await assert.rejects(missing.addConsumer(new Viewer(['video'])), /RTSP_404/);
    assert.match(
      String(producerJson(missing)['error']),
      /^RTSP_404: Not Found \(DESCRIBE rtsp:\/\/\*\*\*@127\.0\.0\.1:\d+\/nothing\)$/,
    );
  });
});
