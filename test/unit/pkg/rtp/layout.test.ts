/**
 * RTP forwarding with the source's packet boundaries (issue 11): a frame depacketized from RTP carries how the
 * sender cut it (`rtpLayout`), and a packetizer of the same format sends the same payloads, byte for byte,
 * as long as they fit its largest payload; otherwise, or when the frame's NAL units changed, it cuts the frame
 * itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H264Depacketizer, H264Packetizer } from '../../../../addon/src/pkg/h264/index.js';
import { H265Depacketizer, H265Packetizer } from '../../../../addon/src/pkg/h265/index.js';
import {
  parseRtp,
  serializeRtpHeader,
  type RtpDepacketizer,
  type RtpFrame,
  type RtpPacketizer,
} from '../../../../addon/src/pkg/rtp/index.js';
import { depacketizeAll, fixtureUrl, readPackets } from './capture.js';

const SSRC = 0x11223344;

/** RTP packets of one frame (timestamp 3000) carrying `payloads`, the marker on the last. */
function packets(payloads: readonly Buffer[], firstSequence = 10): Buffer[] {
  return payloads.map((payload, i) =>
    Buffer.concat([
      serializeRtpHeader({
        marker: i === payloads.length - 1,
        payloadType: 96,
        sequence: firstSequence + i,
        timestamp: 3000,
        ssrc: SSRC,
      }),
      payload,
    ]),
  );
}

function depacketize(depacketizer: RtpDepacketizer, payloads: readonly Buffer[]): RtpFrame {
  const frames = depacketizeAll(depacketizer, packets(payloads));
  assert.equal(frames.length, 1);
  return frames[0] as RtpFrame;
}

/** The payloads a packetizer sends for a frame, each as one buffer, and whether the last has the marker. */
function sent(packetizer: RtpPacketizer, frame: RtpFrame): { payloads: string[]; marker: boolean[] } {
  const out = packetizer.packetize(frame);
  return { payloads: out.map((p) => Buffer.concat(p.payload).toString('hex')), marker: out.map((p) => p.marker) };
}

/** `size` bytes of `fill` after a NAL header. */
function nal(header: number[], size: number, fill: number): Buffer {
  return Buffer.concat([Buffer.from(header), Buffer.alloc(size - header.length, fill)]);
}

const h264Sps = Buffer.from('6742c01e8c8d40f0', 'hex');
const h264Pps = Buffer.from('68ce3c80', 'hex');
const h264Idr = nal([0x65], 2000, 0xab);

/** A camera's cut of an H264 key frame: STAP-A (SPS, PPS) with NRI 2 in its header, then FU-A at 700/1000/rest. */
function cameraH264(): Buffer[] {
  const stap = Buffer.concat([
    Buffer.from([0x58]),
    Buffer.from([0, h264Sps.length]),
    h264Sps,
    Buffer.from([0, h264Pps.length]),
    h264Pps,
  ]);
  const body = h264Idr.subarray(1);
  const fu = (start: boolean, end: boolean, data: Buffer): Buffer =>
    Buffer.concat([Buffer.from([0x7c, (start ? 0x80 : 0) | (end ? 0x40 : 0) | 5]), data]);
  return [
    stap,
    fu(true, false, body.subarray(0, 700)),
    fu(false, false, body.subarray(700, 1700)),
    fu(false, true, body.subarray(1700)),
  ];
}

describe('RTP layout: H264', () => {
  it('sends the camera payloads byte for byte (STAP-A header kept, FU-A boundaries kept), one packet each', () => {
    const camera = cameraH264();
    const frame = depacketize(new H264Depacketizer(), camera);
    assert.ok(frame.rtpLayout, 'the frame says how it was cut');
    const out = sent(new H264Packetizer({ payloadType: 97, maxPayloadSize: 1460 }), frame);
    assert.deepEqual(
      out.payloads,
      camera.map((p) => p.toString('hex')),
    );
    assert.deepEqual(out.marker, [false, false, false, true]);
  });

  it('cuts the frame itself when a camera payload is larger than the output allows', () => {
    const frame = depacketize(new H264Depacketizer(), cameraH264());
    const out = sent(new H264Packetizer({ payloadType: 97, maxPayloadSize: 800 }), frame);
    // 1002-byte FU-A payload > 800: our own cut (STAP-A as our header writes it, FU-A at 798 bytes).
    assert.equal(out.payloads[0]?.slice(0, 2), '78');
    assert.deepEqual(
      out.payloads.map((p) => p.length / 2),
      [1 + 2 + 8 + 2 + 4, 800, 800, 2 + 1999 - 2 * 798],
    );
  });

  it('carries no layout when parameter sets were inserted before the key frame; the output is still decodable', () => {
    const fu = cameraH264().slice(1);
    const depacketizer = new H264Depacketizer({
      fmtp: `packetization-mode=1;sprop-parameter-sets=${h264Sps.toString('base64')},${h264Pps.toString('base64')}`,
    });
    const frame = depacketize(depacketizer, fu);
    assert.equal(frame.rtpLayout, undefined);
    const again = depacketizeAll(
      new H264Depacketizer(),
      new H264Packetizer({ payloadType: 97, maxPayloadSize: 1460 })
        .packetize(frame)
        .map((p) => Buffer.concat([p.header, ...p.payload])),
    );
    assert.deepEqual(again[0]?.payload, frame.payload);
  });

  it('ignores a layout that does not describe the frame it comes with', () => {
    const frame = depacketize(new H264Depacketizer(), cameraH264());
    // The same layout on a frame whose IDR slice is shorter (a filter changed it): cut afresh (SPS, PPS and the
    // slice fit one STAP-A), all bytes sent.
    const shorter = Buffer.concat([
      frame.payload.subarray(0, frame.payload.length - 2000 - 4),
      Buffer.from([0, 0, 0x03, 0xe8]),
      h264Idr.subarray(0, 1000),
    ]);
    const out = sent(new H264Packetizer({ payloadType: 97, maxPayloadSize: 1460 }), { ...frame, payload: shorter });
    assert.deepEqual(
      out.payloads.map((p) => p.length / 2),
      [1 + 2 + 8 + 2 + 4 + 2 + 1000],
    );
  });

  it('a real capture (GStreamer rtph264pay) goes out as it came: same packet count and payload bytes', () => {
    const captured = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp')).map(parseRtp);
    const frames = depacketizeAll(
      new H264Depacketizer({ insertParameterSets: false }),
      captured.map((p) => Buffer.concat([serializeRtpHeader({ ...p, ssrc: SSRC }), p.payload])),
    );
    const packetizer = new H264Packetizer({ payloadType: 97, maxPayloadSize: 1460 });
    const out = frames.flatMap((f) => packetizer.packetize(f).map((p) => Buffer.concat(p.payload).toString('hex')));
    // The capture starts on a key frame and has no loss: every packet belongs to a frame handed out.
    assert.deepEqual(
      out,
      captured.map((p) => p.payload.toString('hex')),
    );
  });
});

describe('RTP layout: H265', () => {
  const vps = nal([0x40, 0x01], 24, 0x0c);
  const sps = nal([0x42, 0x01], 40, 0x01);
  const idr = nal([0x26, 0x01], 2800, 0xcd);
  const fu = (start: boolean, end: boolean, data: Buffer): Buffer =>
    Buffer.concat([Buffer.from([0x62, 0x01, (start ? 0x80 : 0) | (end ? 0x40 : 0) | 19]), data]);
  const ap = Buffer.concat([
    Buffer.from([0x60, 0x01]),
    Buffer.from([0, vps.length]),
    vps,
    Buffer.from([0, sps.length]),
    sps,
  ]);
  const camera = [ap, fu(true, false, idr.subarray(2, 1402)), fu(false, true, idr.subarray(1402))];

  it('sends the camera payloads byte for byte (AP, then FU at 1400 bytes)', () => {
    const frame = depacketize(new H265Depacketizer({ insertParameterSets: false }), camera);
    const out = sent(new H265Packetizer({ payloadType: 97, maxPayloadSize: 1460 }), frame);
    assert.deepEqual(
      out.payloads,
      camera.map((p) => p.toString('hex')),
    );
    assert.deepEqual(out.marker, [false, false, true]);
  });

  it('with DONL in the stream (sprop-max-don-diff), no layout: our packets carry none', () => {
    const withDonl = new H265Depacketizer({ fmtp: 'sprop-max-don-diff=1', insertParameterSets: false });
    const frames = depacketizeAll(
      withDonl,
      packets([Buffer.concat([idr.subarray(0, 2), Buffer.from([0, 1]), idr.subarray(2)])]),
    );
    assert.equal(frames[0]?.rtpLayout, undefined);
  });
});
