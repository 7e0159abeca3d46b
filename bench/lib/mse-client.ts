/**
 * An MSE client for the benches: the go2rtc-style WebSocket (`/api/ws?src=NAME`), asks for MSE with the
 * codecs a browser lists, and counts the fMP4 media fragments (binary messages holding a `moof`) that follow
 * the init segment. Each fragment carries whole frames, so the camera's stamp (an SEI NAL unit inside the
 * `mdat`) times the frame up to the arrival of the message.
 */
import { withTimeout } from '../../test/helpers/wait.js';
import { nowNs, readStamp } from '../rtsp/stamp.js';
import { consumerOf, FIRST_MEDIA_TIMEOUT_MS, LatencyLog, type Consumer } from './consumer.js';
import { BenchWsClient } from './ws-client.js';

/** What a browser with Media Source Extensions says it can play (H264, H265, AAC, FLAC, Opus). */
const BROWSER_CODECS = 'avc1.640029,avc1.64002A,avc1.640033,hvc1.1.6.L153.B0,mp4a.40.2,mp4a.40.5,flac,opus';

const isMoof = (data: Buffer): boolean => data.length > 8 && data.toString('latin1', 4, 8) === 'moof';

export async function joinMse(apiBase: string, stream: string): Promise<Consumer> {
  const log = new LatencyLog();
  let ws: BenchWsClient | undefined;
  // One fragment per frame (both servers fragment per video frame): frames == packets.
  const state = {
    packets: 0,
    get frames() {
      return this.packets;
    },
    get failure() {
      return ws?.failure;
    },
  };
  let first: (() => void) | undefined;
  const firstFragment = new Promise<void>((resolve) => (first = resolve));
  const t0 = nowNs();
  const url = `${apiBase.replace(/^http/, 'ws')}/api/ws?src=${encodeURIComponent(stream)}`;
  // The stamp sits at the start of the fragment's mdat, inside the prefix the client keeps.
  const onBinary = (prefix: Buffer, _length: number, arrival: number): void => {
    if (!isMoof(prefix)) return;
    state.packets++;
    first?.();
    first = undefined;
    const stamp = readStamp(prefix);
    if (stamp) log.add(stamp.sentNs, arrival);
  };
  try {
    ws = await BenchWsClient.open(url, onBinary);
    ws.sendText(JSON.stringify({ type: 'mse', value: BROWSER_CODECS }));
    await withTimeout(firstFragment, FIRST_MEDIA_TIMEOUT_MS, `first MSE fragment of ${stream}`);
  } catch (err) {
    ws?.close();
    throw err;
  }
  const client = ws;
  return consumerOf('mse', state, log, (nowNs() - t0) / 1e6, async () => client.close());
}
