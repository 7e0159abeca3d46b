/**
 * An RTSP publisher's track while nobody reads it (pkg/rtsp/server/track-io.ts): the video's RTP is kept raw
 * and depacketized only when a consumer comes, which then gets the same GOP, frame for frame, as from a track
 * that depacketized every packet (a real capture: ffmpeg publishing H.264 and AAC); audio is dropped meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Codec } from '../../../../../addon/src/core/codec.js';
import type { Packet } from '../../../../../addon/src/core/packet.js';
import { Receiver, type PacketSink } from '../../../../../addon/src/core/track.js';
import { h264PayloadKind, H264Depacketizer } from '../../../../../addon/src/pkg/h264/index.js';
import { AacDepacketizer } from '../../../../../addon/src/pkg/aac/index.js';
import { IncomingTrack } from '../../../../../addon/src/pkg/rtsp/server/track-io.js';
import { fixtureUrl, readSession } from '../../rtp/capture.js';

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const AAC: Codec = { name: 'AAC', clockRate: 44100, channels: 2 };
const log = { debug: () => undefined, info: () => undefined, warn: () => undefined } as never;

class CollectingSink implements PacketSink {
  readonly id = 1;
  readonly packets: Packet[] = [];
  push(packet: Packet): void {
    this.packets.push(packet);
  }
  detach(): void {}
}

const seen = (packets: readonly Packet[]): Array<[number, boolean, string]> =>
  packets.map((p) => [p.timestamp, p.keyframe, p.payload.toString('hex')]);

describe('IncomingTrack while nobody watches', () => {
  const session = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin'));
  const video = session.channels.get(0) ?? [];

  it('a consumer that comes later gets the same GOP as from a track that depacketized everything, then live frames', () => {
    const eager = new Receiver({ kind: 'video', direction: 'recvonly', codecs: [H264] }, H264);
    const lazy = new Receiver({ kind: 'video', direction: 'recvonly', codecs: [H264] }, H264);
    const eagerTrack = new IncomingTrack(new H264Depacketizer(), eager, log);
    const lazyTrack = new IncomingTrack(new H264Depacketizer(), lazy, log, { whileUnwatched: h264PayloadKind });
    const half = video.length - 3;
    for (const p of video.slice(0, half)) {
      eagerTrack.push(p);
      lazyTrack.push(p);
    }
    assert.ok(eager.cachedGop.length > 0);
    // Counted as they came, a frame per RTP marker, payload bytes (RTP's FU headers against AVCC's lengths).
    assert.equal(lazy.stats.packets, eager.stats.packets);
    assert.ok(Math.abs(lazy.stats.bytes - eager.stats.bytes) < 0.05 * eager.stats.bytes, `${lazy.stats.bytes} bytes`);
    const counted = { ...lazy.stats };
    const eagerSink = new CollectingSink();
    const lazySink = new CollectingSink();
    eager.addSink(eagerSink);
    lazy.addSink(lazySink);
    assert.ok(lazySink.packets[0]?.keyframe, 'the replayed GOP starts at a key frame');
    assert.deepEqual(seen(lazySink.packets), seen(eagerSink.packets));
    assert.deepEqual(lazy.stats, counted, 'the caught-up frames are not counted twice');
    for (const p of video.slice(half)) {
      eagerTrack.push(p);
      lazyTrack.push(p);
    }
    assert.deepEqual(seen(lazySink.packets), seen(eagerSink.packets));
  });

  it('reads of the GOP cache and of the newest frame catch up first; a viewer leaving and one coming mid-GOP', () => {
    const eager = new Receiver({ kind: 'video', direction: 'recvonly', codecs: [H264] }, H264);
    const eagerTrack = new IncomingTrack(new H264Depacketizer(), eager, log);
    const receiver = new Receiver({ kind: 'video', direction: 'recvonly', codecs: [H264] }, H264);
    const track = new IncomingTrack(new H264Depacketizer(), receiver, log, { whileUnwatched: h264PayloadKind });
    const cut = video.length - 3;
    for (const p of video.slice(0, cut)) track.push(p);
    for (const p of video) eagerTrack.push(p);
    assert.ok(receiver.latest && receiver.cachedGop[0]?.keyframe);
    // Watched a moment, then unwatched again while the same GOP goes on: the packets kept meanwhile continue
    // the cached GOP, so the next viewer still starts at its key frame, with every frame since.
    const sink = new CollectingSink();
    receiver.addSink(sink);
    receiver.removeSink(sink);
    for (const p of video.slice(cut)) track.push(p);
    assert.deepEqual(seen(receiver.cachedGop), seen(eager.cachedGop));
    track.detach();
  });

  it('audio is dropped while nobody watches, and depacketized again once somebody does', () => {
    const audio = session.channels.get(2) ?? [];
    assert.ok(audio.length >= 2);
    const receiver = new Receiver({ kind: 'audio', direction: 'recvonly', codecs: [AAC] }, AAC);
    const fmtp = 'profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210';
    const track = new IncomingTrack(new AacDepacketizer({ fmtp, clockRate: 44100 }), receiver, log, {
      whileUnwatched: null,
    });
    track.push(audio[0]!);
    assert.equal(receiver.stats.packets, 1, 'counted, not depacketized');
    const sink = new CollectingSink();
    receiver.addSink(sink);
    track.push(audio[1]!);
    assert.ok(sink.packets.length >= 1);
  });
});
