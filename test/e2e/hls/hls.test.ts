import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTs } from '../../../addon/src/pkg/mpegts/index.js';
import { request } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait.js';
import { TestWsClient } from '../../helpers/ws-client.js';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { startHlsServer, type HlsServer } from './setup.js';

const SAFARI_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const SECONDS = 4;
const FPS = 25;

/** Media playlist lines → the segment URIs and EXTINF durations. */
function parsePlaylist(text: string): {
  target: number;
  sequence: number;
  segments: Array<{ duration: number; uri: string }>;
  map?: string;
} {
  const lines = text.trim().split('\n');
  const segments: Array<{ duration: number; uri: string }> = [];
  let target = 0;
  let sequence = -1;
  let map: string | undefined;
  lines.forEach((line, i) => {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) target = Number(line.slice(22));
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(line.slice(22));
    if (line.startsWith('#EXT-X-MAP:URI="')) map = line.slice(16, -1);
    if (line.startsWith('#EXTINF:'))
      segments.push({ duration: Number.parseFloat(line.slice(8)), uri: lines[i + 1] ?? '' });
  });
  return map === undefined ? { target, sequence, segments } : { target, sequence, segments, map };
}

describe('HLS (ffmpeg as the player)', () => {
  let server: HlsServer;
  before(async () => {
    server = await startHlsServer({ hls: { keepaliveMs: 1500 } });
  });
  after(() => server.close());

  it('fMP4: ffmpeg plays stream.m3u8?mp4 and decodes at least 90 % of the frames', async (t) => {
    const count = await countFrames(`${server.url}/api/stream.m3u8?src=demo&mp4`, { seconds: SECONDS });
    t.diagnostic(
      `first frame after ${count.firstFrameMs} ms, ${count.frames} frames in ${count.windowMs} ms, stream ${count.streamMs} ms`,
    );
    assert.equal(count.ended, false, count.stderr);
    assert.ok(count.frames >= 0.9 * FPS * SECONDS, `${count.frames} frames: ${count.stderr}`);
    assert.doesNotMatch(count.stderr, /error|corrupt|non[- ]monoton/i);
  });

  it('MPEG-TS: ffmpeg plays stream.m3u8 (no codec filter) with H264 and AAC, 90 % of the frames', async (t) => {
    // Three players at once (each its own HLS session), in the time of the longest.
    const [probe, count, audio] = await Promise.all([
      ffprobeJson(`${server.url}/api/stream.m3u8?src=aac`),
      countFrames(`${server.url}/api/stream.m3u8?src=demo`, { seconds: SECONDS }),
      countFrames(`${server.url}/api/stream.m3u8?src=aac`, { seconds: 2, media: 'audio' }),
    ]);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    t.diagnostic(`first frame after ${count.firstFrameMs} ms, ${count.frames} frames in ${count.windowMs} ms`);
    assert.equal(count.ended, false, count.stderr);
    assert.ok(count.frames >= 0.9 * FPS * SECONDS, `${count.frames} frames: ${count.stderr}`);
    assert.doesNotMatch(count.stderr, /error|corrupt|non[- ]monoton/i);
    // 16 kHz AAC: 15.6 frames a second.
    assert.ok(audio.frames >= 0.9 * 15.6 * 2, `${audio.frames} audio frames`);
  });

  it('playlists: go2rtc headers and shapes, segments cut at key frames, TS segments start with PAT/PMT', async () => {
    const master = await request(`${server.url}/api/stream.m3u8?src=demo&mp4`);
    assert.equal(master.status, 200);
    assert.equal(master.headers['content-type'], 'application/vnd.apple.mpegurl');
    assert.equal(master.headers['access-control-allow-origin'], '*');
    const text = master.body.toString();
    // `mp4` alone is go2rtc's legacy filter: H264/H265 and AAC, so the demo's Opus is left out.
    assert.match(
      text,
      /^#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=192000,CODECS="avc1\.4d401e"\nhls\/playlist\.m3u8\?id=[A-Za-z0-9]{8}\n$/,
    );
    const playlistUrl = new URL(text.trim().split('\n')[2] ?? '', `${server.url}/api/stream.m3u8`).href;
    const media = await request(playlistUrl);
    assert.equal(media.headers['access-control-allow-origin'], '*');
    const playlist = parsePlaylist(media.body.toString());
    assert.equal(playlist.target, 1);
    assert.ok(playlist.segments.length >= 1);
    assert.ok(playlist.map?.startsWith('init.mp4?id='));
    // The demo clip has a key frame every second: 1 s segments.
    for (const s of playlist.segments) assert.ok(Math.abs(s.duration - 1) < 0.05, `EXTINF ${s.duration}`);
    const init = await request(new URL(playlist.map ?? '', playlistUrl).href);
    assert.equal(init.headers['content-type'], 'video/mp4');
    assert.equal(init.body.toString('latin1', 4, 8), 'ftyp');
    const first = playlist.segments[0];
    const segment = await request(new URL(first?.uri ?? '', playlistUrl).href);
    assert.equal(segment.status, 200);
    assert.equal(segment.headers['content-type'], 'video/iso.segment');
    assert.equal(segment.body.toString('latin1', 4, 8), 'moof');
    // The next segment is waited for; one past it is not there.
    const next = playlist.sequence + playlist.segments.length;
    const id = /id=([A-Za-z0-9]+)/.exec(playlistUrl)?.[1] ?? '';
    const waited = await request(`${server.url}/api/hls/segment.m4s?id=${id}&n=${next}`, { timeoutMs: 8000 });
    assert.equal(waited.status, 200);
    const ahead = await request(`${server.url}/api/hls/segment.m4s?id=${id}&n=${next + 5}`);
    assert.equal(ahead.status, 404);
    assert.equal(ahead.headers['access-control-allow-origin'], '*');

    const tsMaster = (await request(`${server.url}/api/stream.m3u8?src=aac`)).body.toString();
    const tsPlaylistUrl = new URL(tsMaster.trim().split('\n')[2] ?? '', `${server.url}/api/stream.m3u8`).href;
    const tsPlaylist = parsePlaylist((await request(tsPlaylistUrl)).body.toString());
    assert.equal(tsPlaylist.map, undefined);
    const ts = await request(new URL(tsPlaylist.segments[0]?.uri ?? '', tsPlaylistUrl).href);
    assert.equal(ts.headers['content-type'], 'video/mp2t');
    const read = readTs(ts.body);
    assert.deepEqual(
      read.streams.map((s) => s.streamType),
      [0x1b, 0x0f],
    );
    assert.equal(read.continuityErrors, 0);
    assert.equal(read.pes[0]?.randomAccess, true);
    assert.ok(read.pcrs.length > 10);
  });

  it('OPTIONS answers the CORS preflight; unknown sessions and streams are 404', async () => {
    const options = await request(`${server.url}/api/stream.m3u8?src=demo`, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.equal(options.headers['access-control-allow-methods'], 'GET');
    assert.equal((await request(`${server.url}/api/hls/playlist.m3u8?id=nope`)).status, 404);
    assert.equal((await request(`${server.url}/api/stream.m3u8?src=missing`)).status, 404);
  });

  it('sessions expire after the keepalive timeout and free their consumer', async () => {
    await waitFor(() => server.hls.sessions.size === 0, { timeoutMs: 10_000, what: 'earlier sessions expired' });
    const master = (await request(`${server.url}/api/stream.m3u8?src=demo&mp4`)).body.toString();
    const id = /id=([A-Za-z0-9]+)/.exec(master)?.[1] ?? '';
    assert.equal(server.hls.sessions.size, 1);
    const stream = server.app.streams.get('demo');
    assert.equal(stream?.consumerCount, 1);
    await waitFor(() => server.hls.sessions.size === 0, { timeoutMs: 10_000, what: 'session expired' });
    assert.equal(stream?.consumerCount, 0);
    assert.equal(server.mp4.sessions.size, 0);
    assert.equal((await request(`${server.url}/api/hls/playlist.m3u8?id=${id}`)).status, 404);
  });

  it('sends Safari from stream.mp4 to a playlist that plays', async () => {
    const res = await request(`${server.url}/api/stream.mp4?src=demo`, { headers: { 'User-Agent': SAFARI_UA } });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, 'stream.m3u8?src=demo&mp4');
    const target = new URL(String(res.headers.location), `${server.url}/api/stream.mp4`).href;
    const count = await countFrames(target, { seconds: 2 });
    assert.ok(count.frames >= 0.9 * FPS * 2, `${count.frames} frames`);
  });
});

describe('HLS over /api/ws under a base_path', () => {
  let server: HlsServer;
  before(async () => {
    server = await startHlsServer({ api: { base_path: '/go2rtc' }, hls: { keepaliveMs: 1500 } });
  });
  after(() => server.close());

  it('answers the master playlist; its URI resolves against the ws URL to a media playlist ffmpeg plays', async () => {
    const client = await TestWsClient.open(`${server.wsUrl}?src=demo`);
    client.send({ type: 'hls', value: 'avc1.640029,mp4a.40.2,opus' });
    const reply = await client.next((m) => m.type === 'hls', 10_000);
    const text = String(reply.value);
    assert.match(
      text,
      /^#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=192000,CODECS="avc1\.4d401e,opus"\nhls\/playlist\.m3u8\?id=[A-Za-z0-9]{8}\n$/,
    );
    const playlistUrl = new URL(text.trim().split('\n')[2] ?? '', server.wsUrl.replace('ws', 'http')).href;
    assert.ok(playlistUrl.startsWith(`${server.base}/api/hls/playlist.m3u8?id=`), playlistUrl);
    client.close();
    // The player goes on over HTTP after the socket closed.
    const count = await countFrames(playlistUrl, { seconds: 2 });
    assert.ok(count.frames >= 0.9 * FPS * 2, `${count.frames} frames`);
  });
});
