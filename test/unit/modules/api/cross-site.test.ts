import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { requestSite, type RequestSite } from '../../../../addon/src/modules/api/cross-site.js';

describe('requestSite', () => {
  const cases: ReadonlyArray<[string, IncomingHttpHeaders, string, RequestSite]> = [
    ['curl, Home Assistant: no browser headers', { host: '127.0.0.1:1984' }, '', 'unknown'],
    [
      'fetch metadata says cross-site',
      { host: 'h:1984', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      '',
      'cross-site',
    ],
    [
      'fetch metadata says same-site (another port)',
      { host: 'h:1984', origin: 'http://h:8123', 'sec-fetch-site': 'same-site' },
      '',
      'cross-site',
    ],
    [
      'fetch metadata says same-origin',
      { host: 'h:1984', origin: 'http://h:1984', 'sec-fetch-site': 'same-origin' },
      '',
      'same-origin',
    ],
    ['typed into the address bar', { host: 'h:1984', 'sec-fetch-site': 'none' }, '', 'same-origin'],
    ['Origin equals Host, no metadata', { host: 'H:1984', origin: 'http://h:1984' }, '', 'same-origin'],
    ['Origin differs from Host, no metadata', { host: 'h:1984', origin: 'http://h:8123' }, '', 'cross-site'],
    ['Origin: null', { host: 'h:1984', origin: 'null' }, '', 'cross-site'],
    ['Origin garbage', { host: 'h:1984', origin: '::::' }, '', 'cross-site'],
    [
      'X-Forwarded-Host list matches',
      { host: '127.0.0.1:1984', origin: 'https://cams.example', 'x-forwarded-host': 'a.example, cams.example' },
      '',
      'same-origin',
    ],
    [
      'api.origin "*" allows any Origin',
      { host: 'h:1984', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      '*',
      'same-origin',
    ],
    [
      'api.origin names the Origin (trailing slash ignored)',
      { host: 'h', origin: 'https://dash.example', 'sec-fetch-site': 'cross-site' },
      'https://dash.example/',
      'same-origin',
    ],
    [
      'api.origin names another origin',
      { host: 'h', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      'https://dash.example',
      'cross-site',
    ],
    ['api.origin "*" without an Origin header changes nothing', { host: 'h' }, '*', 'unknown'],
  ];
  for (const [what, headers, allowed, expected] of cases) {
    it(what, () => assert.equal(requestSite(headers, allowed), expected));
  }
});
