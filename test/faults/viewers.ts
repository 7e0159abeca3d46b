import { pino } from 'pino';
import { parseRtspSourceOptions } from '../../addon/src/modules/rtsp/client/options.js';
import { RtspProducer } from '../../addon/src/modules/rtsp/client/producer.js';
import type { Receiver } from '../../addon/src/core/track.js';
import { parseSourceUrl } from '../../addon/src/modules/streams/source-url.js';
import { viewOverWs, type WsViewing } from '../e2e/webrtc/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { TestWsClient } from '../helpers/ws-client.js';

/**
 * Viewers that stay connected through a fault and record when media arrives, so a test can say whether each
 * kept its socket and how long after the source came back it got media again.
 */
export interface Watching {
  readonly name: string;
  /** performance.now() of every media arrival (packet or fragment). */
  readonly arrivals: number[];
  /** True while the viewer's connection is open. */
  connected(): boolean;
  close(): Promise<void>;
}

/** First arrival after `since`, waiting up to `timeoutMs`; returns milliseconds from `since`. */
export async function resumedAfter(viewer: Watching, since: number, timeoutMs: number): Promise<number> {
  const at = await waitFor(() => viewer.arrivals.find((t) => t > since), {
    timeoutMs,
    intervalMs: 5,
    what: `${viewer.name} media again`,
  });
  return at - since;
}

/** Arrivals within [from, to). */
export function arrivalsBetween(viewer: Watching, from: number, to: number): number {
  return viewer.arrivals.filter((t) => t >= from && t < to).length;
}

const CHROME_CODECS = 'avc1.640029,avc1.64002A,avc1.640033,mp4a.40.2,mp4a.40.5,flac,opus';

/** go2rtc's MSE player over `/api/ws`: every binary fragment is an arrival. */
export async function watchMse(api: string, src: string): Promise<Watching> {
  const client = await TestWsClient.open(`${api.replace('http', 'ws')}/api/ws?src=${encodeURIComponent(src)}`);
  const arrivals: number[] = [];
  client.socket.on('message', (_data, isBinary) => {
    if (isBinary) arrivals.push(performance.now());
  });
  client.send({ type: 'mse', value: CHROME_CODECS });
  return {
    name: 'MSE',
    arrivals,
    connected: () => client.closeCode === undefined,
    async close() {
      client.close();
      await client.closed().catch(() => undefined);
    },
  };
}

/**
 * An RTSP reader over TCP (ts2rtc's own client reading ts2rtc's server): every packet is an arrival. It waits
 * an hour for media (`#timeout=3600`) as a player would, where ts2rtc as a client gives up after 5 s.
 */
export async function watchRtsp(url: string): Promise<Watching> {
  const producer = await RtspProducer.open({
    options: parseRtspSourceOptions(parseSourceUrl(`${url}#transport=tcp#timeout=3600`)),
    userAgent: 'faults',
    log: pino({ level: 'silent' }),
  });
  const arrivals: number[] = [];
  let open = true;
  producer.onClose.once(() => (open = false));
  const receivers: Receiver[] = producer.getMedias().map((m) => producer.getTrack(m, m.codecs[0]!));
  for (const receiver of receivers) {
    receiver.addSink(
      { id: -1 - arrivals.length, push: () => void arrivals.push(performance.now()), detach: () => undefined },
      { replayGop: false },
    );
  }
  await producer.start();
  return {
    name: 'RTSP',
    arrivals,
    connected: () => open,
    close: () => producer.stop(),
  };
}

/** A werift WebRTC viewer (Home Assistant's v2 signaling): every video RTP packet is an arrival. */
export async function watchWebrtc(api: string, src: string): Promise<Watching> {
  const viewing: WsViewing = await viewOverWs({ url: api }, { src, version: 2 });
  const arrivals: number[] = [];
  // The viewer keeps the packets it got; a 5 ms poll turns new ones into arrival times.
  let seen = 0;
  const poll = setInterval(() => {
    const count = viewing.received.video.length + viewing.received.audio.length;
    for (; seen < count; seen++) arrivals.push(performance.now());
  }, 5);
  return {
    name: 'WebRTC',
    arrivals,
    connected: () =>
      viewing.ws.closeCode === undefined &&
      viewing.pc.connectionState !== 'closed' &&
      viewing.pc.connectionState !== 'failed',
    async close() {
      clearInterval(poll);
      await viewing.close();
    },
  };
}
