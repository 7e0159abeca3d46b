import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  RtspError,
  RtspReader,
  buildRange,
  buildRtpInfo,
  buildSession,
  buildTransport,
  parseCSeq,
  parseRange,
  parseRtpInfo,
  parseSession,
  parseTokenList,
  parseTransport,
} from '../../../../addon/src/pkg/rtsp/index.js';

const responses = new RtspReader()
  .push(readFileSync(new URL('./fixtures/gst_onvif_digest.server.bin', import.meta.url)))
  .filter((i) => i.kind === 'response');

describe('Transport', () => {
  it('the Transport GStreamer answered SETUP with', () => {
    const value = responses[3]?.headers.get('transport') ?? '';
    assert.match(value, /^RTP\/AVP\/TCP;unicast;interleaved=0-1;ssrc=[0-9A-F]{8};mode="PLAY"$/);
    const [spec] = parseTransport(value);
    assert.ok(spec);
    assert.deepEqual(
      [spec.protocol, spec.lowerTransport, spec.delivery, spec.interleaved, spec.mode],
      ['RTP/AVP', 'TCP', 'unicast', [0, 1], 'PLAY'],
    );
    assert.equal(spec.ssrc?.toString(16).toUpperCase().padStart(8, '0'), /ssrc=([0-9A-F]+)/.exec(value)?.[1]);
  });

  it('several client choices, UDP ports, multicast fields, unknown parameters kept', () => {
    const specs = parseTransport(
      'RTP/AVP/TCP;unicast;interleaved=2, RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971, RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16;x-extra=1;mode=record',
    );
    assert.deepEqual(
      specs.map((s) => [
        s.lowerTransport,
        s.interleaved,
        s.clientPort,
        s.serverPort,
        s.port,
        s.ttl,
        s.destination,
        s.mode,
      ]),
      [
        ['TCP', [2, 3], undefined, undefined, undefined, undefined, undefined, undefined],
        ['UDP', undefined, [5000, 5001], [6970, 6971], undefined, undefined, undefined, undefined],
        ['UDP', undefined, undefined, undefined, [3456, 3457], 16, '224.2.0.1', 'RECORD'],
      ],
    );
    assert.deepEqual(specs[2]?.other, [['x-extra', '1']]);
    assert.throws(
      () => parseTransport('garbage'),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_HEADER',
    );
  });

  it('writes what servers and ffmpeg write', () => {
    assert.equal(
      buildTransport({
        protocol: 'RTP/AVP',
        lowerTransport: 'TCP',
        delivery: 'unicast',
        interleaved: [0, 1],
        mode: 'RECORD',
      }),
      'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
    );
    assert.equal(
      buildTransport({
        protocol: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        clientPort: [5000, 5001],
        serverPort: [6970, 6971],
        ssrc: 0xa1b2,
      }),
      'RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0000A1B2',
    );
  });
});

describe('Session, RTP-Info, Range, CSeq', () => {
  it('Session with and without timeout', () => {
    const session = parseSession(responses[3]?.headers.get('session') ?? '');
    assert.match(session.id, /^[\w.+-]{16}$/);
    assert.deepEqual(parseSession('12345678;timeout=60'), { id: '12345678', timeout: 60 });
    assert.deepEqual(parseSession(' 47112344 ; Timeout = 30'), { id: '47112344', timeout: 30 });
    assert.equal(buildSession({ id: 'abc', timeout: 65 }), 'abc;timeout=65');
    assert.throws(
      () => parseSession(''),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_HEADER',
    );
  });

  it('the RTP-Info GStreamer answered PLAY with', () => {
    const play = responses[6];
    const info = parseRtpInfo(play?.headers.get('rtp-info') ?? '');
    assert.deepEqual(
      info.map((e) => e.url),
      ['rtsp://127.0.0.1:18622/cam/stream=0', 'rtsp://127.0.0.1:18622/cam/stream=1'],
    );
    assert.ok(info.every((e) => e.seq !== undefined && e.rtptime !== undefined));
    assert.deepEqual(parseRtpInfo(buildRtpInfo(info)), info);
    assert.deepEqual(parseRtpInfo('url=rtsp://cam/a?x=1,2;seq=5, url=rtsp://cam/b;rtptime=4294967295'), [
      { url: 'rtsp://cam/a?x=1,2', seq: 5 },
      { url: 'rtsp://cam/b', rtptime: 4294967295 },
    ]);
  });

  it('Range, CSeq and token lists', () => {
    assert.deepEqual(parseRange('npt=0.000-'), { unit: 'npt', start: '0.000', end: '', startSeconds: 0 });
    assert.deepEqual(parseRange('npt=now-'), { unit: 'npt', start: 'now', end: '' });
    assert.deepEqual(parseRange('npt=1:02:03.5-7'), {
      unit: 'npt',
      start: '1:02:03.5',
      end: '7',
      startSeconds: 3723.5,
      endSeconds: 7,
    });
    assert.deepEqual(parseRange('clock=19961108T142300Z-19961108T143520Z'), {
      unit: 'clock',
      start: '19961108T142300Z',
      end: '19961108T143520Z',
    });
    assert.equal(buildRange({ start: '0.000' }), 'npt=0.000-');
    assert.throws(
      () => parseRange('bogus'),
      (e: unknown) => e instanceof RtspError && e.code === 'RTSP_BAD_HEADER',
    );
    assert.equal(parseCSeq(' 12 '), 12);
    assert.equal(parseCSeq('x'), undefined);
    assert.deepEqual(parseTokenList(responses[0]?.headers.get('public')), [
      'OPTIONS',
      'DESCRIBE',
      'ANNOUNCE',
      'GET_PARAMETER',
      'PAUSE',
      'PLAY',
      'RECORD',
      'SETUP',
      'SET_PARAMETER',
      'TEARDOWN',
    ]);
  });
});
