import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  firstStunServer,
  stunServers,
  webrtcSettings,
  weriftIceServers,
} from '../../../../addon/src/modules/webrtc/config.js';
import { createTestApp } from '../../../helpers/app.js';

const settingsFor = (webrtc: Record<string, unknown>) =>
  webrtcSettings(createTestApp({ config: { webrtc } }).config.webrtc);

describe('webrtc settings (go2rtc keys)', () => {
  it('listen: ":8555" and ":8555/tcp" open the shared TCP port, "/udp" and "" do not', () => {
    assert.deepEqual(settingsFor({}).tcp, { host: undefined, port: 8555 });
    assert.deepEqual(settingsFor({ listen: '127.0.0.1:18555/tcp' }).tcp, { host: '127.0.0.1', port: 18555 });
    assert.deepEqual(settingsFor({ listen: '[::1]:8555' }).tcp, { host: '::1', port: 8555 });
    assert.equal(settingsFor({ listen: ':8555/udp' }).tcp, undefined);
    assert.equal(settingsFor({ listen: '' }).tcp, undefined);
  });

  it('listen: ":8555" and ":8555/udp" open the shared UDP port too (go2rtc 1.9), "/tcp" and "" do not', () => {
    assert.deepEqual(settingsFor({}).udp, { host: undefined, port: 8555 });
    assert.deepEqual(settingsFor({ listen: '127.0.0.1:18555/udp' }).udp, { host: '127.0.0.1', port: 18555 });
    assert.deepEqual(settingsFor({ listen: '[::1]:8555' }).udp, { host: '::1', port: 8555 });
    assert.equal(settingsFor({ listen: ':8555/tcp' }).udp, undefined);
    assert.equal(settingsFor({ listen: '' }).udp, undefined);
  });

  it("candidates, filters and ice_servers as go2rtc reads them; Home Assistant's managed config", () => {
    const s = settingsFor({
      candidates: ['192.168.1.5:8555', 'stun:8555'],
      ice_servers: [{ urls: ['stun:stun.example.com:3478', 'turn:turn.example.com'], username: 'u', credential: 'p' }],
      filters: { loopback: true, networks: ['tcp4'], udp_ports: [50000, 50100], ips: ['192.168.1.5'] },
    });
    assert.deepEqual(s.candidates, [
      { kind: 'address', host: '192.168.1.5', port: 8555 },
      { kind: 'stun', port: 8555 },
    ]);
    assert.equal(s.loopback, true);
    assert.deepEqual([...s.networks], ['tcp4']);
    assert.deepEqual(s.udpPorts, [50000, 50100]);
    assert.deepEqual(s.allowedIps, ['192.168.1.5']);
    assert.deepEqual(weriftIceServers(s.iceServers), [
      { urls: 'stun:stun.example.com:3478', username: 'u', credential: 'p' },
      { urls: 'turn:turn.example.com', username: 'u', credential: 'p' },
    ]);
    assert.deepEqual(firstStunServer(s.iceServers), { host: 'stun.example.com', port: 3478 });
    const ha = settingsFor({ listen: ':18555/tcp', ice_servers: [] });
    assert.deepEqual(ha.iceServers, []);
    assert.equal(firstStunServer(ha.iceServers), undefined);
    assert.equal(settingsFor({}).loopback, false, 'loopback only when configured');
    assert.equal(settingsFor({}).allowedIps, null);
  });

  it('a bad candidate entry is a config error naming it', () => {
    assert.throws(
      () => settingsFor({ candidates: ['nonsense'] }),
      (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && err.message.includes('nonsense'),
    );
  });
});

describe('stunServers', () => {
  it('every stun: URL in order, once, default port 3478 (werift itself asks only the first)', () => {
    const servers = stunServers([
      { urls: ['stun:stun.home-assistant.io:80', 'stun:stun.home-assistant.io:3478'], username: '', credential: '' },
      {
        urls: ['turn:turn.example.com', 'stun:[2001:db8::1]', 'stun:stun.home-assistant.io:80'],
        username: '',
        credential: '',
      },
    ]);
    assert.deepEqual(servers, [
      { host: 'stun.home-assistant.io', port: 80 },
      { host: 'stun.home-assistant.io', port: 3478 },
      { host: '2001:db8::1', port: 3478 },
    ]);
  });
});
