import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../helpers/wait.js';
import { TestWsClient } from '../../helpers/ws-client.js';
import { ffmpegDecode, isInit, readFragment } from './fragments.js';
import { startMp4Server, type Mp4Server } from './setup.js';

/**
 * `/api/ws` `mse` and `mp4` modes with a plain WebSocket client: the exact protocol go2rtc's player relies on
 * (reply, init segment, fragments from a key frame), what the bytes decode to, and the shared session.
 */

const CHROME_CODECS = 'avc1.640029,avc1.64002A,avc1.640033,mp4a.40.2,mp4a.40.5,flac,opus';

async function mse(server: Mp4Server, src: string, codecs = CHROME_CODECS): Promise<TestWsClient> {
  const client = await TestWsClient.open(`${server.wsUrl}?src=${encodeURIComponent(src)}`);
  client.send({ type: 'mse', value: codecs });
  return client;
}

function fragments(client: TestWsClient) {
  return client.binary.filter((b) => !isInit(b)).map(readFragment);
}

describe('/api/ws mse', () => {
  let server: Mp4Server;
  before(async () => {
    server = await startMp4Server();
  });
  after(() => server.close());

  it('answers the MIME type, then sends the init segment and fragments starting at a video key frame', async () => {
    const client = await mse(server, 'demo');
    const reply = await client.next((m) => m.type === 'mse');
    assert.deepEqual(reply, { type: 'mse', value: 'video/mp4; codecs="avc1.4d401e,opus"' });
    await waitFor(() => client.binary.length > 60, { timeoutMs: 10_000, what: '60 binary messages' });
    const [init, ...rest] = client.binary;
    assert.ok(init && isInit(init), 'first binary message is the init segment');
    assert.ok(
      rest.every((b) => !isInit(b)),
      'one init segment only',
    );
    const frags = rest.map(readFragment);
    assert.deepEqual(
      [frags[0]?.trackId, frags[0]?.keyframe, frags[0]?.decodeTime],
      [1, true, 0],
      'starts with a key frame at 0',
    );
    assert.deepEqual(
      frags.map((f) => f.sequence),
      frags.map((_, i) => i + 1),
      "the client's own sequence numbers",
    );
    for (const track of [1, 2]) {
      const times = frags.filter((f) => f.trackId === track).map((f) => f.decodeTime);
      assert.ok(times.length > 10, `track ${track} has fragments`);
      assert.ok(
        times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0)),
        `track ${track} decode times rise`,
      );
    }
    const decoded = ffmpegDecode(Buffer.concat(client.binary));
    assert.equal(decoded.stderr, '');
    assert.equal(decoded.streams, 'h264,640,360\nopus,48000,2');
    assert.equal(
      decoded.frames,
      frags.filter((f) => f.trackId === 1).length,
      'every video fragment decodes to a frame',
    );
    client.close();
  });

  it('picks codecs from the list the browser sends: no opus in the list, no audio track', async () => {
    const client = await mse(server, 'demo', 'avc1.640029,mp4a.40.2');
    assert.deepEqual(await client.next((m) => m.type === 'mse'), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.4d401e"',
    });
    client.close();
  });

  it('sends AAC as mp4a.40.2 and G.711 as FLAC (the "flac" token)', async () => {
    const aac = await mse(server, 'aac');
    assert.deepEqual(await aac.next((m) => m.type === 'mse', 15_000), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.42c01e,mp4a.40.2"',
    });
    const pcmu = await mse(server, 'pcmu');
    assert.deepEqual(await pcmu.next((m) => m.type === 'mse', 15_000), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.42c01e,flac"',
    });
    await waitFor(() => pcmu.binary.length > 40 && aac.binary.length > 40, { timeoutMs: 10_000, what: 'fragments' });
    const flac = ffmpegDecode(Buffer.concat(pcmu.binary), '0:a:0');
    assert.equal(flac.stderr, '');
    assert.equal(flac.streams, 'h264,640,360\nflac,8000,1');
    assert.ok(flac.frames > 10);
    const aacDecoded = ffmpegDecode(Buffer.concat(aac.binary), '0:a:0');
    assert.equal(aacDecoded.stderr, '');
    assert.equal(aacDecoded.streams, 'h264,640,360\naac,16000,1');
    aac.close();
    pcmu.close();
  });

  it("without a codec list uses go2rtc's defaults (H264/H265 + AAC): demo gives video only", async () => {
    const client = await mse(server, 'demo', '');
    assert.deepEqual(await client.next((m) => m.type === 'mse'), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.4d401e"',
    });
    client.close();
  });

  it('reports errors as "mse: …" and keeps the socket open for the player\'s fallback', async () => {
    const client = await mse(server, 'nothing-here');
    assert.deepEqual(await client.next((m) => m.type === 'error'), { type: 'error', value: 'mse: stream not found' });
    const h265Only = await mse(server, 'demo', 'hvc1.1.6.L153.B0');
    const mismatch = await h265Only.next((m) => m.type === 'error');
    assert.match(String(mismatch.value), /^mse: streams: codecs not matched/);
    // go2rtc's player then asks for MJPEG on the same socket; nothing was closed.
    h265Only.send({ type: 'mse', value: 'avc1.640029' });
    assert.deepEqual(await h265Only.next((m) => m.type === 'mse'), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.4d401e"',
    });
    assert.equal(client.closeCode, undefined, 'still open');
    client.close();
    h265Only.close();
  });

  // Its own stream: the demo source plays only the tracks asked for when it started.
  it('shares one session (one fragment per frame) between clients, each on its own timeline from 0', async () => {
    const first = await mse(server, 'shared');
    await first.next((m) => m.type === 'mse');
    await waitFor(() => first.binary.length > 30, { timeoutMs: 10_000, what: 'first client streaming' });
    const second = await mse(server, 'shared');
    const third = await mse(server, 'shared');
    await waitFor(() => second.binary.length > 80 && third.binary.length > 80, {
      timeoutMs: 10_000,
      what: 'late clients streaming',
    });
    assert.equal(server.mp4.sessions.size, 1, 'one session for the stream');
    const session = server.mp4.sessions.list()[0];
    const received = Math.max(...[first, second, third].map((c) => fragments(c).length));
    // Muxed once: the session's count is about one client's, not three clients' worth.
    assert.ok(
      session && session.stats.fragments <= received + 40,
      `${session?.stats.fragments} muxed for ${received} sent`,
    );
    for (const client of [second, third]) {
      const frags = fragments(client);
      assert.deepEqual([frags[0]?.trackId, frags[0]?.keyframe, frags[0]?.decodeTime], [1, true, 0]);
      // The frames since the last key frame come first, 1 ms each, so the newest picture shows at once.
      const replayed = frags.filter((f) => f.trackId === 1 && f.duration === 91);
      assert.ok(replayed.length >= 1);
      const audio = frags.filter((f) => f.trackId === 2);
      assert.ok(audio.length > 0 && (audio[0]?.decodeTime ?? -1) >= 0, 'audio starts on the same timeline');
      assert.equal(ffmpegDecode(Buffer.concat(client.binary)).stderr, '');
    }
    const json = server.app.streams.get('shared')?.toJSON();
    assert.equal(json?.consumers?.filter((c) => c.format_name === 'mse/fmp4').length, 3);
    for (const client of [first, second, third]) client.close();
    await waitFor(() => server.mp4.sessions.size === 0, { what: 'session closed with its last client' });
  });
});

describe('/api/ws mse and the stream lifecycle', () => {
  let server: Mp4Server;
  before(async () => {
    server = await startMp4Server();
  });
  after(() => server.close());

  it('creates a stream for a source URL, and closes the socket when the stream is deleted', async () => {
    const client = await mse(server, 'demo:');
    await client.next((m) => m.type === 'mse');
    await waitFor(() => client.binary.length > 10, { timeoutMs: 10_000, what: 'streaming' });
    assert.ok(server.app.streams.get('demo:'), 'stream named after the URL, as go2rtc does');
    await server.app.streams.delete('demo:');
    assert.equal(await client.closed(5000), 1000);
    await waitFor(() => server.mp4.sessions.size === 0, { what: 'session gone' });
  });
});

describe('/api/ws mse with a track that never sends', () => {
  let server: Mp4Server;
  before(async () => {
    server = await startMp4Server({ mp4: { session: { trackWaitMs: 300 } } });
  });
  after(() => server.close());

  it('leaves the silent track out of the init segment instead of stalling the browser', async (t) => {
    // `clip:silent` describes a PCMU track that never carries a frame, like a camera whose microphone is off.
    const both = await mse(server, 'silent');
    const started = Date.now();
    const reply = await both.next((m) => m.type === 'mse');
    t.diagnostic(`answered after ${Date.now() - started} ms`);
    assert.deepEqual(reply, { type: 'mse', value: 'video/mp4; codecs="avc1.42c01e"' });
    await waitFor(() => both.binary.length > 20, { timeoutMs: 5000, what: 'video fragments' });
    assert.ok(fragments(both).every((f) => f.trackId === 1));
    both.close();
  });
});

describe('/api/ws mse with a client that stops reading', () => {
  let server: Mp4Server;
  before(async () => {
    // Tight limits so the stuck client hits them within seconds at 8 Mbit/s.
    server = await startMp4Server({
      ws: { writeDeadlineMs: 1000, highWaterBytes: 256 * 1024, maxQueuedBytes: 8 * 1024 * 1024 },
    });
  });
  after(() => server.close());

  it('is dropped, while the other client keeps getting every frame in real time', async () => {
    const stuck = await mse(server, 'noisy');
    const healthy = await mse(server, 'noisy');
    await stuck.next((m) => m.type === 'mse', 20_000);
    await healthy.next((m) => m.type === 'mse', 20_000);
    await waitFor(() => stuck.binary.length > 5, { timeoutMs: 10_000, what: 'stuck client started' });
    stuck.socket.pause();
    const pausedAt = Date.now();
    const before = fragments(healthy).filter((f) => f.trackId === 1).length;
    await waitFor(() => server.app.streams.get('noisy')?.toJSON().consumers?.length === 1, {
      timeoutMs: 30_000,
      what: 'stuck client dropped',
    });
    const droppedAfter = Date.now() - pausedAt;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const elapsed = (Date.now() - pausedAt) / 1000;
    const frames = fragments(healthy).filter((f) => f.trackId === 1).length - before;
    assert.ok(frames >= 25 * elapsed * 0.85, `${frames} frames in ${elapsed.toFixed(1)} s for the healthy client`);
    assert.equal(healthy.closeCode, undefined);
    assert.ok(droppedAfter < 30_000);
    stuck.socket.resume();
    healthy.close();
    stuck.close();
  });
});

describe('/api/ws mp4 (key frame snapshots)', () => {
  let server: Mp4Server;
  before(async () => {
    server = await startMp4Server();
  });
  after(() => server.close());

  it('answers with an mse-typed MIME message, then sends key frames as complete one-frame MP4 files', async () => {
    const client = await TestWsClient.open(`${server.wsUrl}?src=demo`);
    client.send({ type: 'mp4', value: 'avc1.640029,mp4a.40.2,opus' });
    assert.deepEqual(await client.next((m) => m.type === 'mse'), {
      type: 'mse',
      value: 'video/mp4; codecs="avc1.4d401e"',
    });
    await waitFor(() => client.binary.length >= 2, { timeoutMs: 5000, what: 'two key frames' });
    for (const file of client.binary.slice(0, 2)) {
      assert.ok(isInit(file));
      const decoded = ffmpegDecode(file);
      assert.deepEqual([decoded.frames, decoded.streams, decoded.stderr], [1, 'h264,640,360', '']);
    }
    client.close();
  });
});
