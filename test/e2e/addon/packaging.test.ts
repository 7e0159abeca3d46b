// Checks the Home Assistant add-on packaging without Docker: the Supervisor's rules for config.yaml,
// that the image is built from addon/ alone, and that the entry script starts the server as meant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ADDON = path.join(ROOT, 'addon');

type Dict = Record<string, unknown>;

const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
const readYaml = (rel: string): Dict => {
  const value: unknown = parseYaml(read(rel));
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${rel} is a mapping`);
  return value as Dict;
};
const readJson = (rel: string): Dict => JSON.parse(read(rel)) as Dict;

const config = readYaml('addon/config.yaml');

/** Dockerfile instructions: comments dropped, continuation lines joined. */
function dockerInstructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
    } else {
      current += line;
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

const dockerfile = read('addon/Dockerfile');
const instructions = dockerInstructions(dockerfile);

test('config.yaml has the keys the Supervisor requires, with valid values', () => {
  for (const key of ['name', 'version', 'slug', 'description', 'arch']) {
    assert.ok(key in config, `config.yaml has ${key}`);
  }
  assert.equal(config['name'], 'ts2rtc');
  assert.equal(config['slug'], 'ts2rtc');
  assert.match(String(config['slug']), /^[a-z0-9_]+$/);
  assert.equal(typeof config['version'], 'string', 'version is quoted, so YAML keeps it a string');
  assert.match(config['version'] as string, /^\d+\.\d+\.\d+$/);
  const arch = config['arch'];
  assert.ok(Array.isArray(arch) && arch.length > 0, 'arch is a non-empty list');
  for (const a of arch) assert.ok(['aarch64', 'amd64'].includes(a as string), `arch ${String(a)} is supported`);
  assert.ok(['initialize', 'system', 'services', 'application', 'once'].includes(config['startup'] as string));
  assert.ok(['auto', 'manual', 'manual_only'].includes(config['boot'] as string));
  if ('url' in config) assert.doesNotThrow(() => new URL(config['url'] as string));
});

test('config.yaml: host network, own init, Ingress to the API port', () => {
  assert.equal(config['init'], false, 'the image runs tini itself');
  assert.equal(config['host_network'], true, 'WebRTC UDP and RTSP need the host network');
  assert.equal(config['ingress'], true);
  assert.equal(config['ingress_port'], 1984, 'Ingress goes to the HTTP server on 1984');
  assert.ok(!('ports' in config), 'no port mapping with host_network');
  assert.match(String(config['panel_icon']), /^mdi:[a-z0-9-]+$/);
  assert.equal(config['homeassistant_api'], true);
});

test('config.yaml: map gives read-only HA config and a writable add-on folder', () => {
  const map = config['map'];
  assert.ok(Array.isArray(map));
  const types = new Set([
    'homeassistant_config',
    'addon_config',
    'ssl',
    'addons',
    'backup',
    'share',
    'media',
    'all_addon_configs',
    'data',
  ]);
  const byType = new Map<string, Dict>();
  for (const entry of map as unknown[]) {
    assert.ok(entry !== null && typeof entry === 'object', 'map entries use the dict form');
    const e = entry as Dict;
    assert.ok(types.has(e['type'] as string), `map type ${String(e['type'])} is known`);
    byType.set(e['type'] as string, e);
  }
  assert.ok(!byType.has('config'), 'legacy config would disable homeassistant_config and addon_config');
  assert.equal(byType.get('homeassistant_config')?.['read_only'], true);
  assert.equal(byType.get('addon_config')?.['read_only'], false);
});

test('config.yaml: options match the schema and the translations', () => {
  const options = config['options'] as Dict;
  const schema = config['schema'] as Dict;
  assert.ok(options && schema);
  for (const key of Object.keys(options)) assert.ok(key in schema, `option ${key} is in schema`);
  for (const [key, type] of Object.entries(schema)) {
    assert.equal(typeof type, 'string', `schema ${key} is a plain type`);
    const t = (type as string).replace(/\?$/, '');
    assert.match(t, /^(str|bool|email|url|password|port|device|(int|float|str)(\(.*\))?|match\(.+\)|list\(.+\))$/);
    if ((type as string).endsWith('?')) assert.ok(!(key in options), `optional ${key} has no default`);
  }
  assert.equal(options['config_file'], '/config/ts2rtc.yaml');
  const translations = readYaml('addon/translations/en.yaml');
  const tconf = translations['configuration'] as Dict;
  for (const key of Object.keys(schema)) {
    const entry = tconf[key] as Dict | undefined;
    assert.ok(entry, `translations/en.yaml describes ${key}`);
    assert.ok(entry['name'] && entry['description'], `${key} has a name and a description`);
  }
});

test('one version everywhere: config.yaml, addon/package.json, CHANGELOG.md, Dockerfile label', () => {
  const version = config['version'] as string;
  assert.equal(readJson('addon/package.json')['version'], version);
  const heading = /^##\s+v?(\d+\.\d+\.\d+)/m.exec(read('addon/CHANGELOG.md'));
  assert.equal(heading?.[1], version, 'the newest CHANGELOG entry is this version');
  assert.match(dockerfile, new RegExp(`io\\.hass\\.version="${version.replace(/\./g, '\\.')}"`));
});

test('Dockerfile: builds from addon/ alone', () => {
  const copies = instructions.filter((i) => /^(COPY|ADD)\s/i.test(i));
  assert.ok(copies.length > 0);
  for (const instr of copies) {
    const words = instr.split(/\s+/).slice(1);
    if (words.some((w) => w.startsWith('--from='))) continue; // from another stage, not the context
    const args = words.filter((w) => !w.startsWith('--'));
    assert.ok(args.length >= 2, instr);
    for (const src of args.slice(0, -1)) {
      assert.ok(!/^[a-z]+:\/\//i.test(src), `${instr}: no downloads`);
      assert.ok(!path.isAbsolute(src), `${instr}: ${src} is relative to addon/`);
      const resolved = path.resolve(ADDON, src);
      assert.ok(resolved === ADDON || resolved.startsWith(ADDON + path.sep), `${instr}: ${src} stays in addon/`);
      assert.ok(existsSync(resolved), `${instr}: ${src} exists in addon/`);
    }
  }
  const froms = instructions.filter((i) => /^FROM\s/i.test(i));
  for (const f of froms) assert.match(f, /^FROM\s+\$\{?BUILD_FROM\}?(\s+AS\s+\w+)?$/i, f);
  assert.match(dockerfile, /^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:[\d.]+$/m, 'BUILD_FROM has a default');
  const entry = instructions.find((i) => /^ENTRYPOINT\s/i.test(i));
  assert.ok(entry?.includes('/run.sh'), 'the entry point is run.sh');
  assert.ok(
    copies.some((c) => /^COPY\s+run\.sh\s+\/run\.sh$/.test(c)),
    'run.sh is copied to /run.sh',
  );
});

test('addon/tsconfig.json is self-contained (the image build sees only addon/)', () => {
  const addonTsconfig = readJson('addon/tsconfig.json');
  assert.equal(addonTsconfig['extends'], './tsconfig.base.json');
  assert.ok(existsSync(path.join(ADDON, 'tsconfig.base.json')));
});

test('Dockerfile: installs the same compiler and type packages as the root package.json', () => {
  const rootDev = (readJson('package.json')['devDependencies'] ?? {}) as Record<string, string>;
  const addonDev = (readJson('addon/package.json')['devDependencies'] ?? {}) as Record<string, string>;
  const pinned = new Map<string, string>();
  for (const m of dockerfile.matchAll(/"((?:@[\w.-]+\/)?[\w.-]+)@([^"]+)"/g)) pinned.set(m[1]!, m[2]!);
  for (const [name, range] of Object.entries(rootDev)) {
    if (name !== 'typescript' && !name.startsWith('@types/')) continue;
    const inImage = addonDev[name] ?? pinned.get(name);
    assert.equal(
      inImage,
      range,
      `${name}@${range} is installed by the image build (Dockerfile or addon devDependencies)`,
    );
  }
});

test('build.yaml: one base image per arch, same Alpine tag as the Dockerfile default', () => {
  const build = readYaml('addon/build.yaml');
  const from = build['build_from'] as Record<string, string>;
  assert.deepEqual(Object.keys(from).sort(), [...(config['arch'] as string[])].sort());
  const tag = /^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:([\d.]+)$/m.exec(dockerfile)?.[1];
  for (const [arch, image] of Object.entries(from)) {
    assert.equal(image, `ghcr.io/home-assistant/${arch}-base:${tag}`);
  }
});

test('run.sh: valid shell, reads the options, starts node dist/main.js', () => {
  const script = path.join(ADDON, 'run.sh');
  for (const shell of ['bash', 'sh']) {
    const r = spawnSync(shell, ['-n', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${shell} -n run.sh: ${r.stderr}`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts2rtc-runsh-'));
  try {
    const run = (options: Dict, args: string[] = []) => {
      writeFileSync(path.join(tmp, 'options.json'), JSON.stringify(options));
      return spawnSync('sh', [script, ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          TS2RTC_OPTIONS: path.join(tmp, 'options.json'),
          TS2RTC_ADDON_CONFIG: path.join(tmp, 'addon_config'),
          TS2RTC_HA_CONFIG: path.join(tmp, 'homeassistant'),
          TS2RTC_APP_DIR: '/opt/ts2rtc',
          TS2RTC_DRY_RUN: '1',
        },
      });
    };
    const lines = (out: string) => out.trimEnd().split('\n');

    let r = run({ config_file: 'ts2rtc.yaml' }, ['--extra']);
    assert.equal(r.status, 0, r.stderr);
    const created = path.join(tmp, 'addon_config', 'ts2rtc.yaml');
    assert.deepEqual(lines(r.stdout).slice(1), ['node', '/opt/ts2rtc/dist/main.js', '-c', created, '--extra']);
    assert.deepEqual(parseYaml(readFileSync(created, 'utf8')), { streams: {} }, 'a starter config is created');

    writeFileSync(created, 'streams:\n  cam: rtsp://127.0.0.1/x\n');
    const haConfig = path.join(tmp, 'homeassistant');
    mkdirSync(haConfig, { recursive: true });
    r = run({ config_file: created, log_level: 'debug' });
    assert.equal(r.status, 0, r.stderr);
    // prettier-ignore
    assert.deepEqual(lines(r.stdout), [
      `cwd=${haConfig}`,
      'node', '/opt/ts2rtc/dist/main.js', '-c', created, '-c', '{"log":{"level":"debug"}}',
    ]);
    assert.match(readFileSync(created, 'utf8'), /cam:/, 'an existing config is left alone');

    writeFileSync(path.join(tmp, 'options.json'), '{not json');
    r = spawnSync('sh', [script], {
      encoding: 'utf8',
      env: { ...process.env, TS2RTC_OPTIONS: path.join(tmp, 'options.json'), TS2RTC_DRY_RUN: '1' },
    });
    assert.notEqual(r.status, 0, 'a broken options.json stops the start');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('repository.yaml makes the repo an add-on repository', () => {
  const repo = readYaml('repository.yaml');
  assert.equal(typeof repo['name'], 'string');
  if ('url' in repo) assert.doesNotThrow(() => new URL(repo['url'] as string));
});

test('no other config.yaml in the repository (the Supervisor takes every one for an add-on)', () => {
  const found: string[] = [];
  const skip = new Set(['node_modules', '.git', '.venv', 'dist', 'tmp']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(path.join(dir, entry.name));
      } else if (entry.name === 'config.yaml' || entry.name === 'config.yml' || entry.name === 'config.json') {
        found.push(path.relative(root, path.join(dir, entry.name)));
      }
    }
  };
  // From the real tree: the tests may run from a transpiled mirror of it, whose other folders are links.
  const root = path.dirname(realpathSync(path.join(ROOT, 'package.json')));
  walk(root);
  assert.deepEqual(found, ['addon/config.yaml']);
});

test('DOCS.md covers install, config file, ports, Ingress and security', () => {
  const docs = read('addon/DOCS.md');
  for (const needle of ['/config/ts2rtc.yaml', '/addon_configs/', '1984', '8554', '8555', 'Ingress', 'Security']) {
    assert.ok(docs.includes(needle), `DOCS.md mentions ${needle}`);
  }
});
