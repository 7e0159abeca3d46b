import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';

/**
 * Contract tests against the clients' models. The decoders below do what home-assistant-libs/python-go2rtc-client
 * (go2rtc_client/models.py, rest.py) does with mashumaro: required keys must exist with the right type, extra
 * keys are ignored, `producers: null` becomes []. The field table is go2rtc's connection JSON as its recorded
 * answers in that library's tests/fixtures show it (streams_one.json, streams_without_producers.json,
 * preload_list_one.json, application_info_answer.json) plus the fields go2rtc's pkg/core declares.
 */

type Kind = 'number' | 'string' | 'string[]' | 'number[]' | 'object' | 'object[]';

const CONNECTION_FIELDS: Record<string, Kind> = {
  id: 'number',
  format_name: 'string',
  protocol: 'string',
  remote_addr: 'string',
  source: 'string',
  url: 'string',
  sdp: 'string',
  user_agent: 'string',
  medias: 'string[]',
  receivers: 'object[]',
  senders: 'object[]',
  bytes_recv: 'number',
  bytes_send: 'number',
};
const RECEIVER_FIELDS: Record<string, Kind> = {
  id: 'number',
  codec: 'object',
  childs: 'number[]',
  bytes: 'number',
  packets: 'number',
};
const SENDER_FIELDS: Record<string, Kind> = {
  id: 'number',
  codec: 'object',
  parent: 'number',
  bytes: 'number',
  packets: 'number',
  drops: 'number',
};
const CODEC_FIELDS: Record<string, Kind> = {
  codec_name: 'string',
  codec_type: 'string',
  profile: 'string',
  level: 'number',
  sample_rate: 'number',
  channels: 'number',
};
/** Documented ts2rtc additions that go2rtc clients ignore. */
const TS2RTC_EXTRA = new Set(['error']);

function kindOf(value: unknown): Kind | 'other' {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return 'string[]';
    if (value.every((v) => typeof v === 'number')) return 'number[]';
    if (value.every((v) => typeof v === 'object' && v !== null)) return 'object[]';
    return 'other';
  }
  if (typeof value === 'object' && value !== null) return 'object';
  return 'other';
}

function checkFields(where: string, value: unknown, fields: Record<string, Kind>): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${where} is an object`);
  const record = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if (TS2RTC_EXTRA.has(key)) continue;
    const expected = fields[key];
    assert.ok(expected, `${where}.${key} is a go2rtc field`);
    const actual = kindOf(v);
    // An empty list is a valid value of any list kind.
    if (Array.isArray(v) && v.length === 0 && expected.endsWith('[]')) continue;
    assert.equal(actual, expected, `${where}.${key}`);
  }
  return record;
}

function checkConnection(where: string, value: unknown): void {
  const conn = checkFields(where, value, CONNECTION_FIELDS);
  for (const [i, r] of ((conn.receivers as unknown[]) ?? []).entries()) {
    const receiver = checkFields(`${where}.receivers[${i}]`, r, RECEIVER_FIELDS);
    checkFields(`${where}.receivers[${i}].codec`, receiver.codec, CODEC_FIELDS);
  }
  for (const [i, s] of ((conn.senders as unknown[]) ?? []).entries()) {
    const sender = checkFields(`${where}.senders[${i}]`, s, SENDER_FIELDS);
    checkFields(`${where}.senders[${i}].codec`, sender.codec, CODEC_FIELDS);
  }
}

/** `Go2RtcRestClient.streams.list()`: dict[str, Stream{producers: list[Producer{url: str}]}]. */
function decodeStreams(json: unknown): Map<string, string[]> {
  assert.ok(typeof json === 'object' && json !== null && !Array.isArray(json));
  const out = new Map<string, string[]>();
  for (const [name, stream] of Object.entries(json as Record<string, unknown>)) {
    assert.ok(typeof stream === 'object' && stream !== null, `${name}: stream object`);
    assert.ok('producers' in stream, `${name}: producers key (required by the model)`);
    const producers = (stream as { producers: unknown }).producers ?? [];
    assert.ok(Array.isArray(producers), `${name}: producers list or null`);
    out.set(
      name,
      producers.map((p: unknown, i) => {
        assert.ok(typeof p === 'object' && p !== null, `${name}.producers[${i}]`);
        const url = (p as { url?: unknown }).url;
        assert.equal(typeof url, 'string', `${name}.producers[${i}].url (HA compares it with the camera source)`);
        return String(url);
      }),
    );
  }
  return out;
}

describe('shapes the go2rtc clients decode', () => {
  let server: RunningApi;
  let consumer: TestConsumer;
  before(async () => {
    server = await startApi({
      config: { streams: { 'camera.12mp_fluent': ['test:a#video=H264#audio=AAC/16000'], idle: 'test:idle' } },
    });
    consumer = new TestConsumer([wantMedia('video', 'ANY'), wantMedia('audio', 'ANY')], 'webrtc/json');
    await server.app.streams.get('camera.12mp_fluent')?.addConsumer(consumer);
    await consumer.waitForPackets(4);
  });
  after(async () => {
    await consumer.stop();
    await server.close();
  });

  it('GET /api decodes as ApplicationInfo (version string, supported range)', async () => {
    const info = (await request(`${server.url}/api`)).json() as Record<string, unknown>;
    assert.equal(typeof info.version, 'string');
    assert.match(String(info.version), /^1\.9\.(1[3-9]|[2-9]\d)/);
  });

  it('GET /api/streams decodes as dict[str, Stream] and matches go2rtc field types', async () => {
    const json = (await request(`${server.url}/api/streams`)).json() as Record<
      string,
      { producers: unknown[] | null; consumers: unknown[] | null }
    >;
    const streams = decodeStreams(json);
    assert.deepEqual(streams.get('camera.12mp_fluent'), ['test:a#video=H264#audio=AAC/16000']);
    assert.deepEqual(streams.get('idle'), ['test:idle']);
    for (const [name, stream] of Object.entries(json)) {
      assert.deepEqual(Object.keys(stream).sort(), ['consumers', 'producers']);
      for (const [i, p] of (stream.producers ?? []).entries()) checkConnection(`${name}.producers[${i}]`, p);
      for (const [i, c] of (stream.consumers ?? []).entries()) checkConnection(`${name}.consumers[${i}]`, c);
    }
    const active = json['camera.12mp_fluent'];
    assert.equal((active?.consumers?.[0] as { format_name: string }).format_name, 'webrtc/json');
  });

  it('GET /api/schemes decodes as set[str]', async () => {
    const schemes = (await request(`${server.url}/api/schemes`)).json();
    assert.ok(Array.isArray(schemes) && schemes.every((s) => typeof s === 'string'));
  });

  it('GET /api/preload decodes as dict[str, Preload{query: str}] with a go2rtc consumer', async () => {
    assert.equal((await request(`${server.url}/api/preload?src=idle`, { method: 'PUT' })).status, 200);
    const json = (await request(`${server.url}/api/preload`)).json() as Record<
      string,
      { query: unknown; consumer: unknown }
    >;
    assert.equal(typeof json.idle?.query, 'string');
    checkConnection('preload.idle.consumer', json.idle?.consumer);
    assert.equal((await request(`${server.url}/api/preload?src=idle`, { method: 'DELETE' })).status, 200);
  });

  it('PUT /api/streams takes the client add() query (name + repeated src)', async () => {
    const query = new URLSearchParams({ name: 'camera.x' });
    query.append('src', 'test:one');
    query.append('src', 'test:two#audio=OPUS/48000/2');
    assert.equal((await request(`${server.url}/api/streams?${query.toString()}`, { method: 'PUT' })).status, 200);
    const streams = decodeStreams((await request(`${server.url}/api/streams`)).json());
    assert.deepEqual(streams.get('camera.x'), ['test:one', 'test:two#audio=OPUS/48000/2']);
  });
});
