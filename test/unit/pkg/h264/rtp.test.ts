import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  H264Depacketizer,
  H264Packetizer,
  NalUnitType,
  buildH264Fmtp,
  joinAvcc,
  nalType,
  parseH264Fmtp,
  splitAnnexB,
  splitAvcc,
} from '../../../../addon/src/pkg/h264/index.js';
import { RtpError, parseRtp, rtpPacketToBuffer, type RtpErrorCode } from '../../../../addon/src/pkg/rtp/index.js';
import { H264_CASES, P, PPS, SPS, hex } from './rtp-cases.js';
import {
  accessUnits,
  depacketizeAll,
  fixtureUrl,
  packetizeAll,
  readFrames,
  readPackets,
  readSession,
} from '../rtp/capture.js';

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 96;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  h.writeUInt32BE(0x11223344, 8);
  return Buffer.concat([h, payload]);
}

function throwsCode(fn: () => unknown, code: RtpErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RtpError && e.code === code);
}

describe('H264 packetizer and depacketizer, case table', () => {
  for (const c of H264_CASES) {
    it(c.name, () => {
      const frame = joinAvcc(c.nalus);
      const packetizer = new H264Packetizer({
        payloadType: 96,
        ssrc: 0x11223344,
        initialSequence: 65535,
        maxPayloadSize: c.maxPayloadSize ?? 1200,
        ...(c.aggregate !== undefined ? { aggregate: c.aggregate } : {}),
      });
      const packets = packetizer.packetize({ payload: frame, timestamp: 2 ** 32 + 90000, keyframe: true });
      assert.deepEqual(
        packets.map((p) => Buffer.concat(p.payload).toString('hex')),
        c.payloads,
      );
      assert.deepEqual(
        packets.map((p) => p.marker),
        c.payloads.map((_, i) => i === c.payloads.length - 1),
      );
      assert.deepEqual(
        packets.map((p) => p.sequence),
        c.payloads.map((_, i) => (65535 + i) & 0xffff),
      );
      for (const p of packets) {
        assert.equal(p.timestamp, 90000);
        assert.equal(p.payloadSize, Buffer.concat(p.payload).length);
        for (const part of p.payload) {
          // Media bytes are views into the frame; only format headers (<= 3 bytes) are new.
          assert.ok(part.buffer === frame.buffer || part.length <= 3, `part of ${part.length} bytes copied`);
        }
      }
      const depacketizer = new H264Depacketizer({ waitKeyframe: false });
      const frames = depacketizeAll(depacketizer, packets.map(rtpPacketToBuffer));
      assert.deepEqual(
        frames.map((f) => [f.payload.toString('hex'), f.timestamp]),
        [[frame.toString('hex'), 90000]],
      );
    });
  }
});

describe('H264 depacketizer on real streams', () => {
  it('rtph264pay (STAP-A, FU-A, single NAL units): the access units x264enc produced', () => {
    const packets = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'));
    const encoded = readFrames(fixtureUrl('h264', 'rtp/gst_h264.frames'));
    const frames = depacketizeAll(new H264Depacketizer(), packets);
    assert.equal(frames.length, encoded.length);
    const isParameterSet = (n: Buffer) => nalType(n) === NalUnitType.SPS || nalType(n) === NalUnitType.PPS;
    frames.forEach((f, i) => {
      const ours = splitAvcc(f.payload);
      const theirs = splitAnnexB(encoded[i] as Buffer);
      // rtph264pay (config-interval=-1) sends SPS/PPS again before each of the two IDR slices.
      assert.deepEqual(
        ours.filter((n) => !isParameterSet(n)),
        theirs.filter((n) => !isParameterSet(n)),
        `access unit ${i}`,
      );
      assert.equal(
        f.keyframe,
        theirs.some((n) => nalType(n) === NalUnitType.IDR),
      );
      if (f.keyframe)
        assert.deepEqual(ours.slice(0, 3).map(nalType), [NalUnitType.AUD, NalUnitType.SPS, NalUnitType.PPS]);
    });
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      encoded.map((_, i) => i % 6 === 0),
    );
    const ts = frames.map((f) => f.timestamp - (frames[0]?.timestamp ?? 0));
    assert.deepEqual(
      ts,
      encoded.map((_, i) => i * 3600),
      '25 fps at 90 kHz',
    );
  });

  it('ffmpeg -f rtsp (FU-A and single NAL units): every NAL unit of the Annex B file it streamed, in order', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin'));
    const fmtp =
      'packetization-mode=1; sprop-parameter-sets=Z0LAC9kDBGwEQAAAAwBAAAAMg8UKkg==,aMuDyyA=; profile-level-id=42C00B';
    const frames = depacketizeAll(new H264Depacketizer({ fmtp }), channels.get(0) ?? []);
    const file = splitAnnexB(readFileSync(fixtureUrl('h264', 'rtp/ffmpeg_ref.h264')));
    assert.deepEqual(
      frames.flatMap((f) => splitAvcc(f.payload)),
      file,
    );
    assert.equal(frames.length, 12);
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      frames.map((_, i) => i % 6 === 0),
    );
  });

  it('GStreamer RTSP server session (TCP interleaved): 22 access units from the first IDR on', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'gst_onvif_digest.server.bin'));
    const frames = depacketizeAll(new H264Depacketizer(), channels.get(0) ?? []);
    assert.equal(frames.length, 22);
    assert.ok(frames[0]?.keyframe);
    assert.deepEqual(
      splitAvcc(frames[0]?.payload ?? Buffer.alloc(0)).map(nalType),
      [9, 7, 8, 6, 5, 5],
      'AUD, SPS, PPS, SEI, two IDR slices',
    );
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      frames.map((_, i) => i % 10 === 0),
      'key-int-max=10',
    );
  });
});

describe('H264 depacketizer: loss, key frames, parameter sets', () => {
  const packets = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'));

  it('a lost FU-A fragment drops its access unit and what follows up to the next IDR', () => {
    // Packet 2 ends the first access unit's fragmented SEI; the rest of that unit is useless too.
    const d = new H264Depacketizer();
    const frames = depacketizeAll(
      d,
      packets.filter((_, i) => i !== 2),
    );
    assert.equal(frames.length, 6, 'only the second GOP (IDR at frame 6) comes out');
    assert.ok(frames[0]?.keyframe);
    assert.equal(d.stats.packetsLost, 1);
    assert.equal(d.stats.framesDropped, 6);
  });

  it('without waitKeyframe the access units after the loss still come out', () => {
    const d = new H264Depacketizer({ waitKeyframe: false });
    assert.equal(
      depacketizeAll(
        d,
        packets.filter((_, i) => i !== 2),
      ).length,
      11,
    );
  });

  it('duplicates and late packets are ignored', () => {
    const d = new H264Depacketizer();
    const frames = depacketizeAll(d, [...packets.slice(0, 6), packets[3] as Buffer, ...packets.slice(6)]);
    assert.equal(frames.length, 12);
  });

  it('inserts sprop-parameter-sets before an IDR that comes without them, after an AUD', () => {
    const d = new H264Depacketizer({ fmtp: buildH264Fmtp({ sps: [SPS], pps: [PPS] }) });
    const aud = hex('0910');
    const frames = depacketizeAll(d, [
      rtp(1, 3000, false, aud),
      rtp(2, 3000, true, hex('6588aa')),
      rtp(3, 6000, true, P),
    ]);
    assert.deepEqual(
      frames.map((f) => splitAvcc(f.payload).map(nalType)),
      [[9, 7, 8, 5], [1]],
    );
    assert.deepEqual(splitAvcc(frames[0]?.payload ?? Buffer.alloc(0))[1], SPS);
    assert.deepEqual(
      frames.map((f) => f.keyframe),
      [true, false],
    );
  });

  it('remembers in-band SPS/PPS sent as their own access unit for the next IDR', () => {
    const d = new H264Depacketizer();
    const frames = depacketizeAll(d, [
      rtp(1, 0, true, SPS),
      rtp(2, 0, true, PPS),
      rtp(3, 3000, true, hex('6588bb')),
      rtp(4, 6000, true, hex('6588cc')),
    ]);
    assert.deepEqual(
      frames.map((f) => splitAvcc(f.payload).map(nalType)),
      [
        [7, 8, 5],
        [7, 8, 5],
      ],
    );
  });

  it('closes an access unit on a timestamp change when the marker bit is missing', () => {
    const d = new H264Depacketizer({ waitKeyframe: false });
    assert.deepEqual(d.push(parseRtp(rtp(1, 100, false, P))), []);
    const out = d.push(parseRtp(rtp(2, 200, true, P)));
    assert.deepEqual(
      out.map((f) => f.timestamp),
      [100, 200],
    );
  });

  it('rejects malformed payloads with typed codes and recovers on the next access unit', () => {
    const d = new H264Depacketizer({ waitKeyframe: false });
    throwsCode(() => d.push(parseRtp(rtp(1, 0, true, hex('180005aabb')))), 'RTP_BAD_PAYLOAD'); // STAP-A size past the end
    throwsCode(() => d.push(parseRtp(rtp(2, 0, true, hex('1c')))), 'RTP_BAD_PAYLOAD'); // FU-A without header
    throwsCode(() => d.push(parseRtp(rtp(3, 0, true, hex('1d8501')))), 'RTP_UNSUPPORTED'); // FU-B
    throwsCode(() => d.push(parseRtp(rtp(4, 0, true, hex('00aa')))), 'RTP_BAD_PAYLOAD'); // NAL type 0
    // More of the failed unit (same timestamp) is dropped; the next unit comes out.
    assert.equal(d.push(parseRtp(rtp(5, 0, true, P))).length, 0);
    assert.equal(d.push(parseRtp(rtp(6, 9, true, P))).length, 1);
  });

  it('caps the access unit size and NAL unit count', () => {
    const small = new H264Depacketizer({ maxFrameSize: 1000, waitKeyframe: false });
    throwsCode(
      () => small.push(parseRtp(rtp(1, 0, true, Buffer.concat([hex('41'), Buffer.alloc(1200)])))),
      'RTP_LIMIT',
    );
    const few = new H264Depacketizer({ maxNalus: 2, waitKeyframe: false });
    throwsCode(() => few.push(parseRtp(rtp(1, 0, true, hex('18 0001 09 0001 09 0001 09')))), 'RTP_LIMIT');
    const fu = new H264Depacketizer({ maxFrameSize: 1000, waitKeyframe: false });
    fu.push(parseRtp(rtp(1, 0, false, Buffer.concat([hex('7c85'), Buffer.alloc(600)]))));
    throwsCode(() => fu.push(parseRtp(rtp(2, 0, false, Buffer.concat([hex('7c05'), Buffer.alloc(600)])))), 'RTP_LIMIT');
  });
});

describe('H264 packetizer', () => {
  it('re-packetizes the captured stream so the depacketizer gives the same access units back', () => {
    const original = depacketizeAll(new H264Depacketizer(), readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp')));
    const packetizer = new H264Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 100, maxPayloadSize: 500 });
    const again = depacketizeAll(new H264Depacketizer(), packetizeAll(packetizer, original));
    assert.deepEqual(accessUnits(again), accessUnits(original));
    assert.equal(
      packetizer.nextSequence,
      100 +
        packetizeAll(
          new H264Packetizer({ payloadType: 96, ssrc: 1, initialSequence: 0, maxPayloadSize: 500 }),
          original,
        ).length,
    );
  });

  it('rejects a frame that is not AVCC and checks its options', () => {
    const p = new H264Packetizer({ payloadType: 96 });
    throwsCode(() => p.packetize({ payload: hex('000000ff41'), timestamp: 0, keyframe: false }), 'RTP_BAD_PAYLOAD');
    throwsCode(() => new H264Packetizer({ payloadType: 200 }), 'RTP_BAD_OPTIONS');
    throwsCode(() => new H264Packetizer({ payloadType: 96, maxPayloadSize: 8 }), 'RTP_BAD_OPTIONS');
  });
});

describe('H264 fmtp', () => {
  it('reads and writes packetization-mode, profile-level-id and sprop-parameter-sets', () => {
    const f = parseH264Fmtp(
      'packetization-mode=1; sprop-parameter-sets=Z0LAC9kDBGwEQAAAAwBAAAAMg8UKkg==,aMuDyyA=; profile-level-id=42C00B',
    );
    assert.equal(f.packetizationMode, 1);
    assert.equal(f.profileLevelId, '42C00B');
    assert.deepEqual(
      f.sps.map((n) => n.toString('base64')),
      ['Z0LAC9kDBGwEQAAAAwBAAAAMg8UKkg=='],
    );
    assert.deepEqual(
      f.pps.map((n) => n.toString('base64')),
      ['aMuDyyA='],
    );
    assert.equal(
      buildH264Fmtp({ sps: f.sps, pps: f.pps }),
      'packetization-mode=1;profile-level-id=42c00b;sprop-parameter-sets=Z0LAC9kDBGwEQAAAAwBAAAAMg8UKkg==,aMuDyyA=',
    );
    assert.deepEqual(parseH264Fmtp(undefined), { packetizationMode: 0, sps: [], pps: [] });
    assert.deepEqual(parseH264Fmtp('sprop-parameter-sets=!!,,aMuDyyA='), {
      packetizationMode: 0,
      sps: [],
      pps: [Buffer.from('aMuDyyA=', 'base64')],
    });
  });
});
