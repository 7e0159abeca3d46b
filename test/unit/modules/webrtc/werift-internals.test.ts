import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  Candidate,
  CandidatePair,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  SrtpSession,
  StunProtocol,
  TcpPassiveProtocol,
  TurnProtocol,
} from 'werift';
import { pino } from 'pino';
import { MuxedUdpTransport, UdpMux } from '../../../../addon/src/modules/webrtc/udp-mux.js';
import { attachUdpMux } from '../../../../addon/src/modules/webrtc/werift-shim.js';

/**
 * Issue 11: the werift internals that `werift-shim.ts`, `early-dtls.ts` and `srtp-fast.ts` reach into (private
 * fields, prototype methods, what a method's synchronous part does) are checked here, so a werift update that
 * changes their shape fails this test by name instead of breaking the shared TCP port, host-first
 * gathering, consent, the early ClientHello or SRTP at run time. Arity = `Function.length` (parameters before
 * the first default). When this fails: read the new werift's code for the item named, adapt the shim, then
 * this list.
 */

const require = createRequire(import.meta.url);

type Shape = Record<
  string,
  'function' | 'object' | 'string' | 'number' | 'bigint' | 'boolean' | 'undefined' | `function/${number}`
>;

/** Asserts `target` has each member with the type (and, for `function/N`, the arity) given. */
function assertShape(what: string, target: object, shape: Shape): void {
  for (const [name, expected] of Object.entries(shape)) {
    assert.ok(Reflect.has(target, name), `${what}.${name} is gone`);
    const value: unknown = Reflect.get(target, name);
    const [type, arity] = expected.split('/');
    const actual = value === null ? 'object' : typeof value;
    assert.equal(actual, type, `${what}.${name} is a ${actual}, expected ${type}`);
    if (arity !== undefined)
      assert.equal(
        (value as (...a: unknown[]) => unknown).length,
        Number(arity),
        `${what}.${name}() takes ${(value as (...a: unknown[]) => unknown).length} parameters, expected ${arity}`,
      );
  }
}

describe('werift internals the WebRTC module patches (issue 11)', () => {
  it('the installed werift is the pinned 0.24.4', () => {
    // The package the project resolves (werift's exports do not list package.json): <root>/node_modules/werift.
    const entry = require.resolve('werift');
    const pkgPath = path.join(
      entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}werift${path.sep}`)),
      'node_modules',
      'werift',
      'package.json',
    );
    const { version } = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string };
    assert.equal(
      version,
      '0.24.4',
      `node_modules/werift is ${version}: re-check werift-shim.ts, early-dtls.ts and srtp-fast.ts against it`,
    );
  });

  it('ICE connection: what host-first gathering, the TCP port, consent and the early-DTLS hold use', async () => {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    try {
      pc.addTransceiver('video', { direction: 'recvonly' });
      assert.equal(pc.iceTransports.length, 1, 'one bundled ICE transport');
      const connection: object = pc.iceTransports[0]!.connection;
      assertShape('Connection', connection, {
        protocols: 'object',
        localUsername: 'string',
        remoteUsername: 'string',
        remotePassword: 'string',
        generation: 'number',
        iceControlling: 'boolean',
        state: 'string',
        localCandidatesStart: 'boolean',
        stunServer: 'object',
        turnServer: 'undefined',
        nominated: 'undefined',
        ensureProtocol: 'function/1',
        gatherCandidates: 'function/0',
        // (addresses, timeout = 5): the shim passes both.
        getCandidatePromises: 'function/1',
        appendLocalCandidate: 'function/1',
        pairLocalProtocol: 'function/1',
        buildRequest: 'function/1',
      });
      assert.ok(Array.isArray(Reflect.get(connection, 'protocols')));
      // skipIdleCheckPacing: the loop it shortens, and the states it reads.
      assertShape('Connection', connection, {
        schedulingChecks: 'function/0',
        checkList: 'object',
        remoteCandidatesEnd: 'boolean',
      });
      assert.ok(Array.isArray(Reflect.get(connection, 'checkList')));
      const connect = String(Reflect.get(connection, 'connect'));
      assert.match(
        connect,
        /if \(!this\.schedulingChecks\(\)\)\s*break;\s*await timers\.setTimeout\(20\);/,
        'connect() paces checks as: stop when schedulingChecks() says false, else sleep 20 ms',
      );
      const scheduling = String(Reflect.get(connection, 'schedulingChecks'));
      assert.match(scheduling, /pair2\.state === 1 \/\* WAITING \*\//, 'WAITING is 1');
      assert.match(scheduling, /pair2\.state === 0 \/\* FROZEN \*\//, 'FROZEN is 0');
      assert.match(scheduling, /if \(!this\.remoteCandidatesEnd\)/, 'a list still trickling keeps the loop');
      const onData: object = Reflect.get(connection, 'onData') as object;
      assertShape('Connection.onData', onData, { subscribe: 'function', execute: 'function' });
      assertShape('RTCIceTransport', pc.iceTransports[0]!, { setRemoteParams: 'function/1', connection: 'object' });
    } finally {
      await pc.close();
    }
  });

  it('DTLS transport: start() builds its DTLS socket synchronously and subscribes it to the ICE connection', async () => {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    try {
      pc.addTransceiver('video', { direction: 'recvonly' });
      const dtls = pc.dtlsTransports[0]!;
      assertShape('RTCDtlsTransport', dtls, {
        start: 'function/0',
        dtls: 'undefined',
        state: 'string',
        srtpProfiles: 'object',
        iceTransport: 'object',
        srtcp: 'undefined',
      });
      assert.equal(Reflect.get(dtls, 'state'), 'new');
      // early-dtls.ts relies on this: after the synchronous part of start() (server role) the socket exists.
      dtls.role = 'server';
      dtls.setRemoteParams({ fingerprints: [{ algorithm: 'sha-256', value: 'AA' }], role: 'client' } as never);
      const started = dtls.start();
      started.catch(() => undefined);
      const socket: unknown = Reflect.get(dtls, 'dtls');
      assert.ok(typeof socket === 'object' && socket !== null, 'start() built the DTLS socket synchronously');
      const transport: unknown = Reflect.get(socket, 'transport');
      const inner: unknown =
        typeof transport === 'object' && transport !== null ? Reflect.get(transport, 'socket') : undefined;
      assert.equal(
        typeof (inner as { onData?: unknown } | undefined)?.onData,
        'function',
        'the DTLS socket listens to the ICE connection',
      );
      // tapDecryptedRtcp wraps `srtcp.decrypt` once DTLS is connected (a field set by startSrtp).
      assert.equal(typeof Reflect.get(Object.getPrototypeOf(dtls) as object, 'startSrtp'), 'function');
      assert.equal(typeof Reflect.get(Object.getPrototypeOf(dtls) as object, 'updateSrtpSession'), 'function');
    } finally {
      await pc.close();
    }
  });

  it('DTLS client: start() builds it synchronously, connect() sends the ClientHello synchronously through transport.send, flight and onHandleHandshakes (dtls-client.ts)', async () => {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    try {
      pc.addTransceiver('video', { direction: 'recvonly' });
      const dtls = pc.dtlsTransports[0]!;
      dtls.role = 'client';
      dtls.setRemoteParams({ fingerprints: [{ algorithm: 'sha-256', value: 'AA' }], role: 'server' } as never);
      const started = dtls.start();
      started.catch(() => undefined);
      const socket: unknown = Reflect.get(dtls, 'dtls');
      assert.ok(typeof socket === 'object' && socket !== null, 'start() built the DTLS client synchronously');
      assertShape('DtlsClient', socket, {
        connect: 'function/0',
        onHandleHandshakes: 'function/1',
        transport: 'object',
        dtls: 'object',
      });
      const context = Reflect.get(socket, 'transport') as { send: (buf: Buffer) => unknown };
      assertShape('TransportContext', context, { send: 'function/2' });
      const sent: Buffer[] = [];
      const send = context.send;
      context.send = (buf: Buffer) => {
        sent.push(buf);
        return undefined;
      };
      const connecting = (socket as { connect(): Promise<void> }).connect();
      connecting.catch(() => undefined);
      context.send = send;
      assert.equal(sent.length, 1, 'connect() sent one datagram synchronously');
      assert.equal(sent[0]?.[0], 22, 'a handshake record');
      assert.equal(sent[0]?.[13], 1, 'a ClientHello');
      assert.equal(Reflect.get(Reflect.get(socket, 'dtls') as object, 'flight'), 1, 'flight 1 until the peer answers');
    } finally {
      await pc.close();
    }
  });

  it("RTP sender: the fields rtp-send.ts writes as werift's sendRtp does (offsets, Sender Report counts and NTP/RTP pair, rtpCache, RTCP loop, SRTP session, ICE send)", async () => {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    try {
      const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
      const sender = transceiver.sender;
      assertShape('RTCRtpSender', sender, {
        ssrc: 'number',
        timestampOffset: 'number',
        seqOffset: 'number',
        octetCount: 'number',
        headerBytesSent: 'number',
        packetCount: 'number',
        ntpTimestamp: 'bigint',
        rtpTimestamp: 'number',
        rtcpRunning: 'boolean',
        rtpCache: 'object',
        runRtcp: 'function/0',
        dtlsTransport: 'object',
      });
      assert.ok(Array.isArray(Reflect.get(sender, 'rtpCache')), 'rtpCache is an array indexed by sequence number');
      const dtls = sender.dtlsTransport;
      assertShape('RTCDtlsTransport', dtls, {
        bytesSent: 'number',
        packetsSent: 'number',
        iceTransport: 'object',
        state: 'string',
        sendRtp: 'function/2',
      });
      // rtp-send.ts sets the Sender Report's NTP/RTP pair (its own NTP time, werift's is wrong): the loop must send those.
      assert.match(
        String(Reflect.get(sender, 'runRtcp')),
        /RtcpSenderInfo\(\{\s*ntpTimestamp: this\.ntpTimestamp,\s*rtpTimestamp: this\.rtpTimestamp,/,
        "RTCRtpSender's RTCP loop sends the ntpTimestamp/rtpTimestamp fields",
      );
      // rtp-send.ts takes NACK resends by replacing the transport's sendRtp: werift's NACK branch must call it.
      assert.match(
        String(Reflect.get(sender, 'handleRtcpPacket')),
        /this\.rtpCache\[seqNum % RTP_HISTORY_SIZE\][\s\S]*await this\.dtlsTransport\.sendRtp\(/,
        'RTCRtpSender resends a NACKed packet from rtpCache through dtlsTransport.sendRtp',
      );
      assertShape('ICE connection', dtls.iceTransport.connection, {
        send: 'function/1',
        canSendApplicationData: 'function/0',
        nominated: 'undefined',
      });
      // The SRTP session the transport makes once connected: encrypt(payload, header).
      const keys = {
        localMasterKey: randomBytes(16),
        localMasterSalt: randomBytes(14),
        remoteMasterKey: randomBytes(16),
        remoteMasterSalt: randomBytes(14),
      };
      assertShape('SrtpSession', new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 }), {
        encrypt: 'function/2',
      });
    } finally {
      await pc.close();
    }
  });

  it("a UDP candidate pair as rtp-send.ts sends on it: the protocol's transport (dgram socket, closed), the pair's address and counters", async () => {
    const protocol = new StunProtocol();
    await protocol.connectionMade(true);
    try {
      const transport = Reflect.get(protocol, 'transport') as object;
      assertShape('StunProtocol.transport', transport, { socket: 'object', closed: 'boolean', send: 'function/2' });
      assert.equal(
        typeof Reflect.get(Reflect.get(transport, 'socket') as object, 'setBroadcast'),
        'function',
        'the transport socket is a dgram socket',
      );
      const remote = new Candidate(
        '1',
        1,
        'udp',
        1,
        '127.0.0.1',
        5000,
        'host',
        undefined,
        undefined,
        undefined,
        0,
        undefined,
      );
      const pair = new CandidatePair(protocol, remote, true);
      assertShape('CandidatePair', pair, { protocol: 'object', packetsSent: 'number', bytesSent: 'number' });
      assert.deepEqual(pair.remoteAddr, ['127.0.0.1', 5000]);
    } finally {
      await protocol.close();
    }
  });

  it("the shared UDP port (udp-mux.ts, attachUdpMux): StunProtocol's own connectionMade, datagramReceived, the transport fields it reads", async () => {
    const probe = new StunProtocol();
    // An instance property (werift assigns it in the constructor): attachUdpMux replaces it per protocol.
    assert.ok(
      Object.prototype.hasOwnProperty.call(probe, 'connectionMade'),
      'StunProtocol.connectionMade is an own property',
    );
    assertShape('StunProtocol', probe, {
      connectionMade: 'function/3',
      transport: 'undefined',
      localCandidate: 'undefined',
    });
    assertShape('StunProtocol.prototype', StunProtocol.prototype, {
      datagramReceived: 'function/2',
      getExtraInfo: 'function/0',
      sendData: 'function/2',
      close: 'function/0',
    });
    // werift's own gathering with our transport: its host candidate names the shared port, and the protocol's
    // transport is ours (the one socket), as rtp-send.ts's direct path expects (socket, closed).
    const mux = new UdpMux('127.0.0.1', 0, [4], pino({ level: 'silent' }));
    await mux.start();
    const pc = new RTCPeerConnection({
      iceServers: [],
      bundlePolicy: 'max-bundle',
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    try {
      pc.addTransceiver('video', { direction: 'sendonly' });
      const connection = pc.iceTransports[0]!.connection;
      const endpoint = mux.register(connection.localUsername);
      assert.ok(endpoint);
      attachUdpMux(pc, endpoint, { 4: '127.0.0.1' });
      const gather = Reflect.get(connection, 'gatherCandidates') as () => Promise<void>;
      await Reflect.apply(gather, connection, []);
      const protocols = (Reflect.get(connection, 'protocols') as unknown[]).filter(
        (p): p is StunProtocol => p instanceof StunProtocol,
      );
      const v4 = protocols.filter((p) => p.localCandidate && !p.localCandidate.host.includes(':'));
      assert.equal(v4.length, 1, 'one IPv4 host protocol');
      const transport = Reflect.get(v4[0]!, 'transport') as object;
      assert.ok(transport instanceof MuxedUdpTransport, "its transport is the shared port's");
      assert.equal(v4[0]!.localCandidate?.port, mux.listeningPort(4));
      assert.equal(v4[0]!.localCandidate?.host, '127.0.0.1');
      assertShape('MuxedUdpTransport', transport, {
        socket: 'object',
        closed: 'boolean',
        send: 'function/2',
        socketType: 'string',
        address: 'object',
      });
      await pc.close();
      assert.equal(mux.peerCount, 0, 'werift closing the protocol unregisters the peer');
    } finally {
      await pc.close();
      await mux.stop();
    }
  });

  it("ICE protocols and candidates: the TCP mux's passive protocol, STUN requests, TURN refresh", () => {
    assertShape('TcpPassiveProtocol.prototype', TcpPassiveProtocol.prototype, {
      connectionMade: 'function/2',
      registerSocket: 'function/2',
      close: 'function/0',
    });
    assert.equal(
      typeof Object.getOwnPropertyDescriptor(TcpPassiveProtocol.prototype, 'listeningPort')?.get,
      'function',
      'listeningPort is a getter',
    );
    assert.equal(TcpPassiveProtocol.length, 0, 'TcpPassiveProtocol() takes no arguments');
    // (request, addr, integrityKey?, options?, ...): the shim passes four.
    assertShape('StunProtocol.prototype', StunProtocol.prototype, { request: 'function/5', sendStun: 'function/2' });
    assertShape('TurnProtocol.prototype', TurnProtocol.prototype, {
      connectionMade: 'function/0',
      requestWithRetry: 'function/2',
    });
    const turn = new TurnProtocol(['127.0.0.1', 3478], 'user', 'pass', 600, {} as never);
    assertShape('TurnProtocol', turn, { refresh: 'function', refreshHandle: 'undefined' });
    // foundation, component, transport, priority, host, port, type, relatedAddress, relatedPort, tcptype, generation, ufrag
    assert.equal(Candidate.length, 12, 'Candidate takes 12 parameters');
  });

  it('SRTP: the AES-CM cipher object behind a session (srtp-fast.ts replaces its encryptRtp)', () => {
    const keys = {
      localMasterKey: randomBytes(16),
      localMasterSalt: randomBytes(14),
      remoteMasterKey: randomBytes(16),
      remoteMasterSalt: randomBytes(14),
    };
    const session = new SrtpSession({ keys, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const context = Reflect.get(session, 'localContext') as object;
    assert.equal(typeof context, 'object', 'SrtpSession.localContext');
    const cipher = Reflect.get(context, 'cipher') as object;
    assertShape('CipherAesCtr', cipher, {
      encryptRtp: 'function/3',
      srtpSessionKey: 'object',
      srtpSessionSalt: 'object',
      srtpSessionAuthTag: 'object',
    });
    assert.equal((Reflect.get(cipher, 'srtpSessionKey') as Buffer).length, 16);
    assert.equal((Reflect.get(cipher, 'srtpSessionSalt') as Buffer).length, 14);
  });
});
