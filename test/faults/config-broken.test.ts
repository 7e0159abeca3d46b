import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTs2rtcChild, type Ts2rtcChild } from '../helpers/ts2rtc-child.js';
import { waitFor } from '../helpers/wait.js';
import { arrivalsBetween, watchMse, type Watching } from './viewers.js';

/**
 * The config file is broken by hand while the server runs (an editor saved half a file), then edited through
 * the API, then repaired. The running server never stops or drops a viewer; edits that would write a broken
 * file are refused with the problem's code and line, and a good file is applied. The checks of every single
 * refusal (types, schemes, PATCH merges) are test/e2e/api/config-check.test.ts; this is the same against the
 * built server with the file on disk.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(method: string, url: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/yaml' } }),
  });
  return { status: res.status, text: await res.text() };
}

describe('the config file broken and reloaded', () => {
  let server: Ts2rtcChild;
  let viewer: Watching;
  let original: string;
  before(async () => {
    server = await startTs2rtcChild({ streams: { demo: 'demo:' } });
    original = readFileSync(server.configPath, 'utf8');
    viewer = await watchMse(server.api, 'demo');
    await waitFor(() => viewer.arrivals.length > 10, { timeoutMs: 10_000, what: 'the demo playing' });
  });
  after(async () => {
    await viewer?.close();
    await server?.stop();
  });

  it('a file broken on disk: edits are refused with a code, nothing is written, the viewer keeps playing', async () => {
    // Cut in the middle of a flow mapping, as an editor that died while saving would leave it.
    const broken = original.slice(0, original.indexOf('"streams"') + 12);
    writeFileSync(server.configPath, broken);
    const started = performance.now();

    const patch = await send('PATCH', `${server.api}/api/config`, 'streams:\n  two: demo:\n');
    assert.equal(patch.status, 400, patch.text);
    assert.match(patch.text, /CONFIG_SYNTAX|line/i);
    const junk = await send('POST', `${server.api}/api/config`, 'streams: {demo: [\n');
    assert.equal(junk.status, 400, junk.text);
    assert.equal(readFileSync(server.configPath, 'utf8'), broken, 'the file is left as it was');

    // Every request to the running server still works.
    assert.equal((await send('GET', `${server.api}/api/streams`)).status, 200);
    assert.equal((await send('GET', `${server.api}/api/config`)).text, broken);
    await sleep(1000);
    const seconds = (performance.now() - started) / 1000;
    const fragments = arrivalsBetween(viewer, started, performance.now());
    assert.ok(fragments >= 25 * seconds * 0.9, `${fragments} fragments in ${seconds.toFixed(1)} s`);
    assert.ok(viewer.connected());
  });

  it('a good file POSTed over it is saved and applied; the viewer of the unchanged stream stays', async () => {
    const good = JSON.stringify(
      { ...(JSON.parse(original) as object), streams: { demo: 'demo:', two: 'demo:' } },
      null,
      2,
    );
    const post = await send('POST', `${server.api}/api/config`, good);
    assert.equal(post.status, 200, post.text);
    await waitFor(async () => 'two' in (await server.streams()), { timeoutMs: 5000, what: 'the new stream' });
    assert.equal(readFileSync(server.configPath, 'utf8'), good);
    assert.ok(viewer.connected());
    const before = viewer.arrivals.length;
    await waitFor(() => viewer.arrivals.length > before + 10, { timeoutMs: 5000, what: 'the viewer still playing' });
    assert.equal(server.proc.child.exitCode, null, 'the server is running');
  });
});
