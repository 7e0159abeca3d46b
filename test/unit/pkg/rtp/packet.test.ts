import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpError, parseRtp, serializeRtpHeader, type RtpErrorCode } from '../../../../addon/src/pkg/rtp/index.js';
import { fixtureUrl, isViewOf, readPackets } from './capture.js';

function throwsCode(fn: () => unknown, code: RtpErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === code);
}

describe('parseRtp', () => {
  it('reads the first packet rtph264pay sent (a STAP-A with SPS and PPS)', () => {
    const [first] = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'));
    assert.ok(first);
    const p = parseRtp(first);
    assert.deepEqual(
      [p.version, p.padding, p.extension, p.marker, p.payloadType, p.sequence, p.timestamp, p.ssrc, p.csrc],
      [2, false, false, false, 96, 2692, 3041376493, 2190750768, []],
    );
    assert.equal(p.payload.length, first.length - 12);
    assert.equal(p.payload[0], 0x78, 'STAP-A with NRI 3');
    assert.ok(isViewOf(p.payload, first), 'the payload is a view, not a copy');
  });

  it('reads CSRCs, a header extension and padding', () => {
    const bytes = Buffer.from(
      'b2' +
        'e1' +
        '0102' +
        '00000064' +
        'deadbeef' +
        '00000001' +
        '00000002' +
        'bede0001' +
        '10ff0000' +
        'aabbcc' +
        '000003',
      'hex',
    );
    const p = parseRtp(bytes);
    assert.deepEqual(
      [p.padding, p.extension, p.marker, p.payloadType, p.sequence, p.timestamp, p.ssrc],
      [true, true, true, 97, 258, 100, 0xdeadbeef],
    );
    assert.deepEqual(p.csrc, [1, 2]);
    assert.equal(p.headerExtension?.profile, 0xbede);
    assert.deepEqual(p.headerExtension?.data, Buffer.from('10ff0000', 'hex'));
    assert.deepEqual(p.payload, Buffer.from('aabbcc', 'hex'), 'padding removed');
  });

  it('rejects what is not RTP with typed codes', () => {
    throwsCode(() => parseRtp(Buffer.alloc(11)), 'RTP_TRUNCATED');
    throwsCode(() => parseRtp(Buffer.from('40600001000000000000000000', 'hex')), 'RTP_BAD_VERSION');
    throwsCode(() => parseRtp(Buffer.from('8360000100000000000000000000', 'hex')), 'RTP_TRUNCATED'); // 3 CSRCs missing
    throwsCode(() => parseRtp(Buffer.from('906000010000000000000000bede0002', 'hex')), 'RTP_TRUNCATED'); // extension words missing
    throwsCode(() => parseRtp(Buffer.from('a0600001000000000000000000', 'hex')), 'RTP_TRUNCATED'); // padding count 0
    throwsCode(() => parseRtp(Buffer.from('a060000100000000000000000105', 'hex')), 'RTP_TRUNCATED'); // padding larger than payload
  });
});

describe('serializeRtpHeader', () => {
  it('writes the 12 bytes rtph264pay wrote, so [header, payload] is the packet', () => {
    const [first] = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'));
    assert.ok(first);
    const p = parseRtp(first);
    const header = serializeRtpHeader(p);
    assert.deepEqual(Buffer.concat([header, p.payload]), first);
  });

  it('takes unwrapped timestamps and sequence numbers modulo their width', () => {
    const header = serializeRtpHeader({
      marker: true,
      payloadType: 8,
      sequence: 65536 + 3,
      timestamp: 2 ** 32 * 5 + 7,
      ssrc: 2 ** 32 - 1,
    });
    assert.equal(header.toString('hex'), '8088000300000007ffffffff');
  });

  it('round-trips CSRCs, extension and the padding flag', () => {
    const fields = {
      marker: false,
      payloadType: 111,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      csrc: [4, 5],
      headerExtension: { profile: 0x1000, data: Buffer.from('0102030405060708', 'hex') },
      paddingSize: 4,
    };
    const header = serializeRtpHeader(fields);
    const parsed = parseRtp(Buffer.concat([header, Buffer.from('99', 'hex'), Buffer.from('00000004', 'hex')]));
    assert.deepEqual(parsed.csrc, [4, 5]);
    assert.deepEqual(parsed.headerExtension, fields.headerExtension);
    assert.deepEqual(parsed.payload, Buffer.from('99', 'hex'));
  });

  it('refuses fields that cannot be written', () => {
    throwsCode(() => serializeRtpHeader({ payloadType: 128, sequence: 0, timestamp: 0, ssrc: 0 }), 'RTP_BAD_OPTIONS');
    throwsCode(
      () =>
        serializeRtpHeader({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, csrc: new Array<number>(16).fill(1) }),
      'RTP_BAD_OPTIONS',
    );
    throwsCode(
      () =>
        serializeRtpHeader({
          payloadType: 0,
          sequence: 0,
          timestamp: 0,
          ssrc: 0,
          headerExtension: { profile: 1, data: Buffer.alloc(3) },
        }),
      'RTP_BAD_OPTIONS',
    );
  });
});
