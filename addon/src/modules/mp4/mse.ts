import type { App } from '../../app.js';
import { CoreError } from '../../core/errors.js';
import type { Media } from '../../core/media.js';
import type { WsConnection } from '../api/index.js';
import { parseMseCodecs } from './codecs.js';
import { FragmentConsumer, type FragmentConsumerOptions } from './consumer.js';
import { KeyframeConsumer } from './keyframe.js';
import type { SessionRegistry } from './registry.js';
import { WsTransport } from './transports.js';

/** An MSE player on `/api/ws` (go2rtc's format name `mse/fmp4`). */
export class MseConsumer extends FragmentConsumer {
  constructor(
    connection: WsConnection,
    medias: readonly Media[],
    registry: SessionRegistry,
    options?: FragmentConsumerOptions,
  ) {
    super(
      { formatName: 'mse/fmp4', protocol: 'ws', remoteAddr: connection.remoteAddr, userAgent: connection.userAgent },
      medias,
      registry,
      new WsTransport(connection),
      options,
    );
  }
}

/** go2rtc resolves `?src=` (a name, or a URL that becomes a stream) for every media message the same way. */
function streamOf(app: App, connection: WsConnection) {
  const src = connection.query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  return app.streams.getOrCreate(src, 'ws', connection.query.get('name') ?? undefined);
}

/**
 * `{"type":"mse","value":"<codecs the browser's MediaSource takes>"}`: answers `{"type":"mse","value":
 * "video/mp4; codecs=\"…\""}`, then sends the init segment and the fragments as binary messages.
 */
export async function handleMse(
  app: App,
  registry: SessionRegistry,
  value: unknown,
  connection: WsConnection,
  options?: FragmentConsumerOptions,
): Promise<void> {
  const stream = streamOf(app, connection);
  const consumer = new MseConsumer(
    connection,
    parseMseCodecs(typeof value === 'string' ? value : '', true),
    registry,
    options,
  );
  connection.onClose.subscribe(() => void consumer.stop());
  try {
    await stream.addConsumer(consumer);
    const mime = await consumer.prepare();
    if (connection.isClosed) return;
    connection.send({ type: 'mse', value: mime });
    consumer.begin();
  } catch (err) {
    await consumer.stop();
    throw err;
  }
}

/**
 * `{"type":"mp4","value":"<codecs>"}`: key frames only, each one a complete MP4 file in a binary message, after
 * an `mse`-typed reply with the MIME type (go2rtc's reply type, which its player expects).
 */
export async function handleMp4(
  app: App,
  value: unknown,
  connection: WsConnection,
  keyframeTimeoutMs: number,
): Promise<void> {
  const stream = streamOf(app, connection);
  const consumer = new KeyframeConsumer(
    { formatName: 'mp4', protocol: 'ws', remoteAddr: connection.remoteAddr, userAgent: connection.userAgent },
    parseMseCodecs(typeof value === 'string' ? value : '', false),
  );
  connection.onClose.subscribe(() => void consumer.stop());
  try {
    await stream.addConsumer(consumer);
    const mime = await consumer.firstFrame(keyframeTimeoutMs);
    if (connection.isClosed) return;
    connection.send({ type: 'mse', value: mime });
    consumer.stream(
      (file) => connection.sendBinary(file),
      (resume) => connection.onDrain.subscribe(resume),
    );
  } catch (err) {
    await consumer.stop();
    throw err;
  }
}
