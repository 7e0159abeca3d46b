import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeAmf0 } from '../../../../addon/src/pkg/flv/index.js';
import {
  ChunkReader,
  ChunkWriter,
  HANDSHAKE_SIZE,
  MAX_MESSAGE_SIZE,
  RtmpError,
  parseCommand,
  type RtmpMessage,
} from '../../../../addon/src/pkg/rtmp/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const AFTER_HANDSHAKE = 1 + 2 * HANDSHAKE_SIZE;
/** ffmpeg 5.1 publishing to nginx-rtmp (client → server bytes, handshake included), first 40000 bytes. */
const FFMPEG_PUBLISH = fixture('ffmpeg_publish_c2s.bin');
/** nginx-rtmp 1.2.2 to a playing ffmpeg (server → client bytes, handshake included), first 40000 bytes. */
const NGINX_PLAY = fixture('nginx_play_s2c.bin');

const summary = (messages: RtmpMessage[]) =>
  messages.map((m) => [m.csid, m.type, m.timestamp, m.streamId, m.payload.length]);

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof RtmpError, String(err));
    return err.code;
  }
}

describe('ChunkReader', () => {
  it('reads ffmpeg publishing: connect … publish, metadata, sequence headers, frames, after its chunk size change', () => {
    const reader = new ChunkReader();
    const messages = reader.push(FFMPEG_PUBLISH.subarray(AFTER_HANDSHAKE));
    assert.equal(reader.peerChunkSize, 4096);
    assert.deepEqual(
      messages.slice(0, 6).map((m) => (m.type === 20 ? parseCommand(20, m.payload).name : m.type)),
      ['connect', 1, 'releaseStream', 'FCPublish', 'createStream', 'publish'],
    );
    assert.deepEqual(summary(messages.slice(6, 11)), [
      [4, 18, 0, 1, 309],
      [6, 9, 0, 1, 44],
      [4, 8, 0, 1, 7],
      [4, 8, 0, 1, 269],
      [6, 9, 64, 1, 4966],
    ]);
    assert.deepEqual(decodeAmf0(messages[6]?.payload ?? Buffer.alloc(0)).slice(0, 2), ['@setDataFrame', 'onMetaData']);
    assert.equal(messages.length, 45);
  });

  it('reads nginx-rtmp playing out (type 0, 1 and 3 headers across interleaved audio and video) with the right timestamps', () => {
    const reader = new ChunkReader();
    const messages = reader.push(NGINX_PLAY.subarray(AFTER_HANDSHAKE));
    assert.deepEqual(summary(messages.slice(0, 3)), [
      [2, 5, 0, 0, 4],
      [2, 6, 0, 0, 5],
      [2, 1, 0, 0, 4],
    ]);
    const video = messages.filter((m) => m.type === 9).map((m) => m.timestamp);
    const audio = messages.filter((m) => m.type === 8).map((m) => m.timestamp);
    assert.deepEqual(video.slice(0, 5), [1024, 1064, 1104, 1144, 1184]);
    for (let i = 1; i < video.length; i++) assert.equal((video[i] ?? 0) - (video[i - 1] ?? 0), 40, `video ${i}`);
    assert.deepEqual(audio.slice(0, 3), [960, 1024, 1088]);
    assert.equal(messages.length, 51);
  });

  it('gives the same messages whatever the socket reads are cut into', () => {
    const data = NGINX_PLAY.subarray(AFTER_HANDSHAKE);
    const whole = new ChunkReader().push(data);
    for (const step of [1, 7, 1000]) {
      const reader = new ChunkReader();
      const pieces: RtmpMessage[] = [];
      for (let i = 0; i < data.length; i += step) pieces.push(...reader.push(data.subarray(i, i + step)));
      assert.deepEqual(summary(pieces), summary(whole), `step ${step}`);
      assert.deepEqual(
        pieces.map((m) => m.payload),
        whole.map((m) => m.payload),
      );
    }
  });

  it('applies the four header types from exact bytes (type 3 after type 0 repeats its timestamp as a delta)', () => {
    const reader = new ChunkReader();
    const messages = reader.push(
      hex(
        [
          '04 000064 000003 08 01000000 aabbcc', // type 0: ts 100, 3 bytes, audio, stream 1
          '84 000014 ddeeff', // type 2: +20
          'c4 112233', // type 3: +20 again
          '44 00000a 000002 09 1122', // type 1: +10, 2 bytes, video
          '05 000005 000001 08 01000000 99', // type 0 on csid 5: ts 5
          'c5 98', // type 3 new message after type 0: delta = 5
        ].join(''),
      ),
    );
    assert.deepEqual(summary(messages), [
      [4, 8, 100, 1, 3],
      [4, 8, 120, 1, 3],
      [4, 8, 140, 1, 3],
      [4, 9, 150, 1, 2],
      [5, 8, 5, 1, 1],
      [5, 8, 10, 1, 1],
    ]);
  });

  it('reads 2- and 3-byte chunk stream ids, extended timestamps, and a message split across chunks', () => {
    const reader = new ChunkReader();
    const body = Buffer.alloc(200, 7);
    const messages = reader.push(
      Buffer.concat([
        hex('00 00 000001 000001 12 00000000 ff'), // csid 64
        hex('01 0001 000001 000001 12 00000000 ee'), // csid 64 + 256
        hex('06 ffffff 0000c8 09 01000000 01000000'), // extended ts 0x01000000, 200 bytes
        body.subarray(0, 128),
        hex('c6 01000000'), // type 3 continuation repeats the extended timestamp
        body.subarray(128),
      ]),
    );
    assert.deepEqual(summary(messages), [
      [64, 18, 1, 0, 1],
      [320, 18, 1, 0, 1],
      [6, 9, 0x01000000, 1, 200],
    ]);
    assert.deepEqual(messages[2]?.payload, body);
  });

  it('refuses what no peer sends: type 1 on a fresh chunk stream, chunk size 0, a message over the cap', () => {
    assert.equal(
      code(() => new ChunkReader().push(hex('44 000000 000001 09 00'))),
      'RTMP_CHUNK',
    );
    assert.equal(
      code(() => new ChunkReader().push(hex('02 000000 000004 01 00000000 00000000'))),
      'RTMP_LIMIT',
    );
    const big = Buffer.alloc(3);
    big.writeUIntBE(MAX_MESSAGE_SIZE + 1, 0, 3);
    assert.equal(
      code(() => new ChunkReader().push(Buffer.concat([hex('04 000000'), big, hex('09 01000000')]))),
      'RTMP_LIMIT',
    );
  });
});

describe('ChunkWriter', () => {
  it('writes type 0 then type 3 chunks byte for byte', () => {
    const writer = new ChunkWriter();
    const small = Buffer.concat(writer.write(3, { type: 20, timestamp: 0, streamId: 0, payload: hex('0500') }));
    assert.deepEqual(small, hex('03 000000 000002 14 00000000 0500'));
    writer.chunkSize = 2;
    const split = Buffer.concat(writer.write(6, { type: 9, timestamp: 0x123, streamId: 1, payload: hex('aabbcc') }));
    assert.deepEqual(split, hex('06 000123 000003 09 01000000 aabb c6 cc'));
    const extended = Buffer.concat(
      writer.write(70, { type: 8, timestamp: 0x01000000, streamId: 1, payload: hex('aabbcc') }),
    );
    assert.deepEqual(extended, hex('00 06 ffffff 000003 08 01000000 01000000 aabb c0 06 01000000 cc'));
  });

  it('round-trips through the reader at any chunk size', () => {
    const messages = new ChunkReader().push(FFMPEG_PUBLISH.subarray(AFTER_HANDSHAKE)).filter((m) => m.type !== 1);
    for (const size of [1, 128, 4096]) {
      const writer = new ChunkWriter();
      const reader = new ChunkReader();
      const setSize = Buffer.alloc(4);
      setSize.writeUInt32BE(size);
      const bytes: Buffer[] = [
        Buffer.concat(writer.write(2, { type: 1, timestamp: 0, streamId: 0, payload: setSize })),
      ];
      writer.chunkSize = size;
      for (const m of messages) bytes.push(...writer.write(m.csid, m));
      const back = reader.push(Buffer.concat(bytes)).slice(1);
      assert.deepEqual(summary(back), summary(messages), `chunk size ${size}`);
    }
  });
});
