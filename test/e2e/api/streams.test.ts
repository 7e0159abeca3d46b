import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { TestProducer } from '../../helpers/test-producer.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { waitFor } from '../../helpers/wait.js';

const q = encodeURIComponent;

interface Json {
  [key: string]: unknown;
}

describe('/api/streams', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-streams-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, '# my cameras\nstreams:\n  cfg: test:cfg\n');
    server = await startApi({
      config: { streams: { cfg: 'test:cfg' } },
      configPath,
      beforeStart: (_api, app) => {
        // A command-running scheme: allowed from the config only.
        app.streams.registerSource('exec', async () => new TestProducer(), { configOnly: true });
      },
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists streams with idle producers as [{url}]', async () => {
    const res = await request(`${server.url}/api/streams`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), { cfg: { producers: [{ url: 'test:cfg' }], consumers: null } });
  });

  it('PUT with two src creates the stream, persists it, and GET returns it', async () => {
    const put = await request(
      `${server.url}/api/streams?name=camera.hall&src=${q('test:a#video=H264')}&src=${q('test:b#audio=PCMA/8000')}`,
      {
        method: 'PUT',
      },
    );
    assert.equal(put.status, 200, put.text);
    assert.equal(put.text, '');
    const one = await request(`${server.url}/api/streams?src=camera.hall`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json(), {
      producers: [{ url: 'test:a#video=H264' }, { url: 'test:b#audio=PCMA/8000' }],
      consumers: null,
    });
    // go2rtc pretty-prints a single stream with two spaces.
    assert.ok(one.text.startsWith('{\n  "producers": [\n    {\n      "url": '), one.text);
    const file = await readFile(configPath, 'utf8');
    assert.match(file, /# my cameras/, 'comments survive');
    assert.match(file, /camera\.hall:/);
    assert.match(file, /test:a#video=H264/);
    assert.match(file, /test:b#audio=PCMA\/8000/);
  });

  it('PUT without name names the stream after the first src', async () => {
    const res = await request(`${server.url}/api/streams?src=${q('test:solo')}`, { method: 'PUT' });
    assert.equal(res.status, 200, res.text);
    const all = (await request(`${server.url}/api/streams`)).json() as Json;
    assert.ok('test:solo' in all);
  });

  it('PUT masks nothing it stores but the listing hides URL passwords', async () => {
    await request(`${server.url}/api/streams?name=secret&src=${q('test://admin:hunter2@10.0.0.2/1')}`, {
      method: 'PUT',
    });
    const res = await request(`${server.url}/api/streams`);
    assert.doesNotMatch(res.text, /hunter2/);
    assert.match(res.text, /test:\/\/\*\*\*@10\.0\.0\.2\/1/);
    assert.match(await readFile(configPath, 'utf8'), /hunter2/, 'the config file keeps the real URL');
  });

  it('PATCH points a stream at one source in memory only', async () => {
    const res = await request(`${server.url}/api/streams?name=patched&src=${q('test:p')}`, { method: 'PATCH' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((await request(`${server.url}/api/streams?src=patched`)).json(), {
      producers: [{ url: 'test:p' }],
      consumers: null,
    });
    assert.doesNotMatch(await readFile(configPath, 'utf8'), /patched/);
    const again = await request(`${server.url}/api/streams?name=patched&src=${q('test:p2')}`, { method: 'PATCH' });
    assert.equal(again.status, 200);
    assert.deepEqual((await request(`${server.url}/api/streams?src=patched`)).json(), {
      producers: [{ url: 'test:p2' }],
      consumers: null,
    });
    const noName = await request(`${server.url}/api/streams?src=${q('test:p')}`, { method: 'PATCH' });
    assert.equal(noName.status, 400);
    assert.equal((noName.json() as Json).code, 'BAD_REQUEST');
  });

  it('DELETE removes the stream from memory and from the config file', async () => {
    await request(`${server.url}/api/streams?name=gone&src=${q('test:g')}`, { method: 'PUT' });
    assert.match(await readFile(configPath, 'utf8'), /gone:/);
    const res = await request(`${server.url}/api/streams?src=gone`, { method: 'DELETE' });
    assert.equal(res.status, 200, res.text);
    assert.equal((await request(`${server.url}/api/streams?src=gone`)).status, 404);
    assert.doesNotMatch(await readFile(configPath, 'utf8'), /gone:/);
  });

  it('answers unknown streams with 404 STREAM_NOT_FOUND', async () => {
    const res = await request(`${server.url}/api/streams?src=nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { error: 'stream not found', code: 'STREAM_NOT_FOUND' });
  });

  it('refuses bad input with 4xx and a code, and keeps serving', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['PUT', `/api/streams?name=x&src=${q('nourl')}`, 400, 'SOURCE_URL_INVALID'],
      ['PUT', `/api/streams?name=x&src=${q('nosuch://cam')}`, 400, 'SOURCE_UNSUPPORTED'],
      ['PUT', `/api/streams?name=x&src=${q('exec:rm -rf /')}`, 403, 'SOURCE_FORBIDDEN'],
      ['PUT', `/api/streams?name=${q('bad\u0001name')}&src=${q('test:x')}`, 400, 'STREAM_NAME_INVALID'],
      ['PUT', `/api/streams?name=x`, 400, 'BAD_REQUEST'],
      ['PATCH', `/api/streams?name=x&src=${q('exec:ls')}`, 403, 'SOURCE_FORBIDDEN'],
      ['POST', `/api/streams?src=cfg`, 400, 'BAD_REQUEST'],
      ['POST', `/api/streams?src=nope&dst=nope2`, 404, 'STREAM_NOT_FOUND'],
      ['POST', `/api/streams?src=${q('test:x')}&dst=cfg`, 501, 'NOT_IMPLEMENTED'],
      ['POST', `/api/streams?src=cfg&dst=${q('rtmp://x/y')}`, 501, 'NOT_IMPLEMENTED'],
      ['DELETE', `/api/streams`, 400, 'BAD_REQUEST'],
      ['OPTIONS', `/api/streams`, 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [method, url, status, code] of cases) {
      const res = await request(`${server.url}${url}`, { method });
      assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
      assert.equal((res.json() as Json).code, code, `${method} ${url}`);
    }
    assert.equal((await request(`${server.url}/api`)).status, 200);
    const all = (await request(`${server.url}/api/streams`)).json() as Json;
    assert.equal('x' in all, false, 'no stream left behind by refused requests');
  });

  it('GET /api/schemes lists the registered schemes', async () => {
    const res = await request(`${server.url}/api/schemes`);
    assert.equal(res.status, 200);
    const schemes = res.json();
    assert.ok(Array.isArray(schemes));
    assert.ok(schemes.includes('test') && schemes.includes('exec'));
  });
});

describe('/api/streams with active connections', () => {
  let server: RunningApi;
  let consumer: TestConsumer | undefined;
  before(async () => {
    server = await startApi({ config: { streams: { cam: ['test:cam#video=H264#audio=PCMA/8000'] } } });
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });
  after(() => server.close());

  it('shows the producer and consumer as go2rtc connections, field for field', async () => {
    const stream = server.app.streams.get('cam');
    assert.ok(stream);
    consumer = new TestConsumer([wantMedia('video', 'ANY'), wantMedia('audio', 'ANY')]);
    await stream.addConsumer(consumer);
    await consumer.waitForPackets(6);
    const json = (await request(`${server.url}/api/streams?src=cam`)).json() as Json;
    assert.deepEqual(Object.keys(json).sort(), ['consumers', 'producers']);
    const producers = json.producers as Json[];
    const consumers = json.consumers as Json[];
    assert.equal(producers.length, 1);
    assert.equal(consumers.length, 1);

    const producer = producers[0]!;
    assert.equal(typeof producer.id, 'number');
    assert.equal(producer.format_name, 'test');
    assert.equal(producer.url, 'test:cam#video=H264#audio=PCMA/8000');
    assert.deepEqual(producer.medias, ['video, recvonly, H264', 'audio, recvonly, PCMA/8000']);
    const receivers = producer.receivers as Json[];
    assert.equal(receivers.length, 2);
    for (const receiver of receivers) {
      assert.deepEqual(Object.keys(receiver).sort(), ['bytes', 'childs', 'codec', 'id', 'packets']);
      assert.equal(typeof receiver.id, 'number');
      assert.ok(Array.isArray(receiver.childs) && receiver.childs.every((c) => typeof c === 'number'));
      assert.ok((receiver.bytes as number) > 0 && (receiver.packets as number) > 0);
    }
    assert.deepEqual(receivers[0]!.codec, { codec_name: 'h264', codec_type: 'video' });
    assert.deepEqual(receivers[1]!.codec, {
      codec_name: 'pcm_alaw',
      codec_type: 'audio',
      sample_rate: 8000,
      channels: 1,
    });
    assert.ok((producer.bytes_recv as number) > 0);

    const cons = consumers[0]!;
    assert.equal(typeof cons.id, 'number');
    assert.equal(cons.format_name, 'test');
    assert.deepEqual(cons.medias, ['video, sendonly, ANY', 'audio, sendonly, ANY']);
    const senders = cons.senders as Json[];
    assert.equal(senders.length, 2);
    for (const sender of senders) {
      assert.deepEqual(
        Object.keys(sender)
          .filter((k) => k !== 'drops')
          .sort(),
        ['bytes', 'codec', 'id', 'packets', 'parent'],
      );
      assert.equal(typeof sender.parent, 'number');
      assert.ok((sender.bytes as number) > 0 && (sender.packets as number) > 0);
    }
    assert.deepEqual(senders.map((s) => (s.codec as Json).codec_name).sort(), ['h264', 'pcm_alaw']);
    assert.ok((cons.bytes_send as number) > 0);
  });

  it('attaches a probe consumer for ?video&audio and removes it after answering', async () => {
    const res = await request(`${server.url}/api/streams?src=cam&video&audio`);
    assert.equal(res.status, 200, res.text);
    const json = res.json() as Json;
    const consumers = json.consumers as Json[];
    assert.equal(consumers.length, 1);
    assert.equal(consumers[0]!.format_name, 'probe');
    assert.equal((consumers[0]!.senders as Json[]).length, 2);
    await waitFor(
      async () => ((await request(`${server.url}/api/streams?src=cam`)).json() as Json).consumers === null,
      {
        what: 'probe removed',
      },
    );
  });

  it('answers a probe nothing matches with a coded error', async () => {
    const res = await request(`${server.url}/api/streams?src=cam&video=h265`);
    assert.equal(res.status, 500);
    assert.equal((res.json() as Json).code, 'CODEC_MISMATCH');
  });

  it('renders /api/streams.dot as Graphviz', async () => {
    const stream = server.app.streams.get('cam');
    assert.ok(stream);
    consumer = new TestConsumer([wantMedia('video', 'ANY')]);
    await stream.addConsumer(consumer);
    await consumer.waitForPackets(2);
    const res = await request(`${server.url}/api/streams.dot?src=cam`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/vnd\.graphviz/);
    assert.ok(res.text.startsWith('digraph {\n') && res.text.endsWith('}'));
    assert.match(res.text, /\[group=producer, label="test"/);
    assert.match(res.text, /\[group=consumer, label="test"/);
    assert.match(res.text, /\[group=node, label="h264"/);
    assert.equal((await request(`${server.url}/api/streams.dot?src=nope`)).text, 'digraph {\n}');
  });
});

describe('/api/preload', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-preload-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, 'streams:\n  cam: test:cam\n');
    server = await startApi({ config: { streams: { cam: 'test:cam' } }, configPath });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('PUT keeps only video/audio/microphone, starts the source, persists; DELETE undoes it', async () => {
    const put = await request(`${server.url}/api/preload?src=cam&video&audio&video_codec_filter=h264`, {
      method: 'PUT',
    });
    assert.equal(put.status, 200, put.text);
    const list = (await request(`${server.url}/api/preload`)).json() as Record<string, Json>;
    assert.deepEqual(Object.keys(list), ['cam']);
    assert.equal(list.cam!.query, 'audio=&video=');
    assert.equal((list.cam!.consumer as Json).format_name, 'preload');
    await waitFor(() => server.app.opened.some((p) => p.startCount > 0), { what: 'source started by preload' });
    assert.match(await readFile(configPath, 'utf8'), /preload:\s+cam: audio=&video=/);

    const del = await request(`${server.url}/api/preload?src=cam`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual((await request(`${server.url}/api/preload`)).json(), {});
    assert.doesNotMatch(await readFile(configPath, 'utf8'), /cam: audio/);
  });

  it('answers unknown streams and preloads with 404', async () => {
    const put = await request(`${server.url}/api/preload?src=nope`, { method: 'PUT' });
    assert.equal(put.status, 404);
    assert.equal((put.json() as Json).code, 'STREAM_NOT_FOUND');
    const del = await request(`${server.url}/api/preload?src=nope`, { method: 'DELETE' });
    assert.equal(del.status, 404);
    assert.equal((del.json() as Json).code, 'PRELOAD_NOT_FOUND');
  });
});
