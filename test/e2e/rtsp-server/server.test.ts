import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { RtspServer } from '../../../addon/src/modules/rtsp/index.js';
import { freeTcpPort } from '../../peers/ports.js';
import { countFrames, ffprobeJson, publishTestStream } from '../../peers/ffmpeg.js';
import { countFramesGst } from '../../peers/gst-client.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { waitFor } from '../../helpers/wait.js';
import { startTs2rtc, type RunningTs2rtc } from './server-harness.js';

/**
 * The RTSP server against real clients: ffmpeg and GStreamer read the built-in demo stream (H264 25 fps +
 * Opus 50 frames/s), ffmpeg publishes with ANNOUNCE/RECORD and another ffmpeg reads it back.
 */
let ts2rtc: RunningTs2rtc;
before(async () => {
  ts2rtc = await startTs2rtc({ streams: { demo: 'demo:', pub: null, pub_opus: null, pub_idle: null } });
});
after(async () => {
  await ts2rtc.stop();
});

describe('RTSP server', () => {
  for (const transport of ['tcp', 'udp'] as const) {
    it(`ffmpeg reads >= 95% of the video frames over ${transport}`, async () => {
      const count = await countFrames(ts2rtc.rtspUrl('demo'), { seconds: 5, transport });
      assert.ok(count.frames >= 119, `${count.frames} of 125 frames in 5 s over ${transport}`);
      assert.doesNotMatch(count.stderr, /error/i);
    });
  }

  it('ffmpeg gets the Opus audio too, 50 frames a second', async () => {
    const count = await countFrames(ts2rtc.rtspUrl('demo'), { seconds: 4, media: 'audio' });
    assert.ok(count.frames >= 190, `${count.frames} of 200 audio frames in 4 s`);
  });

  it("GStreamer's rtspsrc reads the stream", async () => {
    const count = await countFramesGst(ts2rtc.rtspUrl('demo'), { seconds: 3 });
    assert.ok(count.frames >= 71, `${count.frames} of 75 frames in 3 s`);
  });

  it('serves the codec filters: ?video, ?audio, ?video&audio, ?audio=opus', async () => {
    const kinds = async (query: string) =>
      (await ffprobeJson(ts2rtc.rtspUrl(`demo${query}`))).streams.map((s) => `${s.codec_type}:${s.codec_name}`);
    assert.deepEqual(await kinds('?video'), ['video:h264']);
    assert.deepEqual(await kinds('?audio'), ['audio:opus']);
    assert.deepEqual(await kinds('?video&audio'), ['video:h264', 'audio:opus']);
    assert.deepEqual(await kinds('?audio=opus'), ['audio:opus']);
    assert.deepEqual(await kinds(''), ['video:h264', 'audio:opus'], 'default_query is video&audio');
  });

  it('answers 404 for a stream that does not exist, and for a codec the stream lacks', async () => {
    await assert.rejects(ffprobeJson(ts2rtc.rtspUrl('nope')), /404/);
    await assert.rejects(ffprobeJson(ts2rtc.rtspUrl('demo?audio=aac')), /404/);
  });

  for (const audio of ['aac', 'opus'] as const) {
    it(`takes an ffmpeg publish (H264 + ${audio}) and serves it to another client`, async () => {
      const name = audio === 'aac' ? 'pub' : 'pub_opus';
      const publisher = await publishTestStream(ts2rtc.rtspUrl(name), { video: 'h264', audio });
      try {
        const video = await countFrames(ts2rtc.rtspUrl(name), { seconds: 4 });
        assert.ok(video.frames >= 95, `${video.frames} of 100 published frames read back`);
        const probe = await ffprobeJson(ts2rtc.rtspUrl(name));
        assert.deepEqual(
          probe.streams.map((s) => s.codec_name),
          ['h264', audio],
        );
        const json = (await (await fetch(`${ts2rtc.apiUrl}/api/streams?src=${name}`)).json()) as {
          producers: Array<{ format_name?: string; medias?: string[] }>;
        };
        const producer = json.producers.find((p) => p.format_name === 'rtsp');
        assert.ok(producer, 'the publisher shows as a producer');
        assert.equal(producer.medias?.[0], 'video, recvonly, H264');
      } finally {
        await publisher.stop();
      }
      // The publisher is gone from the stream once it hung up.
      await waitFor(
        async () => {
          const json = (await (await fetch(`${ts2rtc.apiUrl}/api/streams?src=${name}`)).json()) as {
            producers: unknown[] | null;
          };
          return (json.producers ?? []).length === 0;
        },
        { what: 'publisher removed' },
      );
    });
  }

  it('a publisher nobody reads for a while: a reader that comes then starts at once, at a key frame', async () => {
    // While no consumer reads it, the publisher's video is kept as raw RTP since the last key frame instead of
    // depacketized (pkg/rtp/unwatched-gop.ts); the first consumer gets that GOP depacketized, at once.
    const publisher = await publishTestStream(ts2rtc.rtspUrl('pub_idle'), { video: 'h264', audio: 'aac' });
    try {
      const stream = ts2rtc.server.app.streams.get('pub_idle');
      assert.ok(stream);
      // A GOP is 1 s (25 frames): 2.5 s unread spans two key frames.
      await waitFor(
        async () => {
          const json = (await (await fetch(`${ts2rtc.apiUrl}/api/streams?src=pub_idle`)).json()) as {
            producers: Array<{ format_name?: string }> | null;
          };
          return (json.producers ?? []).some((p) => p.format_name === 'rtsp');
        },
        { what: 'the publisher' },
      );
      const videoPackets = async (): Promise<number> => {
        const json = (await (await fetch(`${ts2rtc.apiUrl}/api/streams?src=pub_idle`)).json()) as {
          producers: Array<{ receivers?: Array<{ codec?: { codec_name?: string }; packets?: number }> }> | null;
        };
        const receivers = json.producers?.[0]?.receivers ?? [];
        return receivers.find((r) => r.codec?.codec_name === 'h264')?.packets ?? 0;
      };
      const before = await videoPackets();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      // Unread, the track's counters still move in /api/streams (a frame per RTP marker), as go2rtc's do.
      const counted = (await videoPackets()) - before;
      assert.ok(counted >= 40, `${counted} video frames counted in 2.5 s unread`);
      const viewer = new TestConsumer([wantMedia('video', 'H264')]);
      await stream.addConsumer(viewer);
      // Delivered while the consumer was added, before any more of the camera's packets were read: the GOP
      // cache, not a wait for the next key frame.
      const atOnce = viewer.packets.length;
      assert.ok(atOnce >= 1, 'frames at once');
      assert.ok(viewer.packets[0]?.packet.keyframe, 'the first frame is a key frame');
      await viewer.stop();
      stream.removeConsumer(viewer);
      const video = await countFrames(ts2rtc.rtspUrl('pub_idle'), { seconds: 2 });
      assert.ok(video.frames >= 45, `${video.frames} frames read in 2 s`);
      assert.doesNotMatch(video.stderr, /error/i);
    } finally {
      await publisher.stop();
    }
  });

  it('refuses a publish into a stream that does not exist', async () => {
    await assert.rejects(
      publishTestStream(ts2rtc.rtspUrl('not_configured'), { seconds: 2, startTimeoutMs: 5000 }),
      /404|failed/i,
    );
  });

  it('survives garbage and a half-sent request while another client keeps its frame rate', async () => {
    const reading = countFrames(ts2rtc.rtspUrl('demo'), { seconds: 4 });
    const junk = [
      Buffer.from('\x00\xff garbage\r\n\r\n'),
      Buffer.from('DESCRIBE rtsp://x/demo RTSP/1.0\r\nCSeq: abc\r\nContent-Length: 99999999\r\n\r\n'),
      Buffer.alloc(70_000, 0x41),
    ];
    for (const bytes of junk) {
      await new Promise<void>((resolve) => {
        const socket = connect(ts2rtc.rtspPort, '127.0.0.1', () => {
          socket.write(bytes);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }
    const count = await reading;
    assert.ok(count.frames >= 95, `${count.frames} of 100 frames while junk arrived`);
  });
});

describe('RTSP server authentication', () => {
  let secured: RunningTs2rtc;
  let strict: { server: RtspServer; url: (path: string) => string; stop(): Promise<void> };
  before(async () => {
    secured = await startTs2rtc({ streams: { demo: 'demo:' }, rtsp: { username: 'admin', password: 'secret' } });
    // go2rtc lets loopback clients in without credentials; a second server on the same hub asks them too,
    // so the test can exercise the credentials from 127.0.0.1.
    const port = await freeTcpPort();
    const server = new RtspServer(
      { listen: `127.0.0.1:${port}`, username: 'admin', password: 'secret', defaultQuery: 'video', authLoopback: true },
      secured.server.app.streams,
      pino({ level: 'silent' }),
    );
    await server.start();
    strict = { server, url: (path) => `rtsp://127.0.0.1:${port}/${path}`, stop: () => server.stop() };
  });
  after(async () => {
    await strict.stop();
    await secured.stop();
  });

  it('lets loopback clients in without credentials, as go2rtc does', async () => {
    const probe = await ffprobeJson(secured.rtspUrl('demo?video'));
    assert.equal(probe.streams[0]?.codec_name, 'h264');
  });

  it('asks for credentials (Digest or Basic), refuses wrong ones and serves right ones', async () => {
    await assert.rejects(ffprobeJson(strict.url('demo')), /401|Unauthorized/);
    await assert.rejects(ffprobeJson(strict.url('demo').replace('rtsp://', 'rtsp://admin:wrong@')), /401|Unauthorized/);
    const probe = await ffprobeJson(strict.url('demo').replace('rtsp://', 'rtsp://admin:secret@'));
    assert.equal(probe.streams[0]?.codec_name, 'h264');
    const count = await countFramesGst(strict.url('demo').replace('rtsp://', 'rtsp://admin:secret@'), { seconds: 2 });
    assert.ok(count.frames >= 45, `${count.frames} frames with credentials through GStreamer`);
  });
});
