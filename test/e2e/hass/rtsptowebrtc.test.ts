import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../../peers/process.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, weriftViewer, type RunningWebrtc } from '../webrtc/helpers.js';

/**
 * Both RTSPtoWebRTC flavours, driven by the real client library Home Assistant's rtsp_to_webrtc integration
 * uses (allenporter/rtsp-to-webrtc-client, from the repo's Home Assistant 2025 virtualenv made by .ci/run;
 * skipped when it is absent), with a real WebRTC peer (werift) that plays the answer: RTP packets counted.
 * Plus the error shapes of the original `POST /stream` with plain fetch.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = path.resolve(HERE, '../../../.venv-ha2025/bin/python');
const CLIENT = path.join(HERE, 'rtsptowebrtc-client.py');

describe('RTSPtoWebRTC: the original POST /stream and the RTSPtoWeb flavour', () => {
  let server: RunningWebrtc;
  before(async () => {
    server = await startWebrtcServer({ config: { streams: { demo: 'demo:' } }, timings: { idleTimeoutMs: 2000 } });
  });
  after(async () => server?.close());

  async function playThrough(
    flavour: string,
    camera: string,
  ): Promise<{ video: number; audio: number; stderr: string }> {
    const { pc, received } = weriftViewer();
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const offerFile = path.join(tmpdir(), `ts2rtc-offer-${process.pid}-${flavour}.sdp`);
      await writeFile(offerFile, offer.sdp);
      const run = await runProcess({
        name: 'rtsp-to-webrtc client',
        command: PYTHON,
        args: [CLIENT, server.url, camera, flavour, offerFile],
        timeoutMs: 30_000,
      });
      await rm(offerFile, { force: true });
      assert.equal(run.code, 0, run.stderr);
      await pc.setRemoteDescription({ type: 'answer', sdp: run.stdout });
      await waitFor(() => received.video.length > 100 && received.audio.length > 20, {
        timeoutMs: 15_000,
        what: `${flavour}: media`,
      });
      return { video: received.video.length, audio: received.audio.length, stderr: run.stderr };
    } finally {
      await pc.close();
    }
  }

  for (const flavour of ['webrtc', 'web', 'adaptive']) {
    it(
      `rtsp-to-webrtc-client (${flavour}) gets an answer that plays`,
      { skip: existsSync(PYTHON) ? false : `no ${PYTHON}` },
      async () => {
        const played = await playThrough(flavour, 'demo:');
        console.log(`${flavour}: ${played.video} video and ${played.audio} audio RTP packets; ${played.stderr.trim()}`);
      },
    );
  }

  it('POST /stream: form url + sdp64 → {"sdp64"}; the stream is the URL (created on the fly) or a stream name', async () => {
    const { pc, received } = weriftViewer();
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const res = await fetch(`${server.url}/stream`, {
        method: 'POST',
        body: new URLSearchParams({
          url: 'demo',
          sdp64: Buffer.from(offer.sdp).toString('base64'),
          name: 'extra fields are ignored',
        }),
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^application\/json/);
      const body = (await res.json()) as { sdp64: string };
      const answer = Buffer.from(body.sdp64, 'base64').toString('utf8');
      assert.match(answer, /^v=0\r\n/);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      await waitFor(() => received.video.length > 50, { timeoutMs: 15_000, what: 'video' });
      assert.ok(
        server.app.streams
          .get('demo')
          ?.toJSON()
          .consumers?.some((c) => c.format_name === 'hass/webrtc'),
      );
    } finally {
      await pc.close();
    }
  });

  it('POST /stream errors: missing fields 400, an unknown scheme 400, an unknown name 404, each as JSON {"error","code"}', async () => {
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ sdp64: 'AAAA' }, 400, 'BODY_INVALID'],
      [{ url: 'demo' }, 400, 'BODY_INVALID'],
      [{ url: 'gopher://cam/1', sdp64: 'AAAA' }, 400, 'SOURCE_UNSUPPORTED'],
      [{ url: 'nosuchstream', sdp64: 'AAAA' }, 404, 'STREAM_NOT_FOUND'],
    ];
    for (const [form, status, code] of cases) {
      const res = await fetch(`${server.url}/stream`, { method: 'POST', body: new URLSearchParams(form) });
      assert.equal(res.status, status, JSON.stringify(form));
      const body = (await res.json()) as { error: string; code: string };
      assert.equal(body.code, code);
      assert.ok(body.error.length > 0);
    }
  });
});
