import type { ConnectionDescription } from '../../core/connection.js';
import { errorMessage } from '../../core/errors.js';
import { ProducerBase } from '../../core/producer.js';
import { HttpSourceError } from './errors.js';
import { JPEG_MEDIA, clock90k } from './mjpeg-producer.js';
import { HttpSession, openHttp, readAll, type HttpTarget } from './request.js';

/** A snapshot larger than this is not a camera picture. */
export const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;

/**
 * A JPEG snapshot URL as a video stream, as go2rtc's mjpeg client does: GET, publish the image, GET again as
 * soon as the answer is in (a camera's snapshot rate is its frame rate). The first image, fetched at open to
 * learn the format, is the first frame. Polling runs only between `start()` and `stop()`; one request at a
 * time, aborted on stop. A failed request or an answer that is not a JPEG closes the producer with its code.
 */
export class JpegPollProducer extends ProducerBase {
  private readonly origin = performance.now();
  private readonly abort = new AbortController();
  private readonly target: HttpTarget;
  private readonly session: HttpSession;
  private started = false;

  constructor(
    target: HttpTarget,
    description: ConnectionDescription,
    private readonly first: Buffer,
  ) {
    super(description, [JPEG_MEDIA]);
    this.bytesRecv += first.length;
    // One kept-alive connection for all the pictures, and the Digest challenge of the first request.
    this.session = new HttpSession(true);
    this.session.challenge = target.session?.challenge;
    this.session.nc = target.session?.nc ?? 0;
    this.target = { ...target, session: this.session };
  }

  async start(): Promise<void> {
    if (this.started || this.isClosed) return;
    this.started = true;
    this.publish(this.first);
    void this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.isClosed) {
      try {
        const opened = await openHttp(this.target, this.abort.signal);
        const body = await readAll(opened.response, MAX_SNAPSHOT_BYTES);
        if (this.isClosed) return;
        this.bytesRecv += body.length;
        if (body.length < 2 || body[0] !== 0xff || body[1] !== 0xd8) {
          throw new HttpSourceError(
            'HTTP_FORMAT_UNSUPPORTED',
            `snapshot is not a JPEG (starts with ${body.subarray(0, 4).toString('hex')})`,
          );
        }
        this.publish(body);
      } catch (err) {
        if (this.isClosed) return;
        void this.close(
          err instanceof HttpSourceError ? err : new HttpSourceError('HTTP_CONNECT', errorMessage(err), { cause: err }),
        );
        return;
      }
    }
  }

  private publish(image: Buffer): void {
    const timestamp = clock90k(this.origin);
    for (const track of this.tracks) track.receiver.write({ payload: image, timestamp, keyframe: true });
  }

  protected async release(): Promise<void> {
    this.abort.abort();
    this.session.close();
  }
}
