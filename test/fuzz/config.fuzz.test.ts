import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'node:test';
import { parseDocument, stringify } from 'yaml';
import { maskConfigText, restoreMaskedSecrets } from '../../addon/src/core/creds.js';
import { ConfigError } from '../../addon/src/config/errors.js';
import { loadConfigText } from '../../addon/src/config/load.js';
import { setYamlValue } from '../../addon/src/config/yaml-edit.js';
import type { YamlValue } from '../../addon/src/config/tree.js';
import type { Prng } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Random and mutated YAML through the config loader and the config editor. Only ConfigError may come
 * out, its position must be real, and no input hangs. FUZZ_SEED changes the run's inputs.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x7e2c0f1d);
/** Per target (loader, editor); FUZZ_INPUTS for the long mode. */
const INPUTS = 1_000;

const SEEDS = [
  `api:\n  listen: ":1984"\n  base_path: /go2rtc\n  origin: "*"\nrtsp:\n  listen: ":8554"\n  pkt_size: 1200\n`,
  `streams:\n  front: rtsp://admin:\${PASS}@192.168.1.10/stream1   # main\n  back:\n    - rtsp://b/1\n    - ffmpeg:back#audio=opus\n  garage:\n`,
  `webrtc:\n  listen: ":8555/tcp"\n  candidates:\n    - 192.168.1.10:8555\n    - stun:8555\n  ice_servers:\n    - urls: [stun:stun.l.google.com:19302]\n    - urls: turn:1.2.3.4:3478\n      username: u\n      credential: p\n  filters:\n    networks: [udp4, tcp4]\n    udp_ports: [50000, 50100]\n`,
  `log:\n  level: debug\n  format: text\n  api: trace\n  rtsp: warn\n  time: ""\nffmpeg:\n  bin: /usr/bin/ffmpeg\n  h264: "-c:v libx264 -g 30"\n`,
  `x-base: &base\n  listen: ":1"\nrtsp:\n  <<: *base\n  username: admin\nsrtp: {listen: ":8443"}\nhomekit:\n  cam1:\n    pin: 12345678\n    pairings: [a, b]\n`,
  `{"api": {"listen": ":1984"}, "streams": {"a": ["rtsp://a", "rtsp://b"]}, "preload": {"a": "video"}}`,
  `env:\n  PASS: secret\nexec:\n  allow_paths: [ffmpeg]\npublish:\n  cam: rtmp://x/live\nts2rtc:\n  allow_insecure_api_sources: no\n`,
  `block: |\n  line1\n  line2\nfolded: >-\n  a\n  b\n? complex\n: value\n"quoted key": 'single'\n`,
  `streams:\n  a: rtsp://admin:pw1@10.0.0.1/1 # cam\n  b: [rtsp://u:pw2@h/1, "rtsp://u:pw3@h/1"]\n  k: homekit://h:1?client_private=abc&device_id=d\n  t: https://TOK@cloud/x\nrtsp:\n  password: 'p''w'\nwebrtc:\n  ice_servers:\n    - {urls: [turn:h], username: u, credential: "c\\"d"}\n    - urls: turn:h2\n      credential: plain pw\nngrok:\n  command: ngrok tcp 1 --authtoken TOK2\n`,
];

// prettier-ignore
const TOKENS = [
  ':', ': ', '- ', '-', '{', '}', '[', ']', ',', '&a ', '*a', '&b ', '*b', '<<: ', '<<: *a', '!!str ', '!!int ', '!!map ', '!tag ',
  '"', "'", '#', '\n', '  ', '    ', '\t', '${X}', '${X:d}', '${', '}', '---\n', '...\n', '? ', '|', '>', '%YAML 1.2\n',
  'null', '~', 'true', 'no', '0x1F', '1e400', '-.inf', '.nan', '12345678901234567890', '"\\u0000"', '\u00a0', '日本', '🎥', '\r\n',
  'api', 'streams', 'listen', 'log', 'level', 'webrtc', 'ice_servers', 'urls', '__proto__', 'constructor',
];

const KEYS: Record<string, string[]> = {
  api: ['listen', 'username', 'password', 'local_auth', 'base_path', 'origin', 'allow_paths', 'bogus'],
  rtsp: ['listen', 'default_query', 'pkt_size', 'password'],
  webrtc: ['listen', 'candidates', 'ice_servers', 'filters'],
  log: ['level', 'format', 'output', 'time', 'api', 'rtsp'],
  streams: ['a', 'b', 'camera.hall', '__proto__'],
  ffmpeg: ['bin', 'h264', 'global'],
  homekit: ['cam'],
  preload: ['a'],
  env: ['X'],
  app: ['modules'],
  wyze: ['x'],
  mp4: ['x'],
};

function fuzzer(next: () => number) {
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  const randomValue = (depth: number): YamlValue => {
    const r = int(depth > 2 ? 6 : 9);
    if (r === 0) return null;
    if (r === 1) return next() < 0.5;
    if (r === 2) return int(100_000) - 1000;
    if (r === 3) return pick(['', ':1984', 'rtsp://a/b', 'trace', 'yes', '[x]', 'a: b', '# c', ' ', '${X}', '\n']);
    if (r === 4) return next() * 1e6;
    if (r === 5) return pick(TOKENS);
    if (r === 6) return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    const obj: { [k: string]: YamlValue } = {};
    for (let i = int(4); i > 0; i--) {
      Object.defineProperty(obj, pick([...Object.keys(KEYS), ...Object.values(KEYS).flat()]), {
        value: randomValue(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return obj;
  };

  /** A config made of real keys with random value types, as valid YAML text. */
  const structured = (): string => {
    const root: { [k: string]: YamlValue } = {};
    for (let i = 1 + int(4); i > 0; i--) {
      const section = pick(Object.keys(KEYS));
      const body: { [k: string]: YamlValue } = {};
      for (let j = int(4); j > 0; j--) {
        Object.defineProperty(body, pick(KEYS[section] ?? ['x']), {
          value: randomValue(1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      root[section] = next() < 0.1 ? randomValue(1) : body;
    }
    return stringify(root, { lineWidth: 0 });
  };

  const mutate = (text: string): string => {
    let out = text;
    for (let n = 1 + int(4); n > 0; n--) {
      const at = int(out.length + 1);
      const lines = out.split('\n');
      switch (int(7)) {
        case 0:
          out = out.slice(0, at) + out.slice(at + 1 + int(8));
          break;
        case 1:
          out = out.slice(0, at) + pick(TOKENS) + out.slice(at);
          break;
        case 2: {
          const i = int(lines.length);
          lines.splice(i, 0, lines[int(lines.length)] ?? '');
          out = lines.join('\n');
          break;
        }
        case 3: {
          const i = int(lines.length);
          lines[i] = ' '.repeat(int(6)) + (lines[i] ?? '').trimStart();
          out = lines.join('\n');
          break;
        }
        case 4:
          out = out.slice(0, at) + String.fromCharCode(int(0x80)) + out.slice(at);
          break;
        case 5: {
          const i = int(lines.length);
          const j = int(lines.length);
          [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
          out = lines.join('\n');
          break;
        }
        default:
          out = out.replace(/: [^\n]*/, `: ${pick(TOKENS)}`);
      }
    }
    return out;
  };

  const text = (): string => {
    const r = next();
    if (r < 0.55) return mutate(pick(SEEDS));
    if (r < 0.85) return next() < 0.5 ? structured() : mutate(structured());
    return Array.from({ length: int(40) }, () => pick(TOKENS)).join('');
  };

  return { int, pick, randomValue, text };
}

function assertConfigError(err: unknown, input: string): void {
  if (!(err instanceof ConfigError)) {
    assert.fail(`non-ConfigError for seed ${SEED}: ${String(err)}\ninput: ${JSON.stringify(input)}`);
  }
  assert.ok(err.message.startsWith('config '), err.message);
  if (err.line !== undefined) {
    assert.ok(err.line >= 1 && err.line <= input.split('\n').length, `line ${err.line} outside input: ${err.message}`);
    assert.ok((err.column ?? 0) >= 1, `column ${String(err.column)}: ${err.message}`);
  }
}

/** The generator draws from whichever PRNG the loop hands it: the mutation's, or the input's own in `run`. */
let current: Prng | undefined;
const f = fuzzer(() => (current?.u32() ?? 0) / 2 ** 32);
const generate = (rng: Prng): Buffer => {
  current = rng;
  return Buffer.from(f.text(), 'utf8');
};

describe(`config fuzz (seed ${SEED})`, () => {
  it(`loads the corpus, then ${fuzzInputs(INPUTS)} random and mutated configs, and applies as many edits: only ConfigError, none hangs`, (t) => {
    let loaded = 0;
    let edited = 0;
    const stats = fuzzTargets({
      parser: 'config',
      seed: SEED,
      ciInputs: INPUTS,
      typed: (e) => e instanceof ConfigError,
      targets: [
        {
          name: 'loadConfigText',
          seeds: SEEDS.map((text) => Buffer.from(text)),
          mutate: generate,
          run: (bytes) => {
            const input = bytes.toString('utf8');
            try {
              const { config, warnings } = loadConfigText(input, { label: 'fuzz.yaml', env: { X: 'x', PASS: 'p' } });
              assert.equal(typeof config.api.listen, 'string');
              for (const w of warnings) assert.ok(w.line >= 1 && w.column >= 1, JSON.stringify(w));
              loaded++;
            } catch (err) {
              if (err instanceof ConfigError) assertConfigError(err, input);
              throw err;
            }
          },
        },
        {
          // The edited key reads back, everything else still parses.
          name: 'setYamlValue',
          seeds: SEEDS.map((text) => Buffer.from(text)),
          mutate: generate,
          run: (bytes, rng) => {
            const input = bytes.toString('utf8');
            current = rng;
            const section = f.pick(Object.keys(KEYS));
            const keys = f.int(5) === 0 ? [section] : [section, f.pick(KEYS[section] ?? ['x'])];
            const value = f.int(6) === 0 ? undefined : f.randomValue(1);
            let out: string;
            try {
              out = setYamlValue(input, keys, value, 'fuzz.yaml');
            } catch (err) {
              if (err instanceof ConfigError) assertConfigError(err, input);
              throw err;
            }
            const doc = parseDocument(out, { merge: true, uniqueKeys: true });
            assert.deepEqual(doc.errors, [], `edit broke the YAML: ${JSON.stringify(input)} → ${JSON.stringify(out)}`);
            let got: unknown;
            try {
              got = JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: -1 }) ?? {}));
            } catch {
              return; // the input itself has a bad merge key or alias: the YAML parses, there is no data to compare
            }
            const at = keys.reduce<unknown>(
              (acc, k) =>
                acc !== null && typeof acc === 'object' && Object.hasOwn(acc, k)
                  ? (acc as Record<string, unknown>)[k]
                  : undefined,
              got,
            );
            // Merge keys can supply a deleted key again, and explicit tags (`!!int key`) give keys another value
            // in the yaml library than their text; both make a read-back meaningless.
            if (/<<|!!/.test(input)) return;
            const want: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
            assert.ok(
              isDeepStrictEqual(at, want),
              `${JSON.stringify(keys)} = ${JSON.stringify(want)}, read back ${JSON.stringify(at)}\ninput: ${JSON.stringify(input)}\noutput: ${JSON.stringify(out)}`,
            );
            edited++;
          },
        },
        {
          // GET /api/config's masking, and the merge-back of a save that did not touch the text: the same file.
          name: 'maskConfigText/restoreMaskedSecrets',
          seeds: SEEDS.map((text) => Buffer.from(text)),
          mutate: generate,
          run: (bytes) => {
            const input = bytes.toString('utf8');
            const restored = restoreMaskedSecrets(maskConfigText(input), input);
            assert.deepEqual(restored.unresolved, [], 'a *** of the masked file itself could not be placed');
            assert.equal(restored.text, input, 'mask then restore changed the file');
          },
        },
      ],
    });
    // Both paths must be exercised, or the generator has drifted.
    const load = stats.get('loadConfigText');
    if (load !== undefined)
      assert.ok(
        load.ok > (load.ok + load.failed) / 20 && load.failed > (load.ok + load.failed) / 20,
        `ok=${load.ok} rejected=${load.failed}`,
      );
    const edit = stats.get('setYamlValue');
    if (edit !== undefined) assert.ok(edited > (edit.ok + edit.failed) / 10, `only ${edited} edits applied`);
    t.diagnostic(`${describeStats(stats)}; ${loaded} loaded, ${edited} edits read back`);
  });
});
