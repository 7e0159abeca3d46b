import { Ts2rtcError } from './core/errors.js';

/**
 * Command-line flags, the same as go2rtc's (internal/app/app.go) so scripts and the Home Assistant
 * integration (`-c /tmp/go2rtc_*.yaml`) can start ts2rtc unchanged. Parsing follows Go's flag package:
 * one or two dashes, `-c value` or `-c=value`, bool flags take `=true/false`, `--` ends the flags.
 * Pure: main.ts prints USAGE or the version and acts on the result.
 */
export interface CliArgs {
  /** Every -c/--config value in order: file paths, inline YAML/JSON, or key.path=value. */
  readonly configs: string[];
  readonly daemon: boolean;
  readonly version: boolean;
  readonly help: boolean;
}

export class CliError extends Ts2rtcError {
  declare readonly code: 'CLI_USAGE';
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

export const USAGE = `Usage: ts2rtc [flags]

  -c, --config VALUE  Config file path, inline YAML/JSON ("{log: {level: debug}}") or key.path=value
                      (log.level=debug). Repeatable; later values override earlier ones: maps merge,
                      lists and other values replace.
  -d, --daemon        Run in the background (not on Windows).
  -v, --version       Print the version and exit.
  -h, --help          Print this help and exit.

Config lookup:
  Without -c, ts2rtc reads ts2rtc.yaml from the working directory, or go2rtc.yaml if there is no
  ts2rtc.yaml. With -c, only the values given are read.
  API edits (PUT /api/streams, /api/config) go to the first config file given, or to the file found
  above (ts2rtc.yaml when neither exists); with inline values only, there is none.
  \${NAME} and \${NAME:default} in config files are replaced from env: sections, from files in
  $CREDENTIALS_DIRECTORY, and from the environment.
`;

type FlagName = 'config' | 'daemon' | 'version' | 'help';

const FLAGS: Readonly<Record<string, FlagName>> = {
  c: 'config',
  config: 'config',
  d: 'daemon',
  daemon: 'daemon',
  v: 'version',
  version: 'version',
  h: 'help',
  help: 'help',
};

// strconv.ParseBool, which Go's flag package uses for `-d=false`.
const BOOL_WORDS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** `argv` without the node and script paths (process.argv.slice(2)). Throws `CliError` on a bad flag. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const configs: string[] = [];
  const bools = { daemon: false, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      if (i + 1 < argv.length) throw new CliError(`unexpected argument ${JSON.stringify(argv[i + 1])}`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      const hint = arg.endsWith('.yaml') || arg.endsWith('.yml') ? ` (did you mean -c ${arg}?)` : '';
      throw new CliError(`unexpected argument ${JSON.stringify(arg)}${hint}`);
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const flag = name === '' || name.startsWith('-') ? undefined : FLAGS[name];
    if (flag === undefined)
      throw new CliError(`unknown flag ${arg.slice(0, arg.length - (inline === undefined ? 0 : inline.length + 1))}`);
    if (flag === 'config') {
      if (inline !== undefined) {
        configs.push(inline);
      } else {
        const next = argv[i + 1];
        if (next === undefined) throw new CliError(`flag needs a value: -${name}`);
        configs.push(next);
        i++;
      }
      continue;
    }
    if (inline === undefined) {
      bools[flag] = true;
    } else {
      const value = BOOL_WORDS[inline];
      if (value === undefined)
        throw new CliError(`invalid value ${JSON.stringify(inline)} for flag -${name}: expected true or false`);
      bools[flag] = value;
    }
  }
  return { configs, ...bools };
}
