import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AckCounter,
  ChunkWriter,
  RtmpError,
  command,
  onStatus,
  parseCommand,
  parseRtmpUrl,
  parseUserControl,
  setChunkSize,
  setPeerBandwidth,
  statusInfo,
  userControl,
  windowAckSize,
  type OutgoingMessage,
} from '../../../../addon/src/pkg/rtmp/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const wire = (m: OutgoingMessage) => Buffer.concat(new ChunkWriter().write(m.csid, m));

describe('RTMP messages', () => {
  it('protocol control messages byte for byte', () => {
    assert.deepEqual(wire(setChunkSize(4096)), hex('02 000000 000004 01 00000000 00001000'));
    assert.deepEqual(wire(windowAckSize(2500000)), hex('02 000000 000004 05 00000000 002625a0'));
    assert.deepEqual(wire(setPeerBandwidth(2500000)), hex('02 000000 000005 06 00000000 002625a0 02'));
    assert.deepEqual(wire(userControl(0, 1)), hex('02 000000 000006 04 00000000 0000 00000001'));
    assert.deepEqual(parseUserControl(hex('0006 12345678')), { event: 6, value: 0x12345678 });
    assert.equal(parseUserControl(hex('0006')), undefined);
  });

  it('commands: encoded as AMF0 on chunk stream 3, parsed back; AMF3-flavoured commands too', () => {
    const msg = command(1, 'play', 0, null, 'cam', -2);
    assert.equal(msg.csid, 3);
    assert.equal(msg.type, 20);
    assert.deepEqual(parseCommand(20, msg.payload), {
      name: 'play',
      transactionId: 0,
      object: null,
      args: ['cam', -2],
    });
    assert.deepEqual(parseCommand(17, Buffer.concat([hex('00'), msg.payload])).name, 'play');
    assert.throws(
      () => parseCommand(20, hex('00 3ff0000000000000')),
      (err: RtmpError) => err.code === 'RTMP_COMMAND',
    );
    const status = parseCommand(20, onStatus(1, 'error', 'NetStream.Play.StreamNotFound', 'no cam').payload);
    assert.deepEqual(statusInfo(status.args[0] ?? null), {
      level: 'error',
      code: 'NetStream.Play.StreamNotFound',
      description: 'no cam',
    });
  });

  it('acknowledges after each window of received bytes', () => {
    const ack = new AckCounter();
    assert.equal(ack.count(5000), undefined); // no window yet
    ack.window = 10000;
    assert.equal(ack.count(4000), undefined);
    assert.equal(ack.count(1000), 10000);
    assert.equal(ack.count(9999), undefined);
    assert.equal(ack.count(1), 20000);
  });

  it('splits rtmp:// URLs into app, stream and tcUrl', () => {
    assert.deepEqual(parseRtmpUrl('rtmp://127.0.0.1:1936/live/cam?key=1'), {
      host: '127.0.0.1',
      port: 1936,
      app: 'live',
      stream: 'cam?key=1',
      tcUrl: 'rtmp://127.0.0.1:1936/live',
    });
    assert.deepEqual(parseRtmpUrl('rtmp://host/app/inst/name'), {
      host: 'host',
      port: 1935,
      app: 'app/inst',
      stream: 'name',
      tcUrl: 'rtmp://host:1935/app/inst',
    });
    assert.throws(
      () => parseRtmpUrl('rtmp://host/only'),
      (err: RtmpError) => err.code === 'RTMP_COMMAND',
    );
    assert.throws(
      () => parseRtmpUrl('http://host/a/b'),
      (err: RtmpError) => err.code === 'RTMP_COMMAND',
    );
  });
});
