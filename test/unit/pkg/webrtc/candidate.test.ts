import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCandidate,
  candidateAddress,
  candidateKey,
  candidatePriority,
  isDockerAddress,
  parseCandidateEntry,
  TYPE_PREFERENCE,
} from '../../../../addon/src/pkg/webrtc/candidate.js';

describe('webrtc.candidates entries', () => {
  it('reads IPs, IPv6 in brackets, DNS names and stun:PORT', () => {
    assert.deepEqual(parseCandidateEntry('192.168.1.5:8555'), { kind: 'address', host: '192.168.1.5', port: 8555 });
    assert.deepEqual(parseCandidateEntry('[2001:db8::1]:8555'), { kind: 'address', host: '2001:db8::1', port: 8555 });
    assert.deepEqual(parseCandidateEntry(' cam.example.com:443 '), {
      kind: 'address',
      host: 'cam.example.com',
      port: 443,
    });
    assert.deepEqual(parseCandidateEntry('stun:8555'), { kind: 'stun', port: 8555 });
  });

  it('refuses entries without a usable host or port, with CANDIDATE_INVALID', () => {
    for (const bad of [
      '',
      '8555',
      ':8555',
      'host:',
      'host:0',
      'host:65536',
      'host:80x',
      'bad host:1',
      'stun:',
      'stun:x',
      'a'.repeat(301),
    ]) {
      assert.throws(
        () => parseCandidateEntry(bad),
        (err: Error & { code?: string }) => err.code === 'CANDIDATE_INVALID',
        bad,
      );
    }
  });
});

describe('candidate lines', () => {
  it('builds RFC 8445 / 6544 candidates with priorities in the right order', () => {
    const priority = candidatePriority(TYPE_PREFERENCE.tcpHost, 65535);
    assert.equal(priority, 90 * 2 ** 24 + 65535 * 2 ** 8 + 255);
    assert.equal(
      buildCandidate({ foundation: '10', transport: 'tcp', priority, host: '10.0.0.2', port: 8555, type: 'host' }),
      `candidate:10 1 tcp ${priority} 10.0.0.2 8555 typ host tcptype passive`,
    );
    assert.equal(
      buildCandidate({ foundation: '1', transport: 'udp', priority: 7, host: '::1', port: 9, type: 'host' }),
      'candidate:1 1 udp 7 ::1 9 typ host',
    );
    assert.ok(candidatePriority(TYPE_PREFERENCE.host, 0) > candidatePriority(TYPE_PREFERENCE.srflx, 65535));
    assert.ok(candidatePriority(TYPE_PREFERENCE.srflx, 0) > candidatePriority(TYPE_PREFERENCE.tcpHost, 65535));
  });

  it('reads the address of a candidate line, with or without a=', () => {
    assert.deepEqual(candidateAddress('a=candidate:1 1 UDP 2122252543 172.17.0.2 5000 typ host'), {
      transport: 'udp',
      host: '172.17.0.2',
      port: 5000,
    });
    assert.equal(candidateAddress('candidate:garbage'), undefined);
  });

  it('knows the Docker range go2rtc never advertises', () => {
    assert.ok(isDockerAddress('172.17.0.2') && isDockerAddress('172.31.255.1') && isDockerAddress('172.16.0.1'));
    assert.ok(!isDockerAddress('172.32.0.1') && !isDockerAddress('192.168.1.2') && !isDockerAddress('10.172.16.1'));
  });
});

describe('candidateKey', () => {
  it('one key per transport, address and port, whatever the foundation, priority or extensions say', () => {
    const werift =
      'candidate:tcp127001 1 tcp 1526726655 127.0.0.1 8555 typ host tcptype passive generation 0 ufrag ab12';
    const ours = 'candidate:10 1 TCP 1526726399 127.0.0.1 8555 typ host tcptype passive';
    assert.equal(candidateKey(werift), 'tcp 127.0.0.1 8555');
    assert.equal(candidateKey(`a=${ours}`), candidateKey(werift));
    assert.notEqual(candidateKey('candidate:1 1 udp 1 127.0.0.1 8555 typ host'), candidateKey(werift));
    assert.equal(candidateKey('candidate:1 1 udp 1 FD00::1 9 typ host'), 'udp fd00::1 9');
    assert.equal(candidateKey('candidate:garbage'), undefined);
  });
});
