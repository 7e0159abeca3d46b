import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { Receiver } from '../../../../addon/src/core/track.js';
import {
  createPeerPacketizer,
  PeerAudioPacketizer,
  PeerVideoPacketizer,
  SharedPayloads,
  WEBRTC_MAX_PAYLOAD,
} from '../../../../addon/src/modules/webrtc/packetizers.js';
import { H264Packetizer } from '../../../../addon/src/pkg/h264/rtp-packetizer.js';
import { rtpPacketToBuffer } from '../../../../addon/src/pkg/rtp/payload.js';

const H264 = { name: 'H264' as const, clockRate: 90000, channels: 0 };
const videoTrack = (): Receiver => new Receiver({ kind: 'video', direction: 'sendonly', codecs: [H264] }, H264);

/** An AVCC key frame: SPS, PPS and an IDR slice of `size` bytes. */
function keyframe(size: number, ts: number): Packet {
  const sps = Buffer.from([0x67, 0x42, 0xe0, 0x1f, 0xda]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const idr = Buffer.alloc(size, 0xab);
  idr[0] = 0x65;
  return { payload: Buffer.concat([sps, pps, idr].map(lengthPrefixed)), timestamp: ts, keyframe: true };
}

function lengthPrefixed(nal: Buffer): Buffer {
  const out = Buffer.alloc(4 + nal.length);
  out.writeUInt32BE(nal.length, 0);
  nal.copy(out, 4);
  return out;
}

describe('per-peer packetizers', () => {
  it('video: one cut per frame shared by all peers, each with its own numbering', () => {
    const frame = keyframe(5000, 900000);
    const track = videoTrack();
    const a = createPeerPacketizer(track, H264, 96).packetize(frame);
    const b = createPeerPacketizer(track, H264, 102).packetize(frame);
    const reference = new H264Packetizer({ payloadType: 96, maxPayloadSize: WEBRTC_MAX_PAYLOAD }).packetize(frame);
    assert.equal(a.length, reference.length);
    assert.equal(a.length, 6, 'STAP-A with SPS+PPS, then five FU-A fragments');
    for (let i = 0; i < a.length; i++) {
      assert.equal(a[i]!.payload, b[i]!.payload, 'the very same buffer for both peers');
      assert.ok(
        a[i]!.payload.equals(rtpPacketToBuffer(reference[i]!).subarray(12)),
        `payload ${i} is the project packetizer's`,
      );
      assert.equal(a[i]!.marker, i === a.length - 1);
      assert.equal(a[i]!.sequence, (a[0]!.sequence + i) & 0xffff);
    }
    assert.equal(new Set(a.map((p) => p.timestamp)).size, 1);
    const next = new PeerVideoPacketizer(new SharedPayloads(H264));
    const first = next.packetize(frame);
    const second = next.packetize({ ...frame, timestamp: 903600 });
    assert.equal(second[0]!.sequence, (first.at(-1)!.sequence + 1) & 0xffff, 'numbering continues across frames');
    assert.equal((second[0]!.timestamp - first[0]!.timestamp) >>> 0, 3600);
  });

  it('the cut frames belong to the track: another stream cuts its own, a closed track lets go of them', () => {
    const frame = keyframe(3000, 0);
    const one = videoTrack();
    const other = videoTrack();
    assert.equal(SharedPayloads.of(one, H264), SharedPayloads.of(one, H264));
    assert.notEqual(SharedPayloads.of(one, H264), SharedPayloads.of(other, H264));
    const before = SharedPayloads.of(one, H264);
    assert.equal(before.payloads(frame), before.payloads(frame), 'one cut per frame');
    one.close();
    assert.notEqual(SharedPayloads.of(one, H264), before);
  });

  it('audio keeps a packetizer of its own (talkspurt marker on its first packet)', () => {
    const peer = new PeerAudioPacketizer({ name: 'PCMU', clockRate: 8000, channels: 1 }, 0);
    const one = peer.packetize({ payload: Buffer.alloc(160, 0xff), timestamp: 0, keyframe: true });
    const two = peer.packetize({ payload: Buffer.alloc(160, 0xff), timestamp: 160, keyframe: true });
    assert.equal(one[0]!.marker, true);
    assert.equal(two[0]!.marker, false);
    assert.equal((two[0]!.timestamp - one[0]!.timestamp) >>> 0, 160);
  });
});
