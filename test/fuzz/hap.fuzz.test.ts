import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTlv,
  encodeTlv,
  FrameOpener,
  FrameSealer,
  HapError,
  HapMessageReader,
  parseSetupEndpointsResponse,
  parseStreamingStatus,
  parseSupportedAudio,
  parseSupportedVideo,
} from '../../addon/src/pkg/hap/index.js';
import { HANG_MS, Prng, mutateSeed, timed } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * pkg/hap's parsers on mutated input: TLV8 (and the camera TLVs built on it), the session frame opener and
 * the HTTP reader. Each input either parses or throws HapError with the parser's code; nothing else, and no
 * call hangs (HANG_MS). Inputs are counted, speed is not asserted.
 */
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
const TLV_SEEDS = [
  b64('AT4BAQACHQEBAAAAAQEBAAABAQICAQAAAAIBAQAAAgECAwEAAwsBAoACAgJoAQMBGQAAAwsBAkABAgLwAAMBDw=='),
  b64('AQ4BAQMCCQEBAQIBAAMBAQIBAA=='),
  b64('AQEA'),
  Buffer.from(
    '011011111111111111111111111111111111020100031601010002093132372e302e302e31030250c3040252c304250101000210aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa030ebbbbbbbbbbbbbbbbbbbbbbbbbbbb05250101000210cccccccccccccccccccccccccccccccc030edddddddddddddddddddddddddddd0604b548690107044f69d805',
    'hex',
  ),
  encodeTlv([[6, 2], [2, Buffer.alloc(16, 1)], [3, Buffer.alloc(384, 2)]]),
];

function isHapError(err: unknown, codes: readonly string[]): boolean {
  return err instanceof HapError && codes.includes(err.code);
}

describe('fuzz: pkg/hap', () => {
  it('TLV8 and the camera TLVs: 150000 mutated values', () => {
    const ITERATIONS = fuzzInputs(150_000);
    const rng = new Prng(0x686170);
    const counts = { ok: 0, typed: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutateSeed(rng, rng.pick(TLV_SEEDS));
      const parser = rng.below(5);
      const { ms, error } = timed(() => {
        if (parser === 0) {
          const items = decodeTlv(input);
          // Values never hold more bytes than the input had.
          assert.ok(items.reduce((n, item) => n + item.value.length + 2, 0) <= input.length + 2 * items.length);
        } else if (parser === 1) parseSupportedVideo(input);
        else if (parser === 2) parseSupportedAudio(input);
        else if (parser === 3) parseSetupEndpointsResponse(input);
        else parseStreamingStatus(input);
      });
      assert.ok(ms < HANG_MS, `iteration ${i}: ${ms} ms`);
      if (error === undefined) counts.ok++;
      else if (isHapError(error, ['HAP_TLV_INVALID'])) counts.typed++;
      else throw new Error(`iteration ${i} (parser ${parser}, input ${input.toString('hex')}): ${String(error)}`);
    }
    console.log(`hap tlv fuzz: ${ITERATIONS} inputs, ${counts.ok} parsed, ${counts.typed} HAP_TLV_INVALID`);
    assert.equal(counts.ok + counts.typed, ITERATIONS);
    assert.ok(counts.ok > 0 && counts.typed > 0);
  });

  it('session frames: 100000 mutated frame streams in random splits', () => {
    const ITERATIONS = fuzzInputs(100_000);
    const rng = new Prng(0x6672616d);
    const key = Buffer.alloc(32, 1);
    const sealer = new FrameSealer(key);
    const stream = Buffer.concat([sealer.seal(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')), sealer.seal(Buffer.alloc(1500, 0x41))]);
    const seeds = [stream, stream.subarray(0, 46), stream.subarray(46)];
    const counts = { frames: 0, typed: 0, clean: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      // Untouched streams now and then: they must open completely.
      const pristine = rng.below(50) === 0;
      const input = pristine ? stream : mutateSeed(rng, rng.pick(seeds));
      const cut = rng.below(input.length + 1);
      const opener = new FrameOpener(key);
      const { ms, error } = timed(() => {
        const out = [...opener.push(input.subarray(0, cut)), ...opener.push(input.subarray(cut))];
        counts.frames += out.length;
        for (const plain of out) assert.ok(plain.length <= 1024);
        if (pristine) assert.equal(out.length, 3);
      });
      assert.ok(ms < HANG_MS, `iteration ${i}: ${ms} ms`);
      if (error === undefined) counts.clean++;
      else if (isHapError(error, ['HAP_FRAME_INVALID'])) counts.typed++;
      else throw new Error(`iteration ${i} (cut ${cut}, input ${input.toString('hex')}): ${String(error)}`);
    }
    console.log(`hap frame fuzz: ${ITERATIONS} inputs, ${counts.clean} without error, ${counts.typed} HAP_FRAME_INVALID, ${counts.frames} frames opened`);
    assert.equal(counts.clean + counts.typed, ITERATIONS);
    assert.ok(counts.typed > 0 && counts.frames > 0);
  });

  it('HTTP reader: 100000 mutated answer streams', () => {
    const ITERATIONS = fuzzInputs(100_000);
    const rng = new Prng(0x68747470);
    const seeds = [
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 21\r\n\r\n{"characteristics":[]}HTTP/1.1 204 No Content\r\n\r\n'),
      Buffer.from('EVENT/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
    ];
    const counts = { messages: 0, typed: 0, clean: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutateSeed(rng, rng.pick(seeds));
      const cut = rng.below(input.length + 1);
      const reader = new HapMessageReader();
      const { ms, error } = timed(() => {
        counts.messages += reader.push(input.subarray(0, cut)).length + reader.push(input.subarray(cut)).length;
      });
      assert.ok(ms < HANG_MS, `iteration ${i}: ${ms} ms`);
      if (error === undefined) counts.clean++;
      else if (isHapError(error, ['HAP_HTTP_INVALID'])) counts.typed++;
      else throw new Error(`iteration ${i}: ${String(error)}`);
    }
    console.log(`hap http fuzz: ${ITERATIONS} inputs, ${counts.messages} messages, ${counts.typed} HAP_HTTP_INVALID`);
    assert.ok(counts.messages > 0 && counts.typed > 0);
  });
});
