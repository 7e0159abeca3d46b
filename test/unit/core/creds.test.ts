import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskConfigText, maskCredentials, restoreMaskedSecrets } from '../../../addon/src/core/creds.js';

test('maskCredentials hides URL passwords and a homekit:// pairing private key, and nothing else', () => {
  assert.equal(maskCredentials('rtsp://admin:pw@10.0.0.2/live'), 'rtsp://***@10.0.0.2/live');
  assert.equal(
    maskCredentials('homekit://10.0.0.3:51826?client_id=aa&client_private=0123abcd&device_id=bb&device_public=cc'),
    'homekit://10.0.0.3:51826?client_id=aa&client_private=***&device_id=bb&device_public=cc',
  );
  // Inside a JSON answer the key ends at the closing quote.
  assert.equal(
    maskCredentials('{"url":"homekit://h:1?client_private=ff"}'),
    '{"url":"homekit://h:1?client_private=***"}',
  );
  assert.equal(maskCredentials('http://host/path?client_id=aa'), 'http://host/path?client_id=aa');
});

test('maskConfigText hides every config secret as *** and keeps a valid YAML file; ${VAR} references stay', () => {
  const text = [
    'api: {username: admin, password: apiPW}',
    'hass:',
    "  token: 'haTOKEN'",
    "  password: 'it''s'",
    'streams:',
    '  a: rtsp://u:aPW@10.0.0.1/1',
    '  b: rtsp://u:${PASS}@10.0.0.2/1',
    '  c: https://TOKEN@cloud.example/x.m3u8',
    '',
  ].join('\n');
  assert.equal(
    maskConfigText(text),
    [
      'api: {username: admin, password: "***"}',
      'hass:',
      "  token: '***'",
      "  password: '***'",
      'streams:',
      '  a: rtsp://u:***@10.0.0.1/1',
      '  b: rtsp://u:${PASS}@10.0.0.2/1',
      '  c: https://***@cloud.example/x.m3u8',
      '',
    ].join('\n'),
  );
  assert.equal(restoreMaskedSecrets(maskConfigText(text), text).text, text);
});

test('restoreMaskedSecrets: same URL twice with different passwords goes in order; a *** it cannot place is unresolved', () => {
  const current = 'streams:\n  a:\n    - rtsp://u:one@h/1\n    - rtsp://u:two@h/1\n';
  const masked = maskConfigText(current);
  assert.equal(restoreMaskedSecrets(masked, current).text, current);
  // One of the two removed: the remaining *** could be either password.
  const fewer = 'streams:\n  a:\n    - rtsp://u:***@h/1\n';
  assert.deepEqual(restoreMaskedSecrets(fewer, current).unresolved, [
    { line: 3, column: 16, where: 'rtsp://u:***@h/1' },
  ]);
  // Path edited, same user at the same host: its password.
  const single = 'streams:\n  a: rtsp://u:pw@h/1\n';
  assert.equal(
    restoreMaskedSecrets('streams:\n  a: rtsp://u:***@h/2\n', single).text,
    'streams:\n  a: rtsp://u:pw@h/2\n',
  );
  // Another host: refused rather than saved as the password `***`.
  assert.equal(restoreMaskedSecrets('streams:\n  a: rtsp://u:***@other/1\n', single).unresolved.length, 1);
});
