import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Packet } from '../../../../../addon/src/core/packet.js';
import { newNodeId, Receiver } from '../../../../../addon/src/core/track.js';
import { TrackInput } from '../../../../../addon/src/pkg/rtsp/client/track-input.js';
import { parseRtp, serializeRtpHeader } from '../../../../../addon/src/pkg/rtp/packet.js';
import { buildSenderReport } from '../../../../../addon/src/pkg/rtp/rtcp.js';
import { waitFor } from '../../../../helpers/wait.js';
import { createDepacketizer } from '../../../../../addon/src/pkg/rtsp/formats.js';
import { sdpToMedias } from '../../../../../addon/src/pkg/sdp/media.js';
import { parseSdp } from '../../../../../addon/src/pkg/sdp/parse.js';
import { formatOf, playableTracks } from '../../../../../addon/src/pkg/rtsp/client/tracks.js';
import { depacketizeAll, fixtureUrl, readFrames, readPackets } from '../../../pkg/rtp/capture.js';

const H264 = { payloadType: 96, encodingName: 'H264', clockRate: 90000, channels: 0 };
const PCMU = { payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1 };

function recorder(
  kind: 'video' | 'audio',
  name: 'H264' | 'PCMU',
  clockRate: number,
): { receiver: Receiver; got: Packet[] } {
  const receiver = new Receiver({ kind, direction: 'recvonly', codecs: [] }, { name, clockRate, channels: 0 });
  const got: Packet[] = [];
  receiver.addSink({ id: newNodeId(), push: (p) => got.push(p), detach: () => undefined });
  return { receiver, got };
}

describe('TrackInput: RTP of one track to the hub receiver', () => {
  const h264Packets = readPackets(fixtureUrl('h264', 'rtp/gst_h264.rtp'));
  // What the H264 depacketizer (tested on its own) makes of the capture in order.
  const h264Frames = depacketizeAll(createDepacketizer(H264), h264Packets);

  it('TCP (in order): the captured GStreamer H264 gives its access units, timestamps unwrapped', () => {
    const { receiver, got } = recorder('video', 'H264', 90000);
    const input = new TrackInput(90000, { reorder: false });
    input.addOutput(receiver, H264);
    for (const p of h264Packets) input.handleRtp(p, 0);
    assert.equal(got.length, h264Frames.length);
    assert.ok(got.length >= 12);
    assert.equal(got[0]?.keyframe, true);
    got.forEach((f, i) => {
      assert.deepEqual(f.payload, h264Frames[i]?.payload, `frame ${i}`);
      assert.equal(f.timestamp, h264Frames[i]?.timestamp);
    });
    assert.deepEqual(input.stats, { badPackets: 0, unwanted: 0, foreign: 0 });
    input.close();
  });

  it('UDP: packets swapped in pairs come out in order, the same frames as in order', () => {
    const { receiver, got } = recorder('video', 'H264', 90000);
    const input = new TrackInput(90000, { reorder: true });
    input.addOutput(receiver, H264);
    const swapped = h264Packets.slice();
    // From the second packet on: a reorder buffer cannot know that the very first packet came too early.
    for (let i = 1; i + 1 < swapped.length; i += 2) [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    for (const p of swapped) input.handleRtp(p, 0);
    // Every access unit but possibly the last, which waits on the reorder buffer.
    assert.ok(got.length >= h264Frames.length - 1, `${got.length} of ${h264Frames.length}`);
    got.forEach((f, i) => assert.deepEqual(f.payload, h264Frames[i]?.payload, `frame ${i}`));
    input.close();
  });

  it('UDP: a lost packet is given up after a short wait; what follows still arrives', async () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_pcmu.rtp'));
    const { receiver, got } = recorder('audio', 'PCMU', 8000);
    const input = new TrackInput(8000, { reorder: true });
    input.addOutput(receiver, PCMU);
    // The capture's 5 packets without the 4th.
    const lossy = packets.filter((_, i) => i !== 3);
    assert.equal(lossy.length, 4);
    for (const p of lossy) input.handleRtp(p, 0);
    assert.equal(got.length, 3, 'the packet after the gap waits for it');
    await waitFor(() => got.length === 4, { timeoutMs: 1000, what: 'the gap given up' });
    assert.deepEqual(
      got.map((f) => f.payload),
      lossy.map((p) => parseRtp(p).payload),
    );
    input.close();
  });

  it("UDP: datagrams of another stream (SSRC) far ahead in sequence do not hold up the camera's packets", () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_pcmu.rtp'));
    const { receiver, got } = recorder('audio', 'PCMU', 8000);
    const input = new TrackInput(8000, { reorder: true });
    input.addOutput(receiver, PCMU);
    const camera = parseRtp(packets[0]!);
    // Another program on the camera's host still sending to a port number we now use: its own SSRC and
    // sequence numbers, a payload type of its own.
    const stray = (i: number) =>
      Buffer.concat([
        serializeRtpHeader({ payloadType: 96, sequence: camera.sequence + 1000 + i, timestamp: i, ssrc: 0x5eed }),
        Buffer.from([i]),
      ]);
    input.handleRtp(packets[0]!, 0);
    packets.slice(1).forEach((p, i) => {
      input.handleRtp(stray(i), 0);
      input.handleRtp(p, 0);
    });
    assert.deepEqual(
      got.map((f) => f.payload),
      packets.map((p) => parseRtp(p).payload),
      'every packet of the camera, at once',
    );
    assert.equal(input.stats.foreign, packets.length - 1);
    input.close();
  });

  /** The capture's packets with another SSRC (and sequence numbers `shift` further on). */
  const restamped = (packets: Buffer[], ssrc: number, shift = 0): Buffer[] =>
    packets.map((p) => {
      const copy = Buffer.from(p);
      copy.writeUInt32BE(ssrc, 8);
      copy.writeUInt16BE((copy.readUInt16BE(2) + shift) & 0xffff, 2);
      return copy;
    });

  for (const reorder of [false, true]) {
    it(`${reorder ? 'UDP' : 'TCP'}: another stream with the camera's payload type is not played; the announced SSRC wins over one heard first`, () => {
      const { receiver, got } = recorder('video', 'H264', 90000);
      const camera = parseRtp(h264Packets[0]!).ssrc;
      const input = new TrackInput(90000, { reorder, ssrc: camera });
      input.addOutput(receiver, H264);
      // Another H264 stream (another camera's, still aimed at a port number we reuse), heard first and then
      // between every two packets of the camera: before, its packets went into the same depacketizer.
      const stray = restamped(h264Packets, 0x5eed, 20000);
      input.handleRtp(stray[0]!, 0);
      h264Packets.forEach((p, i) => {
        input.handleRtp(p, i);
        input.handleRtp(stray[i + 1] ?? stray[0]!, i);
      });
      assert.equal(got.length, h264Frames.length);
      got.forEach((f, i) => assert.deepEqual(f.payload, h264Frames[i]?.payload, `frame ${i}`));
      assert.equal(input.stats.foreign, h264Packets.length);
      input.close();
    });
  }

  it('without an announced SSRC: the first source heard is played; a new one once the first is silent for 1 s', () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_pcmu.rtp'));
    const { receiver, got } = recorder('audio', 'PCMU', 8000);
    const input = new TrackInput(8000, { reorder: true });
    input.addOutput(receiver, PCMU);
    const first = restamped(packets, 1);
    const second = restamped(packets, 2, 30000);
    input.handleRtp(first[0]!, 0);
    input.handleRtp(second[0]!, 10);
    input.handleRtp(first[1]!, 20);
    input.handleRtp(second[1]!, 1019);
    assert.equal(got.length, 2, 'the second source is held off while the first was heard within 1 s');
    // The camera restarted its stream: a new SSRC, and the old one silent since.
    input.handleRtp(second[2]!, 1020);
    input.handleRtp(second[3]!, 1040);
    assert.equal(got.length, 4);
    assert.deepEqual(
      got.slice(2).map((f) => f.payload),
      [2, 3].map((i) => parseRtp(packets[i]!).payload),
    );
    assert.equal(input.stats.foreign, 2);
    input.close();
  });

  it('garbage, a payload type nobody wants and broken RTCP are counted, not thrown', () => {
    const { receiver, got } = recorder('audio', 'PCMU', 8000);
    const input = new TrackInput(8000, { reorder: false });
    input.addOutput(receiver, PCMU);
    input.handleRtp(Buffer.from([0x80, 0x00]), 0);
    input.handleRtp(Buffer.from('not rtp at all, version 1'), 0);
    input.handleRtp(h264Packets[0]!, 0);
    input.handleRtcp(Buffer.from([0x80, 0xc8, 0x00, 0x10]), 0);
    assert.equal(got.length, 0);
    assert.deepEqual(input.stats, { badPackets: 3, unwanted: 1, foreign: 0 });
    input.close();
  });

  it('reports: one block per source heard, echoing its sender report', () => {
    const packets = readPackets(fixtureUrl('pcm', 'gst_pcmu.rtp'));
    const { receiver } = recorder('audio', 'PCMU', 8000);
    const input = new TrackInput(8000, { reorder: false });
    input.addOutput(receiver, PCMU);
    assert.deepEqual(input.reportBlocks(0), []);
    for (const [i, p] of packets.entries()) input.handleRtp(p, i * 20);
    const ssrc = parseRtp(packets[0]!).ssrc;
    input.handleRtcp(
      buildSenderReport({
        ssrc,
        ntpSeconds: 0x01020304,
        ntpFraction: 0x05060708,
        rtpTimestamp: 0,
        packetCount: 5,
        octetCount: 800,
      }),
      200,
    );
    const [block, ...rest] = input.reportBlocks(1200);
    assert.equal(rest.length, 0);
    assert.equal(block?.ssrc, ssrc);
    assert.equal(block?.packetsLost, 0);
    assert.equal(block?.lastSr, 0x03040506);
    assert.equal(block?.delaySinceLastSr, 65536);
    input.close();
  });

  // The camera's SDP → the track the hub sees (codec AAC either way) → the format the input depacketizes.
  for (const { name, rtpmap, fmtp } of [
    {
      name: 'mp4g',
      rtpmap: 'MPEG4-GENERIC/16000/1',
      fmtp: 'streamtype=5;profile-level-id=2;mode=AAC-hbr;config=140856e500;sizelength=13;indexlength=3;indexdeltalength=3',
    },
    { name: 'latm', rtpmap: 'MP4A-LATM/16000/1', fmtp: 'cpresent=0;config=40002810adca00' },
  ]) {
    it(`AAC as ${rtpmap.split('/')[0]}: the hub sees AAC/16000 and gets the encoder's access units`, () => {
      const sdp = `v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 ${rtpmap}\r\na=fmtp:97 ${fmtp}\r\na=control:stream=1\r\n`;
      const [track] = playableTracks(sdpToMedias(parseSdp(sdp)));
      assert.ok(track);
      const codec = track.media.codecs[0];
      assert.equal(codec?.name, 'AAC');
      assert.equal(codec?.clockRate, 16000);
      assert.match(codec?.fmtp ?? '', /config=140856e500/i, 'one config form for every consumer');
      const format = formatOf(track, codec);
      assert.equal(format?.encodingName, rtpmap.split('/')[0]);
      const receiver = new Receiver(track.media, codec);
      const got: Packet[] = [];
      receiver.addSink({ id: newNodeId(), push: (p) => got.push(p), detach: () => undefined });
      const input = new TrackInput(16000, { reorder: false });
      input.addOutput(receiver, format!);
      const packets = readPackets(fixtureUrl('aac', `gst_aac_${name}.rtp`));
      for (const p of packets) input.handleRtp(p, 0);
      const encoded = readFrames(fixtureUrl('aac', `gst_aac_${name}.frames`));
      assert.equal(got.length, packets.length, 'one AU per packet in these captures');
      assert.deepEqual(
        got.map((f) => f.payload),
        encoded.slice(0, got.length),
      );
      assert.ok(
        got.every((f, i) => i === 0 || f.timestamp - (got[i - 1]?.timestamp ?? 0) === 1024),
        '1024 samples per AU',
      );
      input.close();
    });
  }
});
