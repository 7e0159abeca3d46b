import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskCredentials } from '../../../addon/src/core/creds.js';

test('maskCredentials hides URL passwords and a homekit:// pairing private key, and nothing else', () => {
  assert.equal(maskCredentials('rtsp://admin:pw@10.0.0.2/live'), 'rtsp://***@10.0.0.2/live');
  assert.equal(
    maskCredentials('homekit://10.0.0.3:51826?client_id=aa&client_private=0123abcd&device_id=bb&device_public=cc'),
    'homekit://10.0.0.3:51826?client_id=aa&client_private=***&device_id=bb&device_public=cc',
  );
  // Inside a JSON answer the key ends at the closing quote.
  assert.equal(maskCredentials('{"url":"homekit://h:1?client_private=ff"}'), '{"url":"homekit://h:1?client_private=***"}');
  assert.equal(maskCredentials('http://host/path?client_id=aa'), 'http://host/path?client_id=aa');
});
