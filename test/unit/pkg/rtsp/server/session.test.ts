import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Codec } from '../../../../../addon/src/core/codec.js';
import { Ts2rtcError } from '../../../../../addon/src/core/errors.js';
import { RtspConnection } from '../../../../../addon/src/pkg/rtsp/connection.js';
import { RtspRequestError } from '../../../../../addon/src/pkg/rtsp/errors.js';
import { createPacketizer } from '../../../../../addon/src/pkg/rtsp/formats.js';
import { basicAuthorization, type RtspResponse } from '../../../../../addon/src/pkg/rtsp/index.js';
import { ServerAuth } from '../../../../../addon/src/pkg/rtsp/server/auth.js';
import type {
  AnnounceRequest,
  DescribeRequest,
  ServerSessionHandler,
  SessionPublisher,
  SessionReader,
} from '../../../../../addon/src/pkg/rtsp/server/handler.js';
import { ServerSession } from '../../../../../addon/src/pkg/rtsp/server/session.js';
import type { SessionTrack } from '../../../../../addon/src/pkg/rtsp/server/tracks.js';
import { tcpSocketPair } from '../../../../helpers/socket-pair.js';
import { waitFor } from '../../../../helpers/wait.js';

/**
 * The server session's protocol with a tiny in-test handler, over real loopback sockets in this process: what
 * it asks the handler, what it answers (statuses, headers, SDP bytes), where client RTP goes.
 */

const silent = pino({ level: 'silent' });
const PCMU: Codec = { name: 'PCMU', clockRate: 8000, channels: 1 };

function outgoing(control: string): SessionTrack {
  return {
    control,
    media: { kind: 'audio', direction: 'sendonly', codecs: [PCMU] },
    codec: PCMU,
    payloadType: 0,
    packetizer: createPacketizer(PCMU, { payloadType: 0 }),
  };
}

function backchannel(control: string): SessionTrack {
  return {
    control,
    media: { kind: 'audio', direction: 'recvonly', codecs: [PCMU] },
    codec: PCMU,
    payloadType: 0,
    sdpDirection: 'sendonly',
  };
}

interface Received {
  readonly track: SessionTrack;
  readonly data: Buffer;
}

/** The handler's reader or publisher: counts PLAY and RECORD, keeps the RTP it is handed. */
class TestMedia implements SessionReader, SessionPublisher {
  played = 0;
  recorded = 0;
  readonly received: Received[] = [];
  constructor(readonly sessionTracks: SessionTrack[]) {}
  play(): void {
    this.played++;
  }
  record(): void {
    this.recorded++;
  }
  receive(track: SessionTrack, data: Buffer): void {
    this.received.push({ track, data });
  }
}

class TestHandler implements ServerSessionHandler {
  readonly describes: DescribeRequest[] = [];
  readonly announces: AnnounceRequest[] = [];
  closes = 0;
  reader = new TestMedia([outgoing('trackID=0'), backchannel('trackID=1')]);
  publisher: TestMedia | undefined;
  describeWith: (request: DescribeRequest) => Promise<SessionReader> = async () => this.reader;
  announceWith: (request: AnnounceRequest) => SessionPublisher = (request) => {
    this.publisher = new TestMedia(
      request.tracks.map((t) => ({
        control: t.control,
        media: t.media,
        codec: t.media.codecs[0] ?? PCMU,
        payloadType: t.payloadType,
      })),
    );
    return this.publisher;
  };

  describe(request: DescribeRequest): Promise<SessionReader> {
    this.describes.push(request);
    return this.describeWith(request);
  }
  announce(request: AnnounceRequest): SessionPublisher {
    this.announces.push(request);
    return this.announceWith(request);
  }
  async close(): Promise<void> {
    this.closes++;
  }
}

interface Peer {
  readonly handler: TestHandler;
  readonly client: RtspConnection;
  readonly clientSocket: Socket;
  readonly url: string;
  ask(method: string, path?: string, headers?: Record<string, string>, body?: string): Promise<RtspResponse>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function open(options: { auth?: ServerAuth; handler?: TestHandler } = {}): Promise<Peer> {
  const pair = await tcpSocketPair();
  const clientSocket = pair.client;
  const handler = options.handler ?? new TestHandler();
  const conn = new RtspConnection(pair.server, silent);
  new ServerSession(conn, handler, {
    udpHost: '127.0.0.1',
    log: silent,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  const client = new RtspConnection(clientSocket, silent);
  cleanups.push(() => {
    client.close();
    conn.close();
    pair.close();
  });
  const url = `rtsp://127.0.0.1:${pair.server.localPort}`;
  return {
    handler,
    client,
    clientSocket,
    url,
    ask: (method, path = '/cam', headers = {}, body) =>
      client.request({ method, uri: `${url}${path}`, headers, ...(body !== undefined ? { body } : {}) }),
  };
}

/** Bytes that pass for RTP (version 2) where the reader looks; the session hands them on as they are. */
function rtp(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from(text)]);
}

function canBind(port: number): Promise<boolean> {
  const probe = createSocket('udp4');
  return new Promise((resolve) => {
    probe.once('error', () => {
      probe.close();
      resolve(false);
    });
    probe.bind(port, '127.0.0.1', () => {
      probe.close();
      resolve(true);
    });
  });
}

const PUBLISH_SDP = [
  'v=0',
  'o=- 0 0 IN IP4 127.0.0.1',
  's=No Name',
  't=0 0',
  'm=audio 0 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  'a=control:streamid=0',
  '',
].join('\r\n');

describe('RTSP server session', () => {
  it('answers OPTIONS with the methods it serves, echoing CSeq', async () => {
    const peer = await open();
    const res = await peer.ask('OPTIONS');
    assert.equal(res.status, 200);
    assert.equal(
      res.headers.get('Public'),
      'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, ANNOUNCE, RECORD, GET_PARAMETER, SET_PARAMETER',
    );
    assert.equal(res.headers.get('CSeq'), '1');
  });

  it('DESCRIBE asks the handler for the path and answers its tracks as SDP', async () => {
    const peer = await open();
    const res = await peer.ask('DESCRIBE', '/cam%20one?video&audio=all', {
      Require: 'www.onvif.org/ver20/backchannel',
    });
    assert.equal(res.status, 200);
    const [request] = peer.handler.describes;
    assert.equal(request?.path, 'cam one');
    assert.equal(request?.query.toString(), 'video=&audio=all');
    assert.equal(request?.backchannel, true);
    assert.equal(res.headers.get('Content-Base'), `${peer.url}/cam%20one/`);
    assert.equal(res.headers.get('Content-Type'), 'application/sdp');
    assert.equal(
      res.body.toString(),
      [
        'v=0',
        'o=- 0 0 IN IP4 0.0.0.0',
        's=ts2rtc',
        'c=IN IP4 0.0.0.0',
        't=0 0',
        'm=audio 0 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=control:trackID=0',
        'm=audio 0 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=control:trackID=1',
        'a=sendonly',
        '',
      ].join('\r\n'),
    );
    const plain = await open();
    await plain.ask('DESCRIBE');
    assert.equal(plain.handler.describes[0]?.backchannel, false);
  });

  it("answers the handler's refusals with their status, unreadable requests 400, anything else 500", async () => {
    const peer = await open();
    const refusals: unknown[] = [
      new RtspRequestError(404, 'stream not found: cam'),
      new RtspRequestError(503, 'no source'),
      new Ts2rtcError('SDP_BAD_LINE', 'bad'),
      new Ts2rtcError('RTSP_BAD_HEADER', 'bad'),
      new Error('boom'),
    ];
    const statuses: number[] = [];
    for (const refusal of refusals) {
      peer.handler.describeWith = () => Promise.reject(refusal);
      statuses.push((await peer.ask('DESCRIBE')).status);
    }
    assert.deepEqual(statuses, [404, 503, 400, 400, 500]);
    // A refused DESCRIBE leaves the session as it was: the next one is asked again, a second one is not.
    peer.handler.describeWith = async () => peer.handler.reader;
    assert.equal((await peer.ask('DESCRIBE')).status, 200);
    assert.equal((await peer.ask('DESCRIBE')).status, 455);
    assert.equal((await peer.ask('ANNOUNCE', '/cam', {}, PUBLISH_SDP)).status, 455);
    assert.equal(peer.handler.describes.length, 6);
    assert.equal(peer.handler.announces.length, 0);
  });

  it('refuses what comes out of order, unknown methods and transports it cannot offer', async () => {
    const peer = await open();
    const tcp = { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' };
    assert.equal((await peer.ask('SETUP', '/cam/trackID=0', tcp)).status, 455);
    assert.equal((await peer.ask('PLAY')).status, 455);
    assert.equal((await peer.ask('RECORD')).status, 455);
    assert.equal((await peer.ask('REDIRECT')).status, 501);
    const keepalive = await peer.ask('GET_PARAMETER');
    assert.equal(keepalive.status, 200);
    assert.match(keepalive.headers.get('Session') ?? '', /^[0-9a-f]{16};timeout=60$/);
    await peer.ask('DESCRIBE');
    assert.equal((await peer.ask('SETUP', '/cam/trackID=7', tcp)).status, 404);
    const multicast = { Transport: 'RTP/AVP;multicast;client_port=5000-5001' };
    assert.equal((await peer.ask('SETUP', '/cam/trackID=0', multicast)).status, 461);
    assert.equal((await peer.ask('RECORD')).status, 455);
  });

  it('sets up interleaved tracks, plays after the answer, and hands backchannel RTP to the reader', async () => {
    const peer = await open();
    await peer.ask('DESCRIBE');
    const video = await peer.ask('SETUP', '/cam/trackID=0', { Transport: 'RTP/AVP/TCP;unicast' });
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('Transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1');
    const session = video.headers.get('Session');
    assert.match(session ?? '', /;timeout=60$/);
    const back = await peer.ask('SETUP', '/cam/trackID=1', { Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5' });
    assert.equal(back.headers.get('Transport'), 'RTP/AVP/TCP;unicast;interleaved=4-5');
    assert.equal(back.headers.get('Session'), session);

    const reader = peer.handler.reader;
    const play = await peer.ask('PLAY', '/cam?video');
    assert.equal(play.status, 200);
    const sequence = reader.sessionTracks[0]?.packetizer?.nextSequence;
    assert.equal(play.headers.get('RTP-Info'), `url=${peer.url}/cam/trackID=0;seq=${sequence}`);
    assert.equal(play.headers.get('Range'), 'npt=0.000-');
    await waitFor(() => reader.played === 1, { what: 'play()' });

    peer.client.writeFrame(4, [rtp('talk')]);
    peer.client.writeFrame(5, [rtp('report')]);
    await waitFor(() => reader.received.length === 1, { what: 'backchannel RTP' });
    assert.equal(reader.received[0]?.track, reader.sessionTracks[1]);
    assert.deepEqual(reader.received[0]?.data, rtp('talk'));
  });

  it('ANNOUNCE hands the handler the tracks it can receive; RECORD and RTP go to its publisher', async () => {
    const peer = await open();
    const res = await peer.ask('ANNOUNCE', '/live', { 'Content-Type': 'application/sdp' }, PUBLISH_SDP);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('Session') ?? '', /;timeout=60$/);
    const [request] = peer.handler.announces;
    assert.equal(request?.path, 'live');
    assert.equal(request?.sdp, PUBLISH_SDP);
    assert.deepEqual(
      request?.tracks.map((t) => [t.control, t.media.kind, t.media.direction]),
      [['streamid=0', 'audio', 'recvonly']],
    );
    const setup = await peer.ask('SETUP', '/live/streamid=0', {
      Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
    });
    assert.equal(setup.headers.get('Transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record');
    assert.equal((await peer.ask('PLAY')).status, 455);
    assert.equal((await peer.ask('RECORD')).status, 200);
    const publisher = peer.handler.publisher;
    await waitFor(() => publisher?.recorded === 1, { what: 'record()' });
    peer.client.writeFrame(0, [rtp('media')]);
    await waitFor(() => publisher?.received.length === 1, { what: 'published RTP' });
    assert.equal(publisher?.received[0]?.track, publisher?.sessionTracks[0]);
  });

  it('refuses an ANNOUNCE without a path (400), with nothing to receive (415), with a bad SDP, or as the handler says', async () => {
    const peer = await open();
    assert.equal((await peer.ask('ANNOUNCE', '/', {}, PUBLISH_SDP)).status, 400);
    const inactive = PUBLISH_SDP.replace('a=control:streamid=0', 'a=control:streamid=0\r\na=inactive');
    assert.equal((await peer.ask('ANNOUNCE', '/live', {}, inactive)).status, 415);
    assert.equal((await peer.ask('ANNOUNCE', '/live', {}, 'not an SDP')).status, 400);
    assert.equal(peer.handler.announces.length, 0);
    peer.handler.announceWith = () => {
      throw new RtspRequestError(404, 'stream not found: live');
    };
    assert.equal((await peer.ask('ANNOUNCE', '/live', {}, PUBLISH_SDP)).status, 404);
    assert.equal((await peer.ask('SETUP', '/live/streamid=0', { Transport: 'RTP/AVP/TCP;unicast' })).status, 455);
  });

  it('receives a publisher over UDP from the client only, and frees the ports when the session ends', async () => {
    const peer = await open();
    await peer.ask('ANNOUNCE', '/live', {}, PUBLISH_SDP);
    const setup = await peer.ask('SETUP', '/live/streamid=0', {
      Transport: 'RTP/AVP;unicast;client_port=40000-40001;mode=record',
    });
    assert.equal(setup.status, 200);
    const transport = /server_port=(\d+)-(\d+)/.exec(setup.headers.get('Transport') ?? '');
    const rtpPort = Number(transport?.[1]);
    assert.equal(Number(transport?.[2]), rtpPort + 1);
    assert.match(setup.headers.get('Transport') ?? '', /^RTP\/AVP;unicast;client_port=40000-40001;server_port=/);
    const udp = createSocket('udp4');
    cleanups.push(() => udp.close());
    udp.send(rtp('media'), rtpPort, '127.0.0.1');
    const publisher = peer.handler.publisher;
    await waitFor(() => publisher?.received.length === 1, { what: 'UDP RTP' });
    peer.clientSocket.destroy();
    await waitFor(() => peer.handler.closes === 1, { what: 'handler close' });
    // The RTP port is free again (the socket's close completes asynchronously).
    await waitFor(() => canBind(rtpPort), { what: `UDP port ${rtpPort} free` });
  });

  it('asks for credentials with Digest and Basic challenges and lets the right ones in', async () => {
    const peer = await open({ auth: new ServerAuth('user', 'secret', false) });
    const refused = await peer.ask('DESCRIBE');
    assert.equal(refused.status, 401);
    const challenges = refused.headers.getAll('WWW-Authenticate');
    assert.equal(challenges.length, 2);
    assert.match(challenges[0] ?? '', /^Digest realm="go2rtc", nonce="[0-9a-f]{32}"/);
    assert.equal(challenges[1], 'Basic realm="go2rtc"');
    assert.equal(peer.handler.describes.length, 0);
    const wrong = await peer.ask('DESCRIBE', '/cam', {
      Authorization: basicAuthorization({ username: 'user', password: 'wrong' }),
    });
    assert.equal(wrong.status, 401);
    const right = await peer.ask('DESCRIBE', '/cam', {
      Authorization: basicAuthorization({ username: 'user', password: 'secret' }),
    });
    assert.equal(right.status, 200);
  });

  it('TEARDOWN answers, then closes the connection; the handler hears of it once', async () => {
    const peer = await open();
    await peer.ask('DESCRIBE');
    const closed = new Promise<void>((resolve) => peer.client.onClose.once(() => resolve()));
    const res = await peer.ask('TEARDOWN');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('Session') ?? '', /;timeout=60$/);
    await closed;
    await waitFor(() => peer.handler.closes === 1, { what: 'handler close' });
  });

  it('tells the handler when the client hangs up during DESCRIBE', async () => {
    const handler = new TestHandler();
    let release: () => void = () => undefined;
    let closesSeen = -1;
    handler.describeWith = () =>
      new Promise((_resolve, reject) => {
        release = () => {
          closesSeen = handler.closes;
          reject(new RtspRequestError(499, 'client closed during DESCRIBE'));
        };
      });
    const peer = await open({ handler });
    void peer.ask('DESCRIBE').catch(() => undefined);
    await waitFor(() => handler.describes.length === 1, { what: 'DESCRIBE' });
    peer.clientSocket.destroy();
    await waitFor(() => handler.closes === 1, { what: 'handler close' });
    release();
    assert.equal(closesSeen, 1);
  });
});
