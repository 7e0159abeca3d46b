import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, parseArgs, USAGE } from '../../addon/src/cli.js';

const NONE = { configs: [], daemon: false, version: false, help: false };

describe('parseArgs (go2rtc flags, Go flag syntax)', () => {
  it('reads nothing as all defaults', () => assert.deepEqual(parseArgs([]), NONE));

  it('collects every -c/--config value in order, in all Go spellings', () => {
    const argv = [
      '-c',
      'a.yaml',
      '--config',
      '{log: {level: debug}}',
      '-config=log.format=text',
      '--c=b.yaml',
      '-c',
      '-weird',
    ];
    assert.deepEqual(parseArgs(argv).configs, [
      'a.yaml',
      '{log: {level: debug}}',
      'log.format=text',
      'b.yaml',
      '-weird',
    ]);
  });

  it("reads Home Assistant's command line", () => {
    assert.deepEqual(parseArgs(['-c', '/tmp/go2rtc_abc.yaml']), { ...NONE, configs: ['/tmp/go2rtc_abc.yaml'] });
  });

  it("reads the bool flags, with Go's =true/=false forms", () => {
    assert.deepEqual(parseArgs(['-d', '--version', '-h']), { configs: [], daemon: true, version: true, help: true });
    assert.deepEqual(parseArgs(['-daemon=false', '-v=1', '--help=F']), {
      configs: [],
      daemon: false,
      version: true,
      help: false,
    });
  });

  it('stops at --', () => assert.deepEqual(parseArgs(['-d', '--']), { ...NONE, daemon: true }));

  const errors: [string[], string][] = [
    [['-x'], 'unknown flag -x'],
    [['--verbose=3'], 'unknown flag --verbose'],
    [['---c', 'a'], 'unknown flag ---c'],
    [['-c'], 'flag needs a value: -c'],
    [['--config'], 'flag needs a value: -config'],
    [['-d=maybe'], 'invalid value "maybe" for flag -d: expected true or false'],
    [['go2rtc.yaml'], 'unexpected argument "go2rtc.yaml" (did you mean -c go2rtc.yaml?)'],
    [['-'], 'unexpected argument "-"'],
    [['--', 'x'], 'unexpected argument "x"'],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(
        () => parseArgs(argv),
        (e: unknown) => e instanceof CliError && e.code === 'CLI_USAGE' && e.message === message,
      );
    });
  }

  it('documents every flag and the config lookup order', () => {
    for (const text of [
      '-c, --config',
      '-d, --daemon',
      '-v, --version',
      '-h, --help',
      'ts2rtc.yaml',
      'go2rtc.yaml',
      'key.path=value',
    ]) {
      assert.ok(USAGE.includes(text), text);
    }
  });
});
