import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { launchChromium, serveHtml } from '../../peers/chromium.js';
import { PeerError } from '../../peers/errors.js';
import { audioLevel, countFrames, ffprobeJson, publishTestStream } from '../../peers/ffmpeg.js';
import { startGstCamera, type CameraAudio, type CameraVideo, type GstCamera } from '../../peers/gst-camera.js';
import { countFramesGst, runBackchannelClient } from '../../peers/gst-client.js';
import { startNginxRtmp } from '../../peers/nginx-rtmp.js';
import { freeTcpPort } from '../../peers/ports.js';
import { nodeScriptArgs, startProcess } from '../../peers/process.js';
import { rtspRequest, sdpMedias } from '../../peers/rtsp-raw.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The test peers against each other: if these pass, a failing e2e test of ts2rtc is about ts2rtc, not about
 * the camera, ffmpeg, nginx or the browser it was tested with.
 */

const FRAMES_IN_5S = 125;
const MIN_FRAMES = Math.ceil(FRAMES_IN_5S * 0.95);

function threadsOf(pid: number): number {
  const match = /Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}

/** Alive = exists and is not a zombie (an orphan's zombie may wait for a PID 1 that does not reap). */
function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
  } catch {
    return false;
  }
}

const ORPHAN_SCRIPT = new URL('./fixtures/orphan-peers.ts', import.meta.url).pathname;

describe('gst-camera codecs, seen by ffprobe', () => {
  const cases: Array<{ video: CameraVideo; audio: CameraAudio; expect: string[]; rate?: string }> = [
    { video: 'h264', audio: 'pcmu', expect: ['video:h264', 'audio:pcm_mulaw'], rate: '8000' },
    { video: 'h264', audio: 'aac', expect: ['video:h264', 'audio:aac'], rate: '16000' },
    { video: 'h264', audio: 'opus', expect: ['video:h264', 'audio:opus'], rate: '48000' },
    { video: 'h265', audio: 'none', expect: ['video:hevc'] },
    { video: 'mjpeg', audio: 'pcma', expect: ['video:mjpeg', 'audio:pcm_alaw'], rate: '8000' },
  ];
  for (const c of cases) {
    it(`${c.video} + ${c.audio}`, async () => {
      const camera = await startGstCamera({ video: c.video, audio: c.audio });
      try {
        const probe = await ffprobeJson(camera.url);
        assert.deepEqual(
          probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`),
          c.expect,
        );
        const video = probe.streams.find((s) => s.codec_type === 'video');
        assert.equal(video?.width, 640);
        assert.equal(video?.height, 360);
        if (c.rate) assert.equal(probe.streams.find((s) => s.codec_type === 'audio')?.sample_rate, c.rate);
      } finally {
        await camera.stop();
      }
    });
  }
});

describe('gst-camera auth', () => {
  for (const auth of ['basic', 'digest'] as const) {
    it(`${auth}: right password plays, wrong or none is refused with 401`, async () => {
      const camera = await startGstCamera({ auth, user: 'admin', password: 's3cret' });
      try {
        assert.equal(camera.authUrl, camera.url.replace('rtsp://', 'rtsp://admin:s3cret@'));
        const probe = await ffprobeJson(camera.authUrl);
        assert.equal(probe.streams[0]?.codec_name, 'h264');
        await assert.rejects(ffprobeJson(camera.url.replace('rtsp://', 'rtsp://admin:wrong@')), (err: unknown) => {
          assert.ok(err instanceof PeerError && err.code === 'PEER_FAILED' && err.message.includes('401'), String(err));
          return true;
        });
        const anonymous = await rtspRequest(camera.url, 'DESCRIBE', { Accept: 'application/sdp' });
        assert.equal(anonymous.status, 401);
        assert.match(
          anonymous.headers['www-authenticate'] ?? '',
          auth === 'basic' ? /^Basic realm=/ : /^Digest realm=.*nonce=/,
        );
      } finally {
        await camera.stop();
      }
    });
  }
});

describe('gst-camera frame delivery', () => {
  let camera: GstCamera;
  before(async () => {
    camera = await startGstCamera({ video: 'h264', audio: 'pcmu' });
  });
  after(() => camera.stop());

  it(`ffmpeg over TCP, ffmpeg over UDP and GStreamer each get >= ${MIN_FRAMES} of ${FRAMES_IN_5S} frames in 5 s, at once`, async () => {
    const [tcp, udp, gst] = await Promise.all([
      countFrames(camera.url, { seconds: 5, transport: 'tcp' }),
      countFrames(camera.url, { seconds: 5, transport: 'udp' }),
      countFramesGst(camera.url, { seconds: 5, transport: 'tcp' }),
    ]);
    assert.ok(tcp.frames >= MIN_FRAMES, `ffmpeg/tcp got ${tcp.frames} frames\n${tcp.stderr}`);
    assert.ok(udp.frames >= MIN_FRAMES, `ffmpeg/udp got ${udp.frames} frames\n${udp.stderr}`);
    assert.ok(gst.frames >= MIN_FRAMES, `gstreamer got ${gst.frames} frames`);
    assert.match(gst.caps, /^video\/x-raw.*width=\(int\)640, height=\(int\)360/);
    // Distinct timestamps: every counted frame is a real picture, not a duplicate.
    assert.equal(new Set(tcp.lines.map((l) => l.split(',')[2]?.trim())).size, tcp.frames);
    assert.ok(tcp.firstFrameMs < 3000, `first frame after ${tcp.firstFrameMs} ms`);
  });

  it('sends PCMU audio at 8 kHz without gaps', async () => {
    const audio = await countFrames(camera.url, { seconds: 2, media: 'audio' });
    // 20 ms packets: 50 per second; the stream time they cover matches the wall time.
    assert.ok(audio.frames >= 95, `${audio.frames} audio frames`);
    assert.ok(audio.streamMs >= 1900, `audio covers ${audio.streamMs} ms`);
  });

  it('survives 25 DESCRIBE-and-close cycles and 6 short plays, leaking no pipeline', async () => {
    const threadsBefore = threadsOf(camera.pid);
    for (let i = 0; i < 25; i++) {
      const res = await rtspRequest(camera.url, 'DESCRIBE', { Accept: 'application/sdp' });
      assert.equal(res.status, 200, res.raw);
    }
    for (let i = 0; i < 6; i++) {
      const count = await countFrames(camera.url, { seconds: 0.3, transport: i % 2 === 0 ? 'tcp' : 'udp' });
      assert.ok(count.frames >= 3, `play ${i}: ${count.frames} frames`);
    }
    const last = await countFrames(camera.url, { seconds: 1 });
    assert.ok(last.frames >= 20, `after the cycles: ${last.frames} frames in 1 s`);
    // Each client's pipeline owns threads; once the clients are gone the count is back near where it started.
    await waitFor(() => threadsOf(camera.pid) <= threadsBefore + 4, {
      timeoutMs: 5000,
      what: `camera threads back near ${threadsBefore} (now ${threadsOf(camera.pid)})`,
    });
  });
});

describe('gst-camera --shared', () => {
  it('serves two clients at once from one pipeline and answers DESCRIBE at once', async () => {
    const camera = await startGstCamera({ shared: true, transport: 'both' });
    try {
      const started = Date.now();
      for (let i = 0; i < 10; i++) assert.equal((await rtspRequest(camera.url, 'DESCRIBE')).status, 200);
      assert.ok(Date.now() - started < 2000, `10 DESCRIBEs took ${Date.now() - started} ms`);
      const [a, b] = await Promise.all([
        countFrames(camera.url, { seconds: 1.5, transport: 'tcp' }),
        countFrames(camera.url, { seconds: 1.5, transport: 'udp' }),
      ]);
      assert.ok(a.frames >= 35 && b.frames >= 35, `frames ${a.frames} / ${b.frames}`);
    } finally {
      await camera.stop();
    }
  });
});

describe('gst-camera --onvif', () => {
  const REQUIRE = { Require: 'www.onvif.org/ver20/backchannel', Accept: 'application/sdp' };

  it('offers the sendonly backchannel media only to a DESCRIBE with the Require header', async () => {
    const camera = await startGstCamera({ onvif: true, audio: 'pcmu' });
    try {
      const plain = await rtspRequest(camera.url, 'DESCRIBE', { Accept: 'application/sdp' });
      assert.equal(plain.status, 200, plain.raw);
      const plainMedias = sdpMedias(plain.body);
      assert.deepEqual(
        plainMedias.map((m) => m.kind),
        ['video', 'audio'],
      );
      assert.ok(
        plainMedias.every((m) => !m.attributes.includes('sendonly')),
        plain.body,
      );

      const onvif = await rtspRequest(camera.url, 'DESCRIBE', REQUIRE);
      assert.equal(onvif.status, 200, onvif.raw);
      const medias = sdpMedias(onvif.body);
      assert.deepEqual(
        medias.map((m) => m.kind),
        ['video', 'audio', 'audio'],
      );
      assert.ok(medias[2]?.attributes.includes('sendonly'), onvif.body);
      assert.ok(medias[2]?.attributes.includes('rtpmap:0 PCMU/8000'), onvif.body);
      assert.ok(medias[1]?.attributes.includes('recvonly'), onvif.body);
    } finally {
      await camera.stop();
    }
  });

  for (const { codec, transport } of [
    { codec: 'pcmu', transport: 'tcp' },
    { codec: 'aac', transport: 'udp' },
  ] as const) {
    it(`writes the tone GStreamer's backchannel client sends (${codec} over ${transport})`, async () => {
      const camera = await startGstCamera({ onvif: true, audio: 'pcmu', backchannel: codec });
      try {
        assert.ok(camera.backchannelFile && camera.backchannelFormat);
        const sent = await runBackchannelClient(camera.url, { seconds: 2, transport });
        assert.equal(sent.failed, 0);
        assert.equal(sent.codec, codec === 'pcmu' ? 'PCMU' : 'MPEG4-GENERIC');
        assert.ok(sent.received > 0, 'the client also received the camera media');
        const level = await audioLevel(camera.backchannelFile, camera.backchannelFormat);
        assert.ok(level.rmsDb > -40, `backchannel RMS ${level.rmsDb} dBFS`);
        assert.ok(level.seconds >= 1.5 && level.seconds <= 3, `backchannel holds ${level.seconds} s of audio`);
      } finally {
        await camera.stop();
      }
    });
  }
});

describe('nginx-rtmp', () => {
  it('accepts an ffmpeg publish that ffprobe and ffmpeg read back', async () => {
    const nginx = await startNginxRtmp();
    try {
      const publisher = await publishTestStream(nginx.url('cam'), { video: 'h264', audio: 'aac' });
      try {
        const probe = await ffprobeJson(nginx.url('cam'));
        assert.deepEqual(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort(), [
          'audio:aac',
          'video:h264',
        ]);
        const frames = await countFrames(nginx.url('cam'), { seconds: 1 });
        assert.ok(frames.frames >= 20, `${frames.frames} frames from nginx-rtmp`);
      } finally {
        await publisher.stop();
      }
      assert.match(await nginx.errorLog(), /publish/);
    } finally {
      await nginx.stop();
    }
  });
});

describe('ffmpeg RTSP publish (ANNOUNCE/RECORD)', () => {
  it('reaches an ffmpeg RTSP listener that decodes it', async () => {
    const url = `rtsp://127.0.0.1:${await freeTcpPort()}/publish`;
    const receiving = countFrames(url, { seconds: 2, listen: true });
    // ffmpeg's listener takes one connection, so it cannot be probed: retry the publish until it is up.
    const publisher = await waitFor(
      () => publishTestStream(url, { video: 'h264', audio: 'opus' }).catch(() => undefined),
      {
        timeoutMs: 10000,
        intervalMs: 100,
        what: `ffmpeg listening on ${url}`,
      },
    );
    try {
      const received = await receiving;
      assert.ok(received.frames >= 45, `${received.frames} frames received in 2 s`);
    } finally {
      await publisher.stop();
    }
  });
});

describe('chromium', () => {
  it('runs pages with WebRTC and a fake microphone', async () => {
    const browser = await launchChromium();
    const page = await serveHtml('<!doctype html><title>peer</title>');
    try {
      await browser.page.goto('data:text/html,<title>data</title>');
      assert.equal(await browser.page.evaluate('typeof RTCPeerConnection'), 'function');
      // getUserMedia needs a secure context: http://127.0.0.1 is one, a data: URL is not.
      await browser.page.goto(page.url);
      const track = await browser.page.evaluate(`(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const [track] = stream.getAudioTracks();
        const info = { kind: track.kind, state: track.readyState, label: track.label };
        track.stop();
        return info;
      })()`);
      assert.deepEqual(track, { kind: 'audio', state: 'live', label: 'Fake Default Audio Input' });
    } finally {
      await browser.stop();
      await page.close();
    }
  });
});

describe('launcher errors', () => {
  it('a camera with bad flags fails fast with its message', async () => {
    await assert.rejects(startGstCamera({ video: 'none', audio: 'none' }), (err: unknown) => {
      assert.ok(err instanceof PeerError && err.code === 'PEER_START_FAILED', String(err));
      assert.match(err.message, /would have no media/);
      assert.match(err.message, /exited with code 2/);
      return true;
    });
  });

  it('a camera without its GStreamer plugins names the Debian packages to install', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-gst-registry-'));
    try {
      const env = {
        GST_PLUGIN_SYSTEM_PATH_1_0: path.join(dir, 'none'),
        GST_REGISTRY_1_0: path.join(dir, 'registry.bin'),
      };
      await assert.rejects(startGstCamera({ video: 'h264', audio: 'aac', env }), (err: unknown) => {
        assert.ok(err instanceof PeerError && err.code === 'PEER_MISSING', String(err));
        assert.match(err.message, /x264enc.*install: .*gstreamer1\.0-libav.*gstreamer1\.0-plugins-ugly/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a camera whose port is taken says so', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await assert.rejects(startGstCamera({ port }), (err: unknown) => {
        assert.ok(err instanceof PeerError && err.code === 'PEER_START_FAILED', String(err));
        assert.match(err.message, new RegExp(`cannot listen on 127.0.0.1:${port}`));
        return true;
      });
    } finally {
      blocker.close();
    }
  });
});

describe('launcher cleanup', () => {
  it('the camera exits 0 on SIGTERM', async () => {
    const camera = await startGstCamera();
    await camera.stop();
    assert.deepEqual(await camera.exited, { code: 0, signal: null });
  });

  for (const mode of ['exit', 'wait'] as const) {
    const how = mode === 'exit' ? 'exits without stopping them' : 'is killed with SIGKILL';
    it(`no camera or nginx outlives a test process that ${how}`, async (t) => {
      const parent = startProcess({
        name: 'orphan-peers',
        command: process.execPath,
        args: [...nodeScriptArgs(ORPHAN_SCRIPT), mode],
      });
      try {
        const { pids, prefix } = await parent.waitForLine(
          (line) => {
            const match = /"pids":\[(\d+),(\d+)\],"prefix":"([^"]+)"/.exec(line);
            return match?.[3] ? { pids: [Number(match[1]), Number(match[2])], prefix: match[3] } : undefined;
          },
          20000,
          'peer pids from the fixture',
        );
        // The orphaned nginx could not remove its temp folder.
        t.after(() => rm(prefix, { recursive: true, force: true }));
        if (mode === 'wait') {
          assert.ok(pids.every(isAlive));
          parent.killNow('SIGKILL');
        }
        await parent.exited;
        try {
          await waitFor(() => !pids.some(isAlive), { timeoutMs: 5000, what: `peers ${pids.join(', ')} to be gone` });
        } finally {
          // A failure must not leave them running for the rest of the suite.
          for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
        }
      } finally {
        await parent.stop();
      }
    });
  }
});
