import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { JpegDepacketizer, JpegPacketizer } from '../../../../addon/src/pkg/jpeg/index.js';
import { rtpPacketToBuffer } from '../../../../addon/src/pkg/rtp/index.js';
import { depacketizeAll, fixtureUrl, readFrames, readPackets, readSession } from '../../../unit/pkg/rtp/capture.js';
import { FFMPEG_SKIP, decodedFrameMd5 } from '../rtp/ffmpeg.js';

/**
 * The pixels of what the RTP/JPEG depacketizer rebuilds and the packetizer sends, decoded by ffmpeg: the same
 * captures as test/unit/pkg/jpeg/rtp.test.ts, which checks their structure without a process.
 */
const md5 = (jpegs: readonly Buffer[]) => jpegs.map((j) => decodedFrameMd5(['-f', 'jpeg_pipe'], j)).flat();

describe('RTP/JPEG through ffmpeg: the same pixels', { skip: FFMPEG_SKIP }, () => {
  for (const name of ['gst_jpeg420', 'gst_jpeg422']) {
    it(`${name}: the JPEGs rebuilt from rtpjpegpay decode to jpegenc's pixels`, () => {
      const frames = depacketizeAll(new JpegDepacketizer(), readPackets(fixtureUrl('jpeg', `${name}.rtp`)));
      const originals = readFrames(fixtureUrl('jpeg', `${name}.frames`));
      assert.deepEqual(md5(frames.map((f) => f.payload)), md5(originals));
    });
  }

  it('ffmpeg -f rtsp (mjpeg, 2 slices): every rebuilt image decodes', () => {
    const { channels } = readSession(fixtureUrl('rtsp', 'ffmpeg_announce_mjpeg_pcmu.bin'));
    const frames = depacketizeAll(new JpegDepacketizer(), channels.get(0) ?? []);
    assert.equal(md5(frames.map((f) => f.payload)).length, 5);
  });

  it('a JPEG with restart markers, sent as type 65 and rebuilt, decodes to the same pixels', () => {
    const source = readFileSync(fixtureUrl('jpeg', 'ffmpeg_restart_420.jpg'));
    const packetizer = new JpegPacketizer({ payloadType: 26, ssrc: 5, initialSequence: 0, maxPayloadSize: 1000 });
    const packets = packetizer.packetize({ payload: source, timestamp: 3600, keyframe: true });
    const frames = depacketizeAll(new JpegDepacketizer(), packets.map(rtpPacketToBuffer));
    assert.deepEqual(md5([frames[0]?.payload ?? Buffer.alloc(0)]), md5([source]));
  });
});
