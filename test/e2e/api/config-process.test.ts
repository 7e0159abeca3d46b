import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MemoryLog } from '../../../addon/src/modules/api/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait.js';

const YAML_TYPE = { 'Content-Type': 'application/yaml' };

interface Json {
  [key: string]: unknown;
}

describe('/api/config', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;
  const original = '# cameras\nstreams:\n  cam: test:cam\nlog:\n  level: info\n';

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-config-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, original);
    server = await startApi({ configPath });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET returns the raw file as application/yaml', async () => {
    const res = await request(`${server.url}/api/config`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/yaml/);
    assert.equal(res.text, original);
  });

  it('PATCH deep-merges YAML into the file', async () => {
    const res = await request(`${server.url}/api/config`, {
      method: 'PATCH',
      headers: YAML_TYPE,
      body: 'streams:\n  cam2: test:cam2\nlog:\n  level: debug\n',
    });
    assert.equal(res.status, 200, res.text);
    const text = await readFile(configPath, 'utf8');
    assert.match(text, /cam: test:cam\n/);
    assert.match(text, /cam2: test:cam2/);
    assert.match(text, /level: debug/);
  });

  it('POST replaces the file', async () => {
    const res = await request(`${server.url}/api/config`, {
      method: 'POST',
      headers: YAML_TYPE,
      body: 'streams:\n  only: test:only\n',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(await readFile(configPath, 'utf8'), 'streams:\n  only: test:only\n');
  });

  it('PUT is accepted and does nothing, as in go2rtc', async () => {
    const before = await readFile(configPath, 'utf8');
    const res = await request(`${server.url}/api/config`, { method: 'PUT', body: 'x: 1\n' });
    assert.equal(res.status, 200);
    assert.equal(await readFile(configPath, 'utf8'), before);
  });

  it('refuses bad YAML and huge bodies with 4xx, leaves the file, keeps serving', async () => {
    const before = await readFile(configPath, 'utf8');
    for (const method of ['POST', 'PATCH']) {
      const res = await request(`${server.url}/api/config`, {
        method,
        headers: YAML_TYPE,
        body: 'streams: [unclosed\n  - : :',
      });
      assert.equal(res.status, 400, `${method}: ${res.text}`);
      assert.equal((res.json() as Json).code, 'CONFIG_SYNTAX');
    }
    const huge = await request(`${server.url}/api/config`, {
      method: 'POST',
      headers: YAML_TYPE,
      body: Buffer.alloc(5 * 1024 * 1024, 0x61),
    });
    assert.equal(huge.status, 413);
    assert.equal((huge.json() as Json).code, 'BODY_TOO_LARGE');
    assert.equal(await readFile(configPath, 'utf8'), before);
    assert.equal((await request(`${server.url}/api`)).status, 200);
  });

  it('refuses a chunked body over the limit too', async () => {
    // No Content-Length: the limit is enforced while reading.
    const { request: raw } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = raw(
        `${server.url}/api/config`,
        { method: 'POST', headers: { ...YAML_TYPE, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 0x62);
      let sent = 0;
      const pump = (): void => {
        while (sent < 24) {
          sent++;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    assert.equal((await request(`${server.url}/api`)).status, 200);
  });
});

describe('/api/config without a config file', () => {
  it('answers 410 Gone for every method', async () => {
    const server = await startApi();
    try {
      for (const method of ['GET', 'POST', 'PATCH']) {
        const res = await request(`${server.url}/api/config`, method === 'GET' ? {} : { method, body: 'a: 1\n' });
        assert.equal(res.status, 410, `${method}: ${res.text}`);
        assert.equal((res.json() as Json).code, 'CONFIG_DISABLED');
      }
    } finally {
      await server.close();
    }
  });
});

describe('process control', () => {
  const lines = ['{"level":"info","msg":"one"}\n', '{"level":"warn","msg":"two"}\n'];
  const memoryLog: MemoryLog = {
    text: () => lines.join(''),
    clear: () => {
      lines.length = 0;
    },
  };
  let restarts = 0;
  let server: RunningApi;
  before(async () => {
    server = await startApi({ hooks: { log: memoryLog, restart: () => void restarts++ } });
  });
  after(() => server.close());

  it('POST /api/exit?code= calls the injected exit after answering', async () => {
    const res = await request(`${server.url}/api/exit?code=3`, { method: 'POST' });
    assert.equal(res.status, 200);
    await waitFor(() => server.exits.length === 1, { what: 'exit hook' });
    assert.deepEqual(server.exits, [3]);
  });

  it('refuses exit codes outside [0, 125] and other methods', async () => {
    for (const code of ['126', '-1', 'x', '', '1.5']) {
      const res = await request(`${server.url}/api/exit?code=${code}`, { method: 'POST' });
      assert.equal(res.status, 400, code);
      assert.deepEqual(res.json(), { error: 'Code must be in the range [0, 125]', code: 'EXIT_CODE_INVALID' });
    }
    assert.equal((await request(`${server.url}/api/exit?code=0`)).status, 405);
    assert.deepEqual(server.exits, [3]);
  });

  it('POST /api/restart calls the injected restart', async () => {
    assert.equal((await request(`${server.url}/api/restart`, { method: 'POST' })).status, 200);
    await waitFor(() => restarts === 1, { what: 'restart hook' });
  });

  it('GET /api/log gives JSON lines, DELETE clears them', async () => {
    const get = await request(`${server.url}/api/log`);
    assert.equal(get.status, 200);
    assert.match(String(get.headers['content-type']), /^application\/jsonlines/);
    assert.equal(get.text, '{"level":"info","msg":"one"}\n{"level":"warn","msg":"two"}\n');
    const del = await request(`${server.url}/api/log`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(del.text, 'OK');
    assert.equal((await request(`${server.url}/api/log`)).text, '');
  });

  it('answers restart with 501 when the host gave no restart hook', async () => {
    const bare = await startApi();
    try {
      const res = await request(`${bare.url}/api/restart`, { method: 'POST' });
      assert.equal(res.status, 501);
      assert.equal((res.json() as Json).code, 'NOT_IMPLEMENTED');
    } finally {
      await bare.close();
    }
  });
});
