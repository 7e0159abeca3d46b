import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseIceServers,
  socketCloseRule,
  parseTransportPolicy,
} from '../../../../addon/src/modules/webrtc/signaling-ws.js';

describe('v2 offer options', () => {
  it('ice_servers as Home Assistant sends them (urls always a list) and as browsers write them (a string)', () => {
    assert.deepEqual(
      parseIceServers([{ urls: ['stun:a:3478', 'turn:b'], username: 'u', credential: 'c' }, { urls: 'stun:c' }]),
      [
        { urls: ['stun:a:3478', 'turn:b'], username: 'u', credential: 'c' },
        { urls: ['stun:c'], username: '', credential: '' },
      ],
    );
    assert.equal(parseIceServers(undefined), undefined);
    assert.deepEqual(parseIceServers([]), []);
    assert.throws(
      () => parseIceServers('stun:x'),
      (err: Error & { code?: string }) => err.code === 'WEBRTC_BAD_MESSAGE',
    );
    assert.throws(
      () => parseIceServers([1]),
      (err: Error & { code?: string }) => err.code === 'WEBRTC_BAD_MESSAGE',
    );
  });

  it("ice_transport_policy: go2rtc's all / relay, anything else named in the error", () => {
    assert.equal(parseTransportPolicy(undefined), undefined);
    assert.equal(parseTransportPolicy('all'), undefined);
    assert.equal(parseTransportPolicy('relay'), true);
    assert.throws(() => parseTransportPolicy('udp'), /unknown ICE transport policy: udp/);
  });
});

describe('socketCloseRule (does the peer end with the /api/ws socket that carried its offer?)', () => {
  it("v2 (Home Assistant's go2rtc client): at once; v1 (go2rtc's player): kept once connected, else a short grace", () => {
    assert.equal(socketCloseRule(2, true), 'end');
    assert.equal(socketCloseRule(2, false), 'end');
    assert.equal(socketCloseRule(1, true), 'keep', "go2rtc's player closes the socket once WebRTC plays");
    assert.equal(
      socketCloseRule(1, false),
      'end-unless-connected-soon',
      'it also closes it on an MSE error while WebRTC connects',
    );
  });
});
