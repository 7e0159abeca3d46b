import type { Logger } from 'pino';
import type { App } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import { CoreError } from '../../core/errors.js';
import { parseRtmpUrl } from '../../pkg/rtmp/index.js';
import { openPublish } from './client.js';
import { RtmpPlayerConsumer } from './player-consumer.js';
import { DEFAULT_TIMEOUT_MS } from './producer.js';

/**
 * go2rtc's "publish" to RTMP (the `publish:` config section, `POST /api/streams?src=<name>&dst=rtmp://…`):
 * a consumer of stream `name` that publishes its H264/AAC to an RTMP server (nginx-rtmp, YouTube, Twitch).
 * Resolves once the server said NetStream.Publish.Start and the consumer is attached; it ends when either
 * side does (the caller decides whether to publish again). Throws STREAM_NOT_FOUND, RTMP_CONNECT,
 * RTMP_REFUSED, RTMP_TIMEOUT, CODEC_MISMATCH.
 */
export async function publishToRtmp(app: App, name: string, dst: string, log?: Logger): Promise<RtmpPlayerConsumer> {
  const stream = app.streams.get(name);
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const where = maskCredentials(dst);
  const session = await openPublish({
    url: parseRtmpUrl(dst),
    where,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    log: log ?? app.logger('rtmp'),
  });
  const consumer = new RtmpPlayerConsumer(session.conn, session.streamId, undefined, true, where);
  try {
    await stream.addConsumer(consumer);
  } catch (err) {
    await consumer.stop();
    throw err;
  }
  consumer.play();
  return consumer;
}
