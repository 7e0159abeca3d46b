import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from '../../helpers/http.js';
import { freePort } from '../../helpers/ports.js';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { ensureEditorBuilt } from '../ui/harness.js';
import { runTs2rtc, waitForListen, type Ts2rtcProcess } from '../cli/ts2rtc-process.js';

/**
 * Issue 15: "camera passwords are masked in /api/config answers", against the built server. GET shows every
 * secret as `***` (URL passwords, a HomeKit pairing key, ngrok's token, the API/RTSP/TURN passwords); a save
 * of that text with one line edited keeps every password in the file; a password typed in clear is stored; a
 * `***` whose URL's host changed is refused (400 CONFIG_MASKED at its line, file unchanged); the raw file
 * needs `?raw=1` and the API credentials in the request. Then the web UI's config editor in Chromium shows
 * the masked text and saves an edit without losing a password.
 */

const SECRETS = ['FrontS3cret', 'BackS3cret', '0123abcdPRIV', 'NgrokTok3n', 'apiS3cret', 'rtspS3cret', 'TurnS3cret'];
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const YAML = { 'Content-Type': 'application/yaml' };

function startConfig(httpPort: number): string {
  return [
    '# cameras',
    'api:',
    `  listen: "127.0.0.1:${httpPort}"`,
    '  username: admin',
    '  password: apiS3cret',
    'rtsp:',
    '  listen: "127.0.0.1:0"',
    '  username: reader',
    '  password: "rtspS3cret"   # readers',
    'webrtc:',
    '  listen: ""',
    '  ice_servers:',
    '    - urls: [turn:192.0.2.1:3478]',
    '      username: turnuser',
    '      credential: TurnS3cret',
    'ngrok:',
    '  command: ngrok tcp 8554 --authtoken NgrokTok3n',
    'streams:',
    '  front: rtsp://admin:FrontS3cret@192.0.2.10:554/stream1',
    '  back:',
    '    - rtsp://viewer:BackS3cret@192.0.2.11/live',
    '    - ffmpeg:back#audio=opus',
    '  door: homekit://192.0.2.12:51826?client_id=aa&client_private=0123abcdPRIV&device_id=bb',
    '',
  ].join('\n');
}

describe('/api/config masks secrets and merges them back (built server)', () => {
  let dir: string;
  let file: string;
  let proc: Ts2rtcProcess;
  let api: string;
  let original: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-config-mask-'));
    const httpPort = await freePort();
    api = `http://127.0.0.1:${httpPort}`;
    file = path.join(dir, 'ts2rtc.yaml');
    original = startConfig(httpPort);
    writeFileSync(file, original);
    // No local_auth: loopback clients (the browser below, as Home Assistant's Ingress proxy) need no credentials.
    proc = runTs2rtc(['-c', file], { cwd: dir });
    await waitForListen(proc, 20_000);
  });
  after(async () => {
    await proc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const getMasked = async (): Promise<string> => {
    const res = await request(`${api}/api/config`);
    assert.equal(res.status, 200);
    return res.text;
  };
  const post = (body: string, query = '') =>
    request(`${api}/api/config${query}`, { method: 'POST', headers: { ...YAML, Accept: 'application/json' }, body });

  it('GET shows every secret as ***, keeps layout and comments; ?raw=1 needs the API credentials', async () => {
    const masked = await getMasked();
    for (const secret of SECRETS) assert.ok(!masked.includes(secret), `${secret} shown by GET /api/config`);
    assert.match(masked, /front: rtsp:\/\/admin:\*\*\*@192\.0\.2\.10:554\/stream1/);
    assert.match(masked, /client_private=\*\*\*&device_id=bb/);
    assert.match(masked, /--authtoken \*\*\*/);
    assert.match(masked, / {2}password: "\*\*\*"\n/);
    assert.match(masked, / {2}password: "\*\*\*" {3}# readers/);
    assert.equal(masked.split('\n').length, original.split('\n').length, 'same lines');
    const raw = await request(`${api}/api/config?raw=1`);
    assert.equal(raw.status, 403, 'raw without credentials (loopback bypass is not enough)');
    assert.equal((raw.json() as { code: string }).code, 'CONFIG_RAW_FORBIDDEN');
    const wrong = await request(`${api}/api/config?raw=1`, { headers: { Authorization: basic('admin', 'nope') } });
    assert.equal(wrong.status, 403);
    const owner = await request(`${api}/api/config?raw=1`, { headers: { Authorization: basic('admin', 'apiS3cret') } });
    assert.equal(owner.status, 200);
    assert.equal(owner.text, original);
  });

  it('saving the masked text with one line edited keeps every secret; ?check=1 on it is valid', async () => {
    const edited = (await getMasked()).replace('# cameras', '# cameras, edited').replace('/stream1', '/stream2');
    const check = await post(edited, '?check=1');
    assert.equal(check.status, 200);
    assert.deepEqual((check.json() as { errors: unknown[] }).errors, []);
    const saved = await post(edited);
    assert.equal(saved.status, 200, saved.text);
    const now = readFileSync(file, 'utf8');
    assert.equal(now, original.replace('# cameras', '# cameras, edited').replace('/stream1', '/stream2'));
    // The running stream got the real password (the API shows the source to the owner).
    const streams = await request(`${api}/api/streams?src=front`, {
      headers: { Authorization: basic('admin', 'apiS3cret') },
    });
    assert.match(streams.text, /admin:FrontS3cret@192\.0\.2\.10:554\/stream2/);
    original = now;
  });

  it('a password typed in clear is stored; a *** whose host changed is refused at its line, nothing saved', async () => {
    const masked = await getMasked();
    const changed = masked.replace('rtsp://viewer:***@', 'rtsp://viewer:NewBackPass@');
    assert.equal((await post(changed)).status, 200);
    const now = readFileSync(file, 'utf8');
    assert.ok(now.includes('rtsp://viewer:NewBackPass@192.0.2.11/live'));
    assert.ok(
      now.includes('admin:FrontS3cret@') && now.includes('TurnS3cret') && now.includes('--authtoken NgrokTok3n'),
    );

    const moved = (await getMasked()).replace('192.0.2.10:554', '192.0.2.99:554');
    const refused = await post(moved);
    assert.equal(refused.status, 400);
    const body = refused.json() as { code: string; errors: Array<{ code: string; line: number; message: string }> };
    assert.equal(body.code, 'CONFIG_MASKED');
    const line = moved.split('\n').findIndex((l) => l.includes('192.0.2.99')) + 1;
    assert.deepEqual(
      body.errors.map((e) => [e.code, e.line]),
      [['CONFIG_MASKED', line]],
    );
    assert.equal(readFileSync(file, 'utf8'), now, 'file unchanged');
    // The check reports the same problem, so the editor marks the line before a save is tried.
    const check = (await post(moved, '?check=1')).json() as {
      valid: boolean;
      errors: Array<{ code: string; line: number }>;
    };
    assert.equal(check.valid, false);
    assert.deepEqual(
      check.errors.map((e) => [e.code, e.line]),
      [['CONFIG_MASKED', line]],
    );
    // PATCH with a masked URL merges into the file with the real password.
    const patch = await request(`${api}/api/config`, {
      method: 'PATCH',
      headers: YAML,
      body: 'streams:\n  front: rtsp://admin:***@192.0.2.10:554/stream3\n',
    });
    assert.equal(patch.status, 200, patch.text);
    assert.match(readFileSync(file, 'utf8'), /front: rtsp:\/\/admin:FrontS3cret@192\.0\.2\.10:554\/stream3/);
  });

  describe('the web UI config editor (Chromium)', () => {
    let chrome: ChromiumPeer;
    before(async () => {
      ensureEditorBuilt();
      chrome = await launchChromium();
    });
    after(async () => {
      await chrome?.stop();
    });

    it('shows the masked file and saves an edit without losing a password', async () => {
      const before = readFileSync(file, 'utf8');
      const page = await chrome.context.newPage();
      try {
        await page.goto(`${api}/config.html`);
        await page.locator('.cm-editor').waitFor({ timeout: 10_000 });
        await page.locator('#problems-none', { hasText: 'None' }).waitFor({ timeout: 10_000 });
        const shown = (await page.locator('.cm-content').innerText()).replace(/\u00a0/g, ' ');
        for (const secret of SECRETS) assert.ok(!shown.includes(secret), `${secret} shown in the editor`);
        assert.match(shown, /admin:\*\*\*@192\.0\.2\.10/);
        // One edit at the end of the file: a new stream, typed.
        await page.locator('.cm-content').click();
        await page.keyboard.press('Control+End');
        await page.keyboard.insertText('  garden: "demo:"\n');
        await page.locator('#problems-none', { hasText: 'None' }).waitFor({ timeout: 5000 });
        await page.locator('#save:not([disabled])').waitFor({ timeout: 5000 });
        await page.click('#save');
        await page.locator('#banner', { hasText: 'Saved.' }).waitFor({ timeout: 5000 });
        const after = readFileSync(file, 'utf8');
        assert.equal(after, `${before}  garden: "demo:"\n`, 'the file is the old one plus the typed line');
      } finally {
        await page.close();
      }
    });
  });
});
