import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCandidates } from '../../../../addon/src/modules/webrtc/local-candidates.js';

describe('LocalCandidates (each candidate advertised once)', () => {
  it('keeps the first of two lines for one address (a configured entry that is also a host address)', () => {
    const list = new LocalCandidates(() => true);
    const heard: string[] = [];
    list.add('candidate:10 1 tcp 1526726399 192.168.1.5 8555 typ host tcptype passive');
    list.listen((c) => heard.push(c));
    list.add(
      'a=candidate:tcp19216815 1 tcp 1526726655 192.168.1.5 8555 typ host tcptype passive generation 0 ufrag ab12',
    );
    list.add('candidate:1 1 udp 2116026367 192.168.1.5 50000 typ host');
    list.add('candidate:1 1 udp 2116026367 192.168.1.5 50000 typ host');
    assert.deepEqual(list.lines, [
      'candidate:10 1 tcp 1526726399 192.168.1.5 8555 typ host tcptype passive',
      'candidate:1 1 udp 2116026367 192.168.1.5 50000 typ host',
    ]);
    assert.deepEqual(heard, list.lines, 'a listener gets the earlier ones at once, then each new one');
  });

  it('drops what the filter refuses (Docker range, UDP when UDP is off)', () => {
    const list = new LocalCandidates((c) => !c.includes(' 172.17.'));
    list.add('candidate:1 1 udp 1 172.17.0.2 5000 typ host');
    list.add('candidate:2 1 udp 1 10.0.0.2 5000 typ host');
    assert.deepEqual(list.lines, ['candidate:2 1 udp 1 10.0.0.2 5000 typ host']);
  });
});
