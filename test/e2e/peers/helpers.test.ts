import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { PeerError } from '../../peers/errors.js';
import { netnsSetup } from '../../peers/netns.js';
import { freeTcpPort, freeUdpPort, freeUdpPortPair } from '../../peers/ports.js';
import { findProgram, requireProgram, runProcess } from '../../peers/process.js';
import { parseRtspResponse, sdpMedias } from '../../peers/rtsp-raw.js';

describe('rtsp-raw parseRtspResponse', () => {
  const answer =
    'RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\ns=x\r\n';

  it('parses status, headers (lower-cased) and exactly Content-Length bytes of body', () => {
    const res = parseRtspResponse(Buffer.from(`${answer}RTSP/1.0 next`));
    assert.equal(res?.status, 200);
    assert.equal(res?.reason, 'OK');
    assert.equal(res?.headers['content-type'], 'application/sdp');
    assert.equal(res?.body, 'v=0\r\ns=x\r\n');
  });

  it('waits for the rest of a cut answer', () => {
    for (let cut = 0; cut < answer.length; cut++)
      assert.equal(parseRtspResponse(Buffer.from(answer.slice(0, cut))), undefined);
  });

  it('throws PEER_OUTPUT on a non-RTSP answer or a bad length', () => {
    for (const bad of [
      'HTTP/1.1 200 OK\r\n\r\n',
      'RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n',
      'RTSP/1.0 200 OK\r\nContent-Length: 1e9\r\n\r\n',
    ]) {
      assert.throws(
        () => parseRtspResponse(Buffer.from(bad)),
        (err: unknown) => err instanceof PeerError && err.code === 'PEER_OUTPUT',
      );
    }
  });

  it('splits an SDP into media sections with their attributes', () => {
    const medias = sdpMedias(
      'v=0\r\na=tool:x\r\nm=video 0 RTP/AVP 96\r\na=recvonly\r\nm=audio 0 RTP/AVP 0\r\na=sendonly\r\n',
    );
    assert.deepEqual(medias, [
      { line: 'm=video 0 RTP/AVP 96', kind: 'video', attributes: ['recvonly'] },
      { line: 'm=audio 0 RTP/AVP 0', kind: 'audio', attributes: ['sendonly'] },
    ]);
  });
});

describe('ports', () => {
  it('returns a TCP port one can listen on', async () => {
    const port = await freeTcpPort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    server.close();
  });

  it('returns a UDP port and an even RTP/RTCP pair one can bind', async () => {
    const single = await freeUdpPort();
    const pair = await freeUdpPortPair();
    assert.equal(pair % 2, 0);
    for (const port of [single, pair, pair + 1]) {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', () => resolve());
      });
      socket.close();
    }
  });
});

describe('process helpers', () => {
  it('names the Debian package of a missing program', () => {
    assert.equal(findProgram('ts2rtc-no-such-program'), undefined);
    assert.throws(
      () => requireProgram('ts2rtc-no-such-program', 'some-package'),
      (err: unknown) => {
        assert.ok(err instanceof PeerError && err.code === 'PEER_MISSING');
        assert.match(err.message, /apt-get install -y some-package/);
        return true;
      },
    );
  });

  it('runs a program to completion, and stops and reports one that overruns its timeout', async () => {
    const ok = await runProcess({
      name: 'sh',
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2; exit 3'],
      timeoutMs: 5000,
    });
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [3, 'out\n', 'err\n']);
    const started = Date.now();
    await assert.rejects(
      runProcess({ name: 'sleeper', command: 'sh', args: ['-c', 'echo waiting >&2; exec sleep 30'], timeoutMs: 200 }),
      (err: unknown) => err instanceof PeerError && err.code === 'PEER_TIMEOUT' && /waiting/.test(err.message),
    );
    assert.ok(Date.now() - started < 5000);
  });
});

describe('netns setup commands', () => {
  it('brings lo up, routes multicast, and blocks UDP only when asked', () => {
    assert.equal(netnsSetup({ multicast: false }), 'ip link set lo up');
    assert.match(netnsSetup(), /ip route add 224\.0\.0\.0\/4 dev lo/);
    assert.doesNotMatch(netnsSetup(), /prohibit/);
    assert.match(netnsSetup({ blockUdp: true }), /ip rule add pref 10 ipproto udp prohibit$/);
  });
});
