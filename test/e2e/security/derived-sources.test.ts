import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from '../../helpers/http.js';
import { freePort } from '../../helpers/ports.js';
import { startFakeOnvif, type FakeOnvif } from '../../peers/fake_onvif.js';
import { startFakeHomeAssistant, type FakeHomeAssistant } from '../hass/fake-ha-websocket.js';
import { runTs2rtc, waitForListen, type Ts2rtcProcess } from '../cli/ts2rtc-process.js';

/**
 * Issue 15: "exec/echo/device/file inputs only from the config file (test every entry point)", for the URLs
 * the config file names but does not contain: what an ONVIF camera answers to GetStreamUri, what Home
 * Assistant's `.storage/core.config_entries` says a camera's stream source is, what a network client puts in
 * a `{input}` template, where an http source redirects, what the Ivideon API answers. Against the built
 * server: each is refused with its code, no marker file the command would create appears, and the debug log
 * shows no process started. (The direct network entry points, PUT/PATCH /api/streams, /api/ws, RTSPtoWeb,
 * GetOrPatch URLs and RTSP, are test/e2e/ffmpeg/security.test.ts; one of them is repeated here against the
 * built server.)
 */

describe('security: URLs derived from devices, Home Assistant and clients never run commands (built server)', () => {
  let dir: string;
  let marks: string;
  let file: string;
  let proc: Ts2rtcProcess;
  let api: string;
  let onvif: FakeOnvif;
  let ha: FakeHomeAssistant;
  let web: Server;
  let webBase: string;

  const touch = (name: string): string => `exec:touch ${path.join(marks, name)}`;
  const noMarks = (): void => assert.deepEqual(readdirSync(marks), [], 'a command ran');
  /** Lines the server logged about a started process (ManagedProcess logs `<name>: started` at debug). */
  const started = (): string[] =>
    proc
      .stdout()
      .split('\n')
      .filter((l) => /: started/.test(l));
  const body = (res: { text: string }): { error?: string; code?: string } => {
    try {
      return JSON.parse(res.text) as { error?: string; code?: string };
    } catch {
      return { error: res.text };
    }
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-derived-'));
    marks = path.join(dir, 'marks');
    mkdirSync(marks);
    mkdirSync(path.join(dir, 'ha', '.storage'), { recursive: true });
    const entry = (title: string, stream: string) => ({
      domain: 'generic',
      entry_id: title,
      title,
      data: {},
      options: { stream_source: stream, still_image_url: '' },
    });
    writeFileSync(
      path.join(dir, 'ha', '.storage', 'core.config_entries'),
      JSON.stringify({
        version: 1,
        minor_version: 5,
        key: 'core.config_entries',
        data: {
          entries: [
            entry('Evil Exec', touch('hass-exec')),
            entry('Evil File', 'ffmpeg:/etc/passwd#video=h264'),
            entry('Evil Echo', `echo:${touch('hass-echo')}`),
          ],
        },
      }),
    );
    onvif = await startFakeOnvif({
      username: 'user',
      password: 'pass',
      profiles: [
        { token: 'exec', name: 'exec', uri: touch('onvif-exec'), width: 640, height: 360 },
        { token: 'file', name: 'file', uri: 'ffmpeg:/etc/passwd#video=h264', width: 640, height: 360 },
        { token: 'hash', name: 'hash', uri: 'rtsp://127.0.0.1:1/cam#backchannel=1', width: 640, height: 360 },
      ],
    });
    // Home Assistant's WebSocket answering camera/stream with a command or a local file.
    ha = await startFakeHomeAssistant({
      token: 'llat',
      cameras: ['camera.evil_exec', 'camera.evil_file'],
      hlsBase: 'http://127.0.0.1:9',
      streamUrl: (entity) => (entity === 'camera.evil_exec' ? touch('hass-ws-exec') : 'ffmpeg:/etc/passwd#video=h264'),
    });
    // An http source that redirects to a local file, and an Ivideon API that answers a command as its stream.
    web = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: 'file:///etc/passwd' }).end();
      } else if (req.url?.startsWith('/cameras/')) {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ success: true, result: { url: touch('ivideon') } }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webBase = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

    const httpPort = await freePort();
    api = `http://127.0.0.1:${httpPort}`;
    file = path.join(dir, 'ts2rtc.yaml');
    writeFileSync(
      file,
      [
        'api:',
        `  listen: "127.0.0.1:${httpPort}"`,
        'webrtc:',
        '  listen: ""',
        'log:',
        '  level: debug',
        'hass:',
        `  config: ${path.join(dir, 'ha')}`,
        `  url: ${ha.url}`,
        '  token: llat',
        'streams:',
        `  onvif_exec: ${onvif.onvifUrl}?subtype=exec`,
        `  onvif_file: ${onvif.onvifUrl}?subtype=file`,
        `  onvif_hash: ${onvif.onvifUrl}?subtype=hash`,
        '  linked_exec: "hass:Evil Exec"',
        '  linked_file: "hass:Evil File"',
        '  entity_exec: hass:camera.evil_exec',
        '  entity_file: hass:camera.evil_file',
        `  tmpl_exec: ${touch('tmpl-exec')} {input}`,
        '  tmpl_ffmpeg: ffmpeg:{input}#video=copy',
        `  redirect: ${webBase}/redirect`,
        '  ivideon: ivideon:100-abc/0',
        '',
      ].join('\n'),
    );
    proc = runTs2rtc(['-c', file], { cwd: dir, env: { TS2RTC_IVIDEON_API: webBase } });
    await waitForListen(proc, 20_000);
  });
  after(async () => {
    await proc?.stop();
    await onvif?.stop();
    await ha?.stop();
    await new Promise((resolve) => web?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a configured stream the way a viewer does (a snapshot) and returns what the client saw plus the log since. */
  const open = async (name: string): Promise<{ status: number; code?: string; error?: string; log: string }> => {
    const before = proc.stdout().length;
    const res = await request(`${api}/api/frame.jpeg?src=${encodeURIComponent(name)}`);
    return { status: res.status, ...body(res), log: proc.stdout().slice(before) };
  };

  it('an ONVIF camera whose GetStreamUri answers exec: or ffmpeg:/etc/passwd is refused (ONVIF_URI_UNSUPPORTED)', async () => {
    for (const name of ['onvif_exec', 'onvif_file']) {
      const seen = await open(name);
      assert.notEqual(seen.status, 200, name);
      assert.match(
        `${seen.code ?? ''} ${seen.error ?? ''} ${seen.log}`,
        /ONVIF_URI_UNSUPPORTED|only rtsp:\/\/ and rtsps:\/\//,
        `${name}: ${JSON.stringify(seen)}`,
      );
    }
    // A `#` in the device's answer is not read as source options: the RTSP client dials the URI without it.
    const hash = await open('onvif_hash');
    assert.notEqual(hash.status, 200);
    assert.doesNotMatch(hash.log, /backchannel=1/);
    noMarks();
    assert.deepEqual(started(), []);
  });

  it("Home Assistant's stream source exec:/echo:/ffmpeg:/etc/passwd (.storage, linked or auto-added, or its WebSocket's camera/stream) is refused (SOURCE_FORBIDDEN)", async () => {
    const streams = JSON.parse((await request(`${api}/api/streams`)).text) as Record<string, unknown>;
    for (const title of ['Evil Exec', 'Evil File', 'Evil Echo'])
      assert.ok(Object.hasOwn(streams, title), `${title} added from the storage file`);
    for (const name of [
      'linked_exec',
      'linked_file',
      'Evil Exec',
      'Evil File',
      'Evil Echo',
      'entity_exec',
      'entity_file',
    ]) {
      const seen = await open(name);
      assert.notEqual(seen.status, 200, name);
      assert.match(
        `${seen.code ?? ''} ${seen.error ?? ''} ${seen.log}`,
        /SOURCE_FORBIDDEN|allowed only in the config file/,
        `${name}: ${JSON.stringify(seen)}`,
      );
    }
    assert.deepEqual(
      [...ha.streamRequests].sort(),
      ['camera.evil_exec', 'camera.evil_file'],
      'the entity links asked Home Assistant',
    );
    noMarks();
    assert.deepEqual(started(), []);
  });

  it('a client cannot fill an exec: {input} template (SOURCE_FORBIDDEN), nor put a file or command in an ffmpeg: one', async () => {
    const patch = (name: string, src: string) =>
      request(`${api}/api/streams?name=${name}&src=${encodeURIComponent(src)}`, { method: 'PATCH' });
    const exec = await patch('tmpl_exec', 'rtsp://127.0.0.1:1/x;touch${IFS}/tmp/pwned');
    assert.equal(exec.status, 403, exec.text);
    assert.equal(body(exec).code, 'SOURCE_FORBIDDEN');
    // A path or a device name is no URL at all (400 SOURCE_URL_INVALID); a command or options are forbidden (403).
    for (const [bad, status, code] of [
      ['/etc/passwd', 400, 'SOURCE_URL_INVALID'],
      ['device?video=0', 400, 'SOURCE_URL_INVALID'],
      [touch('tmpl-ffmpeg'), 403, 'SOURCE_FORBIDDEN'],
      ['file:///etc/passwd', 403, 'SOURCE_FORBIDDEN'],
      ['rtsp://127.0.0.1:1/x#raw=-i /etc/passwd', 403, 'SOURCE_FORBIDDEN'],
    ] as const) {
      const res = await patch('tmpl_ffmpeg', bad);
      assert.equal(res.status, status, `${bad}: ${res.text}`);
      assert.equal(body(res).code, code, bad);
    }
    // The streams still hold their templates: nothing was half-filled.
    const tmpl = JSON.parse((await request(`${api}/api/streams?src=tmpl_exec`)).text) as {
      producers?: Array<{ url?: string }>;
    };
    assert.ok(
      tmpl.producers?.every((p) => (p.url ?? '').includes('{input}')),
      JSON.stringify(tmpl),
    );
    noMarks();
    assert.deepEqual(started(), []);
  });

  it('an http source redirecting to file:, an Ivideon API answering a command, PUT exec: and RTSPtoWebRTC with exec: are refused with their codes', async () => {
    const redirect = await open('redirect');
    assert.notEqual(redirect.status, 200);
    assert.match(
      `${redirect.code ?? ''} ${redirect.error ?? ''} ${redirect.log}`,
      /HTTP_REDIRECT_INVALID/,
      JSON.stringify(redirect),
    );
    // The same URL from the API: the redirect is refused the same way, and nothing is written to the config.
    const before = readFileSync(file, 'utf8');
    const fromApi = await request(`${api}/api/frame.jpeg?src=${encodeURIComponent(`${webBase}/redirect`)}`);
    assert.notEqual(fromApi.status, 200);
    const ivideon = await open('ivideon');
    assert.notEqual(ivideon.status, 200);
    assert.match(`${ivideon.code ?? ''} ${ivideon.error ?? ''} ${ivideon.log}`, /IVIDEON_API/, JSON.stringify(ivideon));
    // And the direct way, on the built server: PUT exec: is 403 before anything is written.
    const put = await request(`${api}/api/streams?name=x&src=${encodeURIComponent(touch('put'))}`, { method: 'PUT' });
    assert.equal(put.status, 403);
    assert.equal(body(put).code, 'SOURCE_FORBIDDEN');
    // RTSPtoWebRTC's registration (a form with the camera URL and the browser's offer) is a GetOrPatch too.
    const form = new URLSearchParams({ url: touch('rtsptowebrtc'), sdp64: Buffer.from('v=0\r\n').toString('base64') });
    const rtspToWebRtc = await request(`${api}/stream`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    assert.equal(rtspToWebRtc.status, 403, rtspToWebRtc.text);
    assert.equal(body(rtspToWebRtc).code, 'SOURCE_FORBIDDEN');
    assert.equal(readFileSync(file, 'utf8'), before, 'config file unchanged');
    assert.equal(existsSync(path.join(marks, 'put')), false);
    noMarks();
    assert.deepEqual(started(), []);
  });
});
