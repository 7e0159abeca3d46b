/**
 * An MSE client for the benches: the go2rtc-style WebSocket (`/api/ws?src=NAME`), asks for MSE with the
 * codecs a browser lists, and counts the fMP4 media fragments (binary messages holding a `moof`) that follow
 * the init segment. Each fragment carries whole frames, so the camera's stamp (an SEI NAL unit inside the
 * `mdat`) times the frame up to the arrival of the message.
 */
import { WebSocket } from 'ws';
import { withTimeout } from '../../test/helpers/wait.js';
import { nowNs, readStamp } from '../rtsp/stamp.js';
import { consumerOf, FIRST_MEDIA_TIMEOUT_MS, LatencyLog, type Consumer } from './consumer.js';

/** What a browser with Media Source Extensions says it can play (H264, H265, AAC, FLAC, Opus). */
const BROWSER_CODECS = 'avc1.640029,avc1.64002A,avc1.640033,hvc1.1.6.L153.B0,mp4a.40.2,mp4a.40.5,flac,opus';

const isMoof = (data: Buffer): boolean => data.length > 8 && data.toString('latin1', 4, 8) === 'moof';

export async function joinMse(apiBase: string, stream: string): Promise<Consumer> {
  const log = new LatencyLog();
  // One fragment per frame (both servers fragment per video frame): frames == packets.
  const state = {
    packets: 0,
    get frames() {
      return this.packets;
    },
    failure: undefined as Error | undefined,
  };
  let closing = false;
  let first: (() => void) | undefined;
  const firstFragment = new Promise<void>((resolve) => (first = resolve));
  const t0 = nowNs();
  const ws = new WebSocket(`${apiBase.replace(/^http/, 'ws')}/api/ws?src=${encodeURIComponent(stream)}`, {
    perMessageDeflate: false,
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const arrival = nowNs();
    const buf = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    if (!isMoof(buf)) return;
    state.packets++;
    first?.();
    first = undefined;
    const stamp = readStamp(buf);
    if (stamp) log.add(stamp.sentNs, arrival);
  });
  ws.on('close', () => {
    if (!closing) state.failure ??= new Error('MSE WebSocket closed');
  });
  ws.on('error', (err) => {
    if (!closing) state.failure ??= err;
  });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`ws upgrade refused: ${res.statusCode}`)));
      }),
      10_000,
      `ws open ${stream}`,
    );
    ws.send(JSON.stringify({ type: 'mse', value: BROWSER_CODECS }));
    await withTimeout(firstFragment, FIRST_MEDIA_TIMEOUT_MS, `first MSE fragment of ${stream}`);
  } catch (err) {
    ws.terminate();
    throw err;
  }
  return consumerOf('mse', state, log, (nowNs() - t0) / 1e6, async () => {
    closing = true;
    ws.terminate();
  });
}
