import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  RtspError,
  RtspReader,
  parseAuthorization,
  parseRange,
  parseRequestUri,
  parseRtpInfo,
  parseRtspUrl,
  parseSession,
  parseTransport,
  parseWwwAuthenticate,
  pickChallenge,
  type RtspReadItem,
} from '../../addon/src/pkg/rtsp/index.js';
import { Prng, flipBits, setBytes, setU32, splice, truncate } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * The RTSP reader on mutated captured byte streams (GStreamer and ffmpeg sessions: messages and interleaved
 * frames, both directions): it never throws, reports problems only as RtspError items, and gives the same
 * items whether the input arrives whole or cut at random boundaries. The header value parsers take mutated
 * real header values and may only throw RtspError. No call hangs.
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 1_500;
const SEED = 0x72747370; // 'rtsp'

const capture = (name: string) => readFileSync(new URL(`../unit/pkg/rtsp/fixtures/${name}`, import.meta.url));
/** Overlapping 1.5 KB windows of the captures, so every input stays cheap. */
const streams = [
  'gst_onvif_digest.server.bin',
  'gst_onvif_digest.client.bin',
  'gst_basic.server.bin',
  'ffmpeg_announce_h264_aac.bin',
  'ffmpeg_announce_mjpeg_pcmu.bin',
  'ffmpeg_digest_qop.client.bin',
].flatMap((name) => {
  const data = capture(name);
  const windows: Buffer[] = [];
  for (let at = 0; at < data.length; at += 1000) windows.push(data.subarray(at, at + 1500));
  return windows;
});

const values: Array<{ name: string; seeds: string[]; run: (v: string) => unknown }> = [
  {
    name: 'transport',
    seeds: [
      'RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=55D722BE;mode="PLAY"',
      'RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971, RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16',
    ],
    run: parseTransport,
  },
  { name: 'session', seeds: ['12345678;timeout=60', 'p2OK8+sc1szeJACx'], run: parseSession },
  {
    name: 'rtp-info',
    seeds: [
      'url=rtsp://127.0.0.1:8554/cam/stream=0;seq=1234;rtptime=5678,url=rtsp://127.0.0.1:8554/cam/stream=1;seq=1;rtptime=2',
    ],
    run: parseRtpInfo,
  },
  {
    name: 'range',
    seeds: ['npt=0.000-', 'npt=1:02:03.5-7', 'clock=19961108T142300Z-19961108T143520Z'],
    run: parseRange,
  },
  {
    name: 'www-authenticate',
    seeds: [
      'Digest realm="GStreamer RTSP Server", nonce="717e214cfe13d8d3"',
      'Digest realm="Cam, \\"x\\"", nonce="a", qop="auth,auth-int", algorithm=SHA-256, opaque="o", stale=TRUE',
      'Basic realm="x"',
    ],
    run: (v) => [parseWwwAuthenticate(v), pickChallenge([v, 'Basic realm="y"'])],
  },
  {
    name: 'authorization',
    seeds: [
      'Digest username="admin", realm="IP Camera(C1234)", nonce="a1b2", uri="rtsp://127.0.0.1:18630/live", response="d2475e0a29b9596934591eb4799f7523", algorithm="MD5", qop="auth", cnonce="756a", nc=00000001',
      'Basic YWRtaW46cGE6c3Mgd29yZA==',
    ],
    run: parseAuthorization,
  },
  {
    name: 'url',
    seeds: [
      'rtsp://admin:pa%3Ass%20word@192.168.1.123:554/cam/realmonitor?channel=1&subtype=0',
      'rtsp://rtsp://turret2-cam.lan:554/stream1/',
      'rtsp://::ffff:192.168.1.123/onvif/profile.1/',
      'rtsps://[fe80::1]/x',
    ],
    run: (v) => [parseRequestUri(v), parseRtspUrl(v)],
  },
];

function mutate(rng: Prng, seed: Buffer): Buffer {
  switch (rng.below(7)) {
    case 0:
    case 1:
      return flipBits(rng, seed);
    case 2:
      return setBytes(rng, seed);
    case 3:
      return truncate(rng, seed);
    case 4:
      return setU32(rng, seed);
    case 5:
      return splice(rng, seed);
    default:
      return Buffer.concat([seed.subarray(0, rng.below(seed.length + 1)), rng.bytes(rng.below(64))]);
  }
}

/** Whether two item lists say the same, compared without building big strings. */
function sameItems(a: readonly RtspReadItem[], b: readonly RtspReadItem[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (y === undefined || x.kind !== y.kind) return false;
    switch (x.kind) {
      case 'request':
        return (
          y.kind === 'request' &&
          x.method === y.method &&
          x.uri === y.uri &&
          sameHeaders(x.headers.entries(), y.headers.entries()) &&
          x.body.equals(y.body)
        );
      case 'response':
        return (
          y.kind === 'response' &&
          x.status === y.status &&
          x.reason === y.reason &&
          sameHeaders(x.headers.entries(), y.headers.entries()) &&
          x.body.equals(y.body)
        );
      case 'frame':
        return y.kind === 'frame' && x.channel === y.channel && x.payload.equals(y.payload);
      case 'garbage':
        return y.kind === 'garbage' && x.size === y.size && x.error.code === y.error.code;
      case 'error':
        return y.kind === 'error' && x.error.code === y.error.code;
    }
  });
}

function sameHeaders(a: Array<[string, string]>, b: Array<[string, string]>): boolean {
  return a.length === b.length && a.every(([n, v], i) => b[i]?.[0] === n && b[i]?.[1] === v);
}

/** The reader fed `input` cut at `sizes`: its items (a push that throws is a failure: errors are items). */
function cutPass(input: Buffer, sizes: readonly number[]): RtspReadItem[] {
  const reader = new RtspReader({ maxHeaderSize: 2048, maxBodySize: 4096 });
  const items: RtspReadItem[] = [];
  let pos = 0;
  for (const n of sizes) {
    const chunk = input.subarray(pos, pos + n);
    try {
      items.push(...reader.push(chunk));
    } catch (error) {
      throw new Error(`push threw ${String(error)}`, { cause: error });
    }
    pos += n;
  }
  return items;
}

const kinds: Record<string, number> = {};

const targets: FuzzTarget[] = [
  {
    name: 'RtspReader',
    seeds: streams,
    mutate,
    run: (input, rng) => {
      const whole = cutPass(input, [input.length]);
      const small = rng.below(10) === 0 ? 1 + rng.below(8) : 0;
      const sizes: number[] = [];
      for (let pos = 0; pos < input.length;) {
        const n = small > 0 ? small : 1 + rng.below(1500);
        sizes.push(n);
        pos += n;
      }
      assert.ok(sameItems(cutPass(input, sizes), whole), 'chunking changed the result');
      for (const item of whole) {
        if (item.kind === 'garbage' || item.kind === 'error') assert.ok(item.error instanceof RtspError);
        kinds[item.kind] = (kinds[item.kind] ?? 0) + 1;
      }
    },
  },
  ...values.map((v): FuzzTarget => ({
    name: v.name,
    seeds: v.seeds.map((text) => Buffer.from(text, 'latin1')),
    mutate,
    run: (input) => void v.run(input.toString('latin1')),
  })),
];

describe('rtsp fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs per target: the reader gives the same items whole and cut, errors only as RtspError`, (t) => {
    const stats = fuzzTargets({
      parser: 'rtsp',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof RtspError,
    });
    const reader = stats.get('RtspReader');
    if (reader !== undefined) {
      assert.equal(reader.failed, 0, 'the reader reports errors as items, it never throws');
      const floor = reader.ok / 20;
      for (const kind of ['request', 'response', 'frame', 'garbage'])
        assert.ok((kinds[kind] ?? 0) > floor, `${kind}: ${kinds[kind] ?? 0}`);
      assert.ok((kinds['error'] ?? 0) > 0, `fatal errors: ${kinds['error'] ?? 0}`);
    }
    for (const [name, s] of stats)
      if (name !== 'RtspReader') assert.ok(s.ok > s.failed / 20, `${name}: ${s.ok} accepted, ${s.failed} rejected`);
    t.diagnostic(`${describeStats(stats)}; reader items ${JSON.stringify(kinds)}`);
  });
});
