import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../addon/src/config/errors.js';
import { loadConfigText } from '../../../addon/src/config/load.js';
import type { Config } from '../../../addon/src/config/schema.js';

const load = (text: string) => loadConfigText(text, { label: 'ts2rtc.yaml', env: {} });

/** The ConfigError a config text throws. */
function errorOf(text: string): ConfigError {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the config to be rejected');
}

const DEFAULTS: Config = {
  api: {
    listen: ':1984',
    username: '',
    password: '',
    local_auth: false,
    base_path: '',
    static_dir: '',
    origin: '',
    tls_listen: '',
    tls_cert: '',
    tls_key: '',
    unix_listen: '',
    allow_paths: null,
  },
  app: { modules: null },
  rtsp: { listen: ':8554', username: '', password: '', default_query: 'video&audio', pkt_size: undefined },
  webrtc: {
    listen: ':8555',
    candidates: [],
    ice_servers: [
      { urls: ['stun:stun.cloudflare.com:3478', 'stun:stun.l.google.com:19302'], username: '', credential: '' },
    ],
    filters: { candidates: null, loopback: false, interfaces: null, ips: null, networks: null, udp_ports: null },
  },
  streams: {},
  publish: {},
  preload: {},
  ffmpeg: { bin: 'ffmpeg' },
  hass: { config: '', url: '', token: '' },
  homekit: {},
  ngrok: { command: '' },
  log: { level: 'info', format: '', output: 'stdout', time: 'UNIXMS', modules: {} },
  srtp: { listen: ':8443' },
  rtmp: { listen: '' },
  env: {},
  exec: { allow_paths: null },
  echo: { allow_paths: null },
  ts2rtc: { allow_insecure_api_sources: false },
};

describe('config schema: defaults', () => {
  it('fills every default for an empty file, a comment-only file and empty sections', () => {
    assert.deepEqual(load('').config, DEFAULTS);
    assert.deepEqual(load('# nothing here\n').config, DEFAULTS);
    assert.deepEqual(load('api:\nrtsp:\nwebrtc:\nlog:\n').config, DEFAULTS);
  });

  it('keeps a scalar default on null, as go2rtc does (listen: with nothing is still :1984)', () => {
    assert.equal(load('api:\n  listen:\n').config.api.listen, ':1984');
  });

  it('reads null and [] ice_servers as no servers, and a single urls string as a list', () => {
    assert.deepEqual(load('webrtc:\n  ice_servers:\n').config.webrtc.ice_servers, []);
    assert.deepEqual(load('webrtc:\n  ice_servers: []\n').config.webrtc.ice_servers, []);
    assert.deepEqual(load('webrtc:\n  ice_servers:\n    - urls: stun:x:3478\n').config.webrtc.ice_servers, [
      { urls: ['stun:x:3478'], username: '', credential: '' },
    ]);
  });

  it('does not share default objects between loads', () => {
    const a = load('').config;
    a.webrtc.ice_servers[0]?.urls.push('stun:changed');
    assert.deepEqual(load('').config.webrtc.ice_servers, DEFAULTS.webrtc.ice_servers);
  });

  it('keeps null (allow all) apart from [] (allow none) for allow_paths and filters', () => {
    const c = load('api:\n  allow_paths: []\nexec:\n  allow_paths:\nwebrtc:\n  filters:\n    ips: []\n').config;
    assert.deepEqual(c.api.allow_paths, []);
    assert.equal(c.exec.allow_paths, null);
    assert.deepEqual(c.webrtc.filters.ips, []);
    assert.equal(c.webrtc.filters.interfaces, null);
  });

  it('reads streams as lists: one URL, several, and null (no sources)', () => {
    const c = load(
      'streams:\n  one: rtsp://a/1\n  two:\n    - rtsp://b/1\n    - ffmpeg:b#audio=opus\n  none:\n',
    ).config;
    assert.deepEqual(c.streams, { one: ['rtsp://a/1'], two: ['rtsp://b/1', 'ffmpeg:b#audio=opus'], none: [] });
  });

  it('takes numbers and booleans in string fields as written (password: 12345)', () => {
    const c = load('rtsp:\n  password: 012345\n  username: 1.10\nenv:\n  PORT: 8554\n').config;
    assert.equal(c.rtsp.password, '012345');
    assert.equal(c.rtsp.username, '1.10');
    assert.deepEqual(c.env, { PORT: '8554' });
  });

  it('accepts yaml.v3 bool words and quoted integers', () => {
    const c = load(
      'api:\n  local_auth: yes\nwebrtc:\n  filters:\n    loopback: On\nrtsp:\n  pkt_size: "1200"\n',
    ).config;
    assert.equal(c.api.local_auth, true);
    assert.equal(c.webrtc.filters.loopback, true);
    assert.equal(c.rtsp.pkt_size, 1200);
  });

  it('merges ffmpeg templates over the bin default', () => {
    const c = load('ffmpeg:\n  h264: "-c:v libx264"\n  rtsp/udp: "-i {input}"\n').config;
    assert.deepEqual(c.ffmpeg, { bin: 'ffmpeg', h264: '-c:v libx264', 'rtsp/udp': '-i {input}' });
  });

  it('reads log levels case-insensitively, per module, and treats "" as not set', () => {
    const c = load('log:\n  level: DEBUG\n  api: Trace\n  rtsp: ""\n  format: json\n').config;
    assert.deepEqual(c.log, {
      level: 'debug',
      format: 'json',
      output: 'stdout',
      time: 'UNIXMS',
      modules: { api: 'trace' },
    });
  });

  it('reads homekit entries, with null meaning all defaults', () => {
    const c = load('homekit:\n  cam1:\n  cam2:\n    pin: 12345678\n    pairings: [a]\n').config;
    assert.deepEqual(c.homekit, {
      cam1: { pin: '', name: '', device_id: '', device_private: '', category_id: '', pairings: null },
      cam2: { pin: '12345678', name: '', device_id: '', device_private: '', category_id: '', pairings: ['a'] },
    });
  });

  it('expands anchors, aliases and << merge keys', () => {
    const c = load(
      'x-cam: &cam rtsp://a/1\nbase: &base {listen: ":1"}\nstreams:\n  a: *cam\nrtsp:\n  <<: *base\n  username: u\n',
    );
    assert.deepEqual(c.config.streams, { a: ['rtsp://a/1'] });
    assert.equal(c.config.rtsp.listen, ':1');
    assert.equal(c.config.rtsp.username, 'u');
  });

  it('treats a key named __proto__ as an ordinary stream name', () => {
    const c = load('streams:\n  __proto__: rtsp://x\n').config;
    assert.deepEqual(Object.keys(c.streams), ['__proto__']);
    assert.equal(Object.getPrototypeOf(c.streams), Object.prototype);
  });
});

describe('config schema: configs real clients write', () => {
  it("reads Home Assistant's managed go2rtc config (homeassistant/components/go2rtc/server.py) without warnings", () => {
    const text = `# This file is managed by Home Assistant
# Do not edit it manually

app:
  modules: ["api","exec","ffmpeg","http","mjpeg","onvif","rtmp","rtsp","srtp","webrtc","ws"]

api:
  listen: ""
  unix_listen: "/config/.storage/go2rtc.sock"
  allow_paths: ["/","/api","/api/frame.jpeg","/api/schemes","/api/streams","/api/webrtc","/api/ws"]
  local_auth: true
  username: 3f2a9c
  password: 0123456789

# ffmpeg needs the exec module
# Restrict execution to only ffmpeg binary
exec:
  allow_paths:
    - ffmpeg

rtsp:
  listen: "127.0.0.1:18554"

webrtc:
  listen: ":18555/tcp"
  ice_servers: []
`;
    const { config, warnings } = load(text);
    assert.deepEqual(warnings, []);
    assert.equal(config.api.listen, '');
    assert.equal(config.api.unix_listen, '/config/.storage/go2rtc.sock');
    assert.equal(config.api.password, '0123456789');
    assert.equal(config.api.local_auth, true);
    assert.deepEqual(config.app.modules?.length, 11);
    assert.deepEqual(config.exec.allow_paths, ['ffmpeg']);
    assert.equal(config.webrtc.listen, ':18555/tcp');
    assert.deepEqual(config.webrtc.ice_servers, []);
  });

  it('reads the older Home Assistant config and the go2rtc README examples', () => {
    const ha = load(
      'api:\n  listen: "127.0.0.1:11984"\n\nrtsp:\n  # ffmpeg needs rtsp for opus audio transcoding\n  listen: "127.0.0.1:18554"\n\nwebrtc:\n  ice_servers: []\n',
    );
    assert.deepEqual(ha.warnings, []);
    const readme = load(`streams:
  dahua:
    - rtsp://admin:password@192.168.1.123/cam/realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif
    - ffmpeg:rtsp://admin:password@192.168.1.123/cam/realmonitor?channel=1&subtype=0#audio=opus
  "camera.hall": ffmpeg:{input}#video=copy#audio=opus
  stream1: exec:ffmpeg -hide_banner -re -stream_loop -1 -i /media/BigBuckBunny.mp4 -c copy -rtsp_transport tcp -f rtsp {output}
ffmpeg:
  bin: ffmpeg                                        # path to ffmpeg binary
  h264: "-codec:v libx264 -g 30 -preset superfast -tune zerolatency -profile main -level 4.1"
  mycodec: "-any args that support ffmpeg..."
hass:
  config: "/config"  # skip this setting if you Hass Add-on user
webrtc:
  listen: ":8555"  # address of your local server (TCP)
  candidates:
    - 192.168.1.10:8555 # local server IP-address for local connections
    - stun:8555  # if you have dynamic public IP-address
  ice_servers:
    - urls: [stun:stun.l.google.com:19302]
    - urls: [turn:123.123.123.123:3478]
      username: your_user
      credential: your_pass
ngrok:
  command: ngrok tcp 8555 --authtoken eW91IHNoYWxsIG5vdCBwYXNzCnlvdSBzaGFsbCBub3QgcGFzcw
log:
  level: info  # default level
  api: trace
  exec: debug
  ngrok: info
  rtsp: warn
  streams: error
  webrtc: fatal
api:
  listen: ":1984"  # HTTP API port ("" - disabled)
  base_path: ""    # API prefix for serve on suburl
  static_dir: ""   # folder for static files (custom web interface)
rtsp:
  listen: ":8554"
`);
    assert.deepEqual(readme.warnings, []);
    assert.equal(readme.config.streams['dahua']?.length, 2);
    assert.deepEqual(readme.config.log.modules, {
      api: 'trace',
      exec: 'debug',
      ngrok: 'info',
      rtsp: 'warn',
      streams: 'error',
      webrtc: 'fatal',
    });
    assert.equal(readme.config.webrtc.ice_servers[1]?.credential, 'your_pass');
  });
});

describe('config schema: errors name the key, file, line and column', () => {
  const cases: [string, string, string][] = [
    [
      'listen as a list',
      'api:\n  listen: [":1984"]\n',
      'config ts2rtc.yaml:2:11: api.listen: expected a string, got a list',
    ],
    [
      'listen as a map',
      'api:\n  listen:\n    port: 1\n',
      'config ts2rtc.yaml:3:5: api.listen: expected a string, got a map',
    ],
    [
      'listen without a colon',
      'rtsp:\n  listen: 8554\n',
      'config ts2rtc.yaml:2:11: rtsp.listen: expected an address like ":1984" or "127.0.0.1:1984" ("" disables), got "8554"',
    ],
    [
      'webrtc listen with a bad network',
      'webrtc:\n  listen: ":8555/sctp"\n',
      'config ts2rtc.yaml:2:11: webrtc.listen: expected a network suffix /tcp or /udp, got ":8555/sctp"',
    ],
    [
      'a stream as a number',
      'streams:\n  cam: 5\n',
      'config ts2rtc.yaml:2:8: streams.cam: expected a URL string or a list of URL strings, got a number (5)',
    ],
    [
      'a stream list item as a map',
      'streams:\n  cam:\n    - rtsp://a\n    - {url: x}\n',
      'config ts2rtc.yaml:4:7: streams.cam[1]: expected a URL string, got a map',
    ],
    [
      'a stream name that needs quoting',
      'streams:\n  "camera.hall": true\n',
      'config ts2rtc.yaml:2:18: streams["camera.hall"]: expected a URL string or a list of URL strings, got a boolean (true)',
    ],
    [
      'a bogus log level',
      'log:\n  level: bogus\n',
      'config ts2rtc.yaml:2:10: log.level: expected one of trace, debug, info, warn, error, fatal, panic, disabled, got "bogus"',
    ],
    [
      'a bogus module log level',
      'log:\n  api: loud\n',
      'config ts2rtc.yaml:2:8: log.api: expected one of trace, debug, info, warn, error, fatal, panic, disabled, got "loud"',
    ],
    [
      'a bogus log format',
      'log: {format: xml}\n',
      'config ts2rtc.yaml:1:15: log.format: expected one of "", color, text, json, got "xml"',
    ],
    [
      'pkt_size out of range',
      'rtsp:\n  pkt_size: 70000\n',
      'config ts2rtc.yaml:2:13: rtsp.pkt_size: expected a port number (0-65535), got a number (70000)',
    ],
    [
      'a boolean word',
      'api:\n  local_auth: maybe\n',
      'config ts2rtc.yaml:2:15: api.local_auth: expected true or false, got a string ("maybe")',
    ],
    [
      'a candidate list item as a list',
      'webrtc:\n  candidates:\n    - 1.2.3.4:8555\n    - [a]\n',
      'config ts2rtc.yaml:4:7: webrtc.candidates[1]: expected a string, got a list',
    ],
    [
      'ice server urls as a number',
      'webrtc:\n  ice_servers:\n    - urls: 5\n',
      'config ts2rtc.yaml:3:13: webrtc.ice_servers[0].urls: expected a URL string or a list of URL strings, got a number (5)',
    ],
    [
      'udp_ports with one port',
      'webrtc:\n  filters:\n    udp_ports: [50000]\n',
      'config ts2rtc.yaml:3:16: webrtc.filters.udp_ports: expected two port numbers [min, max]',
    ],
    [
      'a network name',
      'webrtc:\n  filters:\n    networks: [udp4, sctp]\n',
      'config ts2rtc.yaml:3:22: webrtc.filters.networks[1]: expected one of tcp4, tcp6, udp4, udp6, got "sctp"',
    ],
    ['a section as a string', 'api: on\n', 'config ts2rtc.yaml:1:6: api: expected a map, got a string ("on")'],
    [
      'a list at the top level',
      '- api\n',
      'config ts2rtc.yaml:1:1: expected a map of sections at the top level, got a list',
    ],
    [
      'log output',
      'log:\n  output: syslog\n',
      'config ts2rtc.yaml:2:11: log.output: expected stdout, stderr, "", file or file:<path>, got "syslog"',
    ],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const err = errorOf(text);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.message, message);
    });
  }

  it('carries the parts of the message as fields', () => {
    const err = errorOf('\n\napi:\n  listen: [":1984"]\n');
    assert.deepEqual(
      { file: err.file, line: err.line, column: err.column, path: err.path, reason: err.reason },
      { file: 'ts2rtc.yaml', line: 4, column: 11, path: 'api.listen', reason: 'expected a string, got a list' },
    );
  });
});

describe('config schema: YAML syntax errors', () => {
  const cases: [string, string, string][] = [
    ['an unclosed quote', 'api:\n  listen: "x\n', 'config ts2rtc.yaml:3:1: Missing closing "quote'],
    ['a duplicate key', 'api:\n  listen: x\n  listen: y\n', 'config ts2rtc.yaml:3:3: Map keys must be unique'],
    ['a tab indent', '\tapi: x\n', 'config ts2rtc.yaml:1:1: Tabs are not allowed as indentation'],
    ['an unknown alias', 'api: *nope\n', 'config ts2rtc.yaml:1:6: unknown alias *nope'],
    [
      'two documents',
      'log: {}\n---\nx: 1\n',
      'config ts2rtc.yaml:2:1: a config holds one YAML document; remove the second "---"',
    ],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const err = errorOf(text);
      assert.equal(err.code, 'CONFIG_SYNTAX');
      assert.equal(err.message, message);
    });
  }

  it('stops alias expansion bombs with CONFIG_INVALID', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 8; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    // 10^8 values if expanded: without the limit this runs out of memory or into the file's time cap.
    const err = errorOf(text);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /too many values after expanding aliases/);
  });

  it('rejects an alias that contains itself', () => {
    assert.equal(errorOf('a: &a [*a]\n').message, 'config ts2rtc.yaml:1:8: alias *a refers to itself');
  });
});

describe('config schema: warnings', () => {
  it('warns about unknown keys with their line and column, and still loads', () => {
    const { config, warnings } = load('api:\n  listen: ":1985"\n  lisen: x\nmp4:\n  foo: 1\n');
    assert.equal(config.api.listen, ':1985');
    assert.deepEqual(warnings, [
      { file: 'ts2rtc.yaml', line: 3, column: 3, path: 'api.lisen', message: 'unknown key "lisen"' },
      { file: 'ts2rtc.yaml', line: 4, column: 1, path: 'mp4', message: 'unknown key "mp4"' },
    ]);
  });

  it('warns about go2rtc sections ts2rtc does not implement', () => {
    const { warnings } = load('wyoming:\n  cam: {listen: ":10700"}\n');
    assert.deepEqual(warnings, [
      {
        file: 'ts2rtc.yaml',
        line: 2,
        column: 3,
        path: 'wyoming',
        message: 'the wyoming module is not implemented by ts2rtc; this section is ignored',
      },
    ]);
  });

  it('warns about a log time layout it cannot render and uses UNIXMS', () => {
    const { config, warnings } = load('log:\n  time: "15:04"\n');
    assert.equal(config.log.time, 'UNIXMS');
    assert.deepEqual(warnings, [
      {
        file: 'ts2rtc.yaml',
        line: 2,
        column: 9,
        path: 'log.time',
        message: 'time layout "15:04" is not supported; using UNIXMS',
      },
    ]);
  });
});
