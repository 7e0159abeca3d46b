import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ClientHandshake,
  HANDSHAKE_SIZE,
  RtmpError,
  ServerHandshake,
  buildHello,
} from '../../../../addon/src/pkg/rtmp/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const FFMPEG_PUBLISH = fixture('ffmpeg_publish_c2s.bin');
const NGINX_PLAY = fixture('nginx_play_s2c.bin');
const RANDOM = Buffer.alloc(HANDSHAKE_SIZE - 8, 0x5a);

describe('handshake', () => {
  it('C0+C1 is version 3, time, four zero bytes, the random bytes', () => {
    const hello = buildHello(RANDOM, 0x01020304);
    assert.equal(hello.length, 1 + HANDSHAKE_SIZE);
    assert.deepEqual(hello.subarray(0, 9), Buffer.from([3, 1, 2, 3, 4, 0, 0, 0, 0]));
    assert.deepEqual(hello.subarray(9), RANDOM);
  });

  it("server: answers ffmpeg's C0+C1 with S0+S1+S2 (S2 echoes C1), then takes C2 and hands over the rest", () => {
    const server = new ServerHandshake(RANDOM);
    const c1 = FFMPEG_PUBLISH.subarray(1, 1 + HANDSHAKE_SIZE);
    const first = server.push(FFMPEG_PUBLISH.subarray(0, 1000));
    assert.deepEqual(first, { done: false });
    const second = server.push(FFMPEG_PUBLISH.subarray(1000, 1 + HANDSHAKE_SIZE + 10));
    assert.equal(second.done, false);
    assert.equal(second.send?.length, 1 + 2 * HANDSHAKE_SIZE);
    assert.equal(second.send?.[0], 3);
    assert.deepEqual(second.send?.subarray(1 + HANDSHAKE_SIZE), c1);
    assert.equal(server.waitingFor, 'C2');
    const done = server.push(FFMPEG_PUBLISH.subarray(1 + HANDSHAKE_SIZE + 10, 1 + 2 * HANDSHAKE_SIZE + 5));
    assert.ok(done.done);
    assert.deepEqual(done.rest, FFMPEG_PUBLISH.subarray(1 + 2 * HANDSHAKE_SIZE, 1 + 2 * HANDSHAKE_SIZE + 5));
  });

  it("client: answers nginx's S0+S1+S2 with C2 = S1", () => {
    const client = new ClientHandshake(RANDOM);
    assert.equal(client.hello().length, 1 + HANDSHAKE_SIZE);
    const step = client.push(NGINX_PLAY.subarray(0, 1 + 2 * HANDSHAKE_SIZE + 3));
    assert.ok(step.done);
    assert.deepEqual(step.send, NGINX_PLAY.subarray(1, 1 + HANDSHAKE_SIZE));
    assert.equal(step.rest.length, 3);
  });

  it('an HTTP request or TLS instead of RTMP fails at once with RTMP_HANDSHAKE and says what it looks like', () => {
    assert.throws(
      () => new ServerHandshake(RANDOM).push(Buffer.from('GET / HTTP/1.1\r\n')),
      (err: RtmpError) => err.code === 'RTMP_HANDSHAKE' && /HTTP/.test(err.message),
    );
    assert.throws(
      () => new ClientHandshake(RANDOM).push(Buffer.from([0x16, 3, 1])),
      (err: RtmpError) => err.code === 'RTMP_HANDSHAKE' && /TLS/.test(err.message),
    );
  });
});
