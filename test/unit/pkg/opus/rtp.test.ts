import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpusDepacketizer, OpusPacketizer, opusPacketDuration } from '../../../../addon/src/pkg/opus/index.js';
import { parseRtp } from '../../../../addon/src/pkg/rtp/index.js';
import {
  depacketizeAll,
  fixtureUrl,
  isViewOf,
  packetizeAll,
  readFrames,
  readPackets,
  readSession,
} from '../rtp/capture.js';

describe('Opus over RTP', () => {
  it('rtpopuspay: each payload is one opusenc packet, 960 ticks (20 ms) apart, handed out as a view', () => {
    const packets = readPackets(fixtureUrl('opus', 'gst_opus.rtp'));
    const encoded = readFrames(fixtureUrl('opus', 'gst_opus.frames'));
    const d = new OpusDepacketizer();
    const frames = packets.flatMap((p) => d.push(parseRtp(p)).map((f) => (assert.ok(isViewOf(f.payload, p)), f)));
    assert.deepEqual(
      frames.map((f) => f.payload),
      encoded.slice(0, frames.length),
    );
    assert.deepEqual(
      frames.map((f) => opusPacketDuration(f.payload)),
      frames.map(() => 960),
    );
    const steps = frames.slice(1).map((f, i) => f.timestamp - (frames[i]?.timestamp ?? 0));
    // The first packet is stamped 312 samples (opusenc's look-ahead) before its end: 648 to the next.
    assert.deepEqual(steps, [648, ...steps.slice(1).map(() => 960)]);
  });

  it('ffmpeg -f rtsp: 20 ms libopus packets', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h265_opus.bin'));
    const frames = depacketizeAll(new OpusDepacketizer(), channels.get(2) ?? []);
    assert.equal(frames.length, 11);
    assert.deepEqual(
      frames.map((f) => opusPacketDuration(f.payload)),
      frames.map(() => 960),
    );
  });

  it('packetizer: one packet per frame, marker on the first only, round trip', () => {
    const frames = readFrames(fixtureUrl('opus', 'gst_opus.frames')).map((payload, i) => ({
      payload,
      timestamp: i * 960,
      keyframe: true,
    }));
    const packetizer = new OpusPacketizer({
      payloadType: 111,
      ssrc: 9,
      initialSequence: 65534,
      timestampOffset: 2 ** 32 - 960,
    });
    const out = frames.map((f) => packetizer.packetize(f));
    assert.deepEqual(
      out.map((p) => p.length),
      frames.map(() => 1),
    );
    assert.deepEqual(
      out.map((p) => p[0]?.marker),
      frames.map((_, i) => i === 0),
    );
    assert.deepEqual(
      out.slice(0, 3).map((p) => [p[0]?.sequence, p[0]?.timestamp]),
      [
        [65534, 2 ** 32 - 960],
        [65535, 0],
        [0, 960],
      ],
    );
    const back = depacketizeAll(new OpusDepacketizer(), packetizeAll(new OpusPacketizer({ payloadType: 111 }), frames));
    assert.deepEqual(
      back.map((f) => f.payload),
      frames.map((f) => f.payload),
    );
  });

  it('opusPacketDuration reads the TOC and frame count (RFC 6716 3.1)', () => {
    assert.equal(opusPacketDuration(Buffer.from([0xfc])), 960); // CELT FB 20 ms, one frame
    assert.equal(opusPacketDuration(Buffer.from([0x09])), 1920); // SILK NB 40 ms, code 1: two frames
    assert.equal(opusPacketDuration(Buffer.from([0x5b, 0x02])), 5760); // SILK WB 60 ms (config 11), code 3 with 2 frames: 120 ms
    assert.equal(opusPacketDuration(Buffer.from([0x1b, 0x03])), 0, 'SILK NB 60 ms x 3 is over 120 ms');
    assert.equal(opusPacketDuration(Buffer.from([0x03])), 0, 'code 3 without its count byte');
    assert.equal(opusPacketDuration(Buffer.alloc(0)), 0);
  });
});
