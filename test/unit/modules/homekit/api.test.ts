import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { homekit, HomekitProducer } from '../../../../addon/src/modules/homekit/index.js';
import { startApi, type RunningApi } from '../../../helpers/api-server.js';
import { freeTcpPort } from '../../../peers/ports.js';

/**
 * The HomeKit API's answers that need no camera: missing parameters, unknown and non-HomeKit streams, an
 * accessory that is not there (a closed loopback port), and an unpaired URL as a source. The real camera's
 * paths are in test/e2e/homekit.
 */
describe('homekit API: typed errors', () => {
  let server: RunningApi;
  let closedPort: number;

  before(async () => {
    closedPort = await freeTcpPort();
    server = await startApi({
      config: { streams: { plain: 'test:video' } },
      tuning: { homekit: { requestTimeoutMs: 2000 } },
      beforeStart: (_api, app) => void app.add(homekit),
    });
  });
  after(async () => {
    await server?.close();
  });

  const call = async (method: string, query: string): Promise<{ status: number; code?: string; error?: string }> => {
    const res = await fetch(`${server.url}/api/homekit?${query}`, { method });
    const text = await res.text();
    return { status: res.status, ...(text ? (JSON.parse(text) as { code?: string; error?: string }) : {}) };
  };

  it('POST without id, src or pin: 400 BAD_REQUEST', async () => {
    assert.deepEqual((await call('POST', 'src=homekit://127.0.0.1:1&pin=031-45-154')).code, 'BAD_REQUEST');
    assert.deepEqual((await call('POST', 'id=x&pin=031-45-154')).code, 'BAD_REQUEST');
    assert.deepEqual((await call('POST', 'id=x&src=homekit://127.0.0.1:1')).code, 'BAD_REQUEST');
  });

  it('POST to a src that is not homekit://: 400 HAP_URL_INVALID', async () => {
    const answer = await call('POST', `id=x&src=${encodeURIComponent('rtsp://127.0.0.1/x')}&pin=031-45-154`);
    assert.equal(answer.status, 400);
    assert.equal(answer.code, 'HAP_URL_INVALID');
  });

  it('POST with a name taken by a stream that is not HomeKit: 409 HOMEKIT_STREAM_EXISTS', async () => {
    const answer = await call(
      'POST',
      `id=plain&src=${encodeURIComponent(`homekit://127.0.0.1:${closedPort}?device_id=AA`)}&pin=031-45-154`,
    );
    assert.equal(answer.status, 409);
    assert.equal(answer.code, 'HOMEKIT_STREAM_EXISTS');
  });

  it('POST to an accessory that is not there: 502 HAP_CONNECTION_CLOSED, nothing created', async () => {
    const answer = await call(
      'POST',
      `id=gone&src=${encodeURIComponent(`homekit://127.0.0.1:${closedPort}?device_id=AA`)}&pin=031-45-154`,
    );
    assert.equal(answer.status, 502);
    assert.equal(answer.code, 'HAP_CONNECTION_CLOSED');
    assert.equal(server.app.streams.get('gone'), undefined);
  });

  it('DELETE of an unknown stream: 404 HOMEKIT_STREAM_NOT_FOUND; of a non-HomeKit one: 400 HOMEKIT_NOT_PAIRED', async () => {
    assert.deepEqual(await call('DELETE', 'id=nothing').then((a) => [a.status, a.code]), [
      404,
      'HOMEKIT_STREAM_NOT_FOUND',
    ]);
    assert.deepEqual(await call('DELETE', 'id=plain').then((a) => [a.status, a.code]), [400, 'HOMEKIT_NOT_PAIRED']);
  });

  it('an unpaired homekit:// URL, or one with broken keys, cannot open: HAP_URL_INVALID', async () => {
    await assert.rejects(
      HomekitProducer.open(`homekit://127.0.0.1:${closedPort}?device_id=AA:BB`),
      /HAP_URL_INVALID: client_id is missing/,
    );
    await assert.rejects(
      HomekitProducer.open(
        `homekit://127.0.0.1:${closedPort}?client_id=a&client_private=zz&device_id=b&device_public=${'00'.repeat(32)}`,
      ),
      /HAP_URL_INVALID: client_private/,
    );
  });

  it('a paired URL whose accessory is not there: HAP_CONNECTION_CLOSED', async () => {
    const url = `homekit://127.0.0.1:${closedPort}?client_id=a&client_private=${'11'.repeat(64)}&device_id=b&device_public=${'00'.repeat(32)}`;
    await assert.rejects(
      HomekitProducer.open(url),
      (err: unknown) => (err as { code?: string }).code === 'HAP_CONNECTION_CLOSED',
    );
  });
});
