import type { Logger } from 'pino';
import { Ts2rtcError } from '../../../core/errors.js';
import { RtspClient } from '../../../pkg/rtsp/client/client.js';
import { playableTracks, selectTracks } from '../../../pkg/rtsp/client/tracks.js';
import type { SdpTrack } from '../../../pkg/sdp/media.js';
import { clientError, DEFAULT_TIMEOUT_MS, maskUrl, type RtspSourceOptions } from './options.js';

export interface DescribedSource {
  readonly client: RtspClient;
  readonly sdp: string;
  /** What the source offers the hub, in SDP order. */
  readonly tracks: SdpTrack[];
  /** Whether this session was described with the ONVIF backchannel header. */
  readonly backchannel: boolean;
}

export interface DescribeConfig {
  readonly options: RtspSourceOptions;
  readonly userAgent: string;
  readonly log: Logger;
}

/**
 * Failures that asking again without the backchannel cannot cure: a refused login (asking twice only
 * brings a camera closer to locking the account), an unreachable camera, a redirect loop.
 */
function worthRetrying(err: unknown): boolean {
  if (!(err instanceof Ts2rtcError)) return false;
  return !['RTSP_401', 'RTSP_403', 'RTSP_CONNECT', 'RTSP_REDIRECTS', 'RTSP_BAD_URL'].includes(err.code);
}

function connect(config: DescribeConfig): Promise<RtspClient> {
  const { options } = config;
  return RtspClient.connect({
    url: options.url,
    transport: options.transport,
    timeoutMs: options.timeoutS !== undefined ? options.timeoutS * 1000 : DEFAULT_TIMEOUT_MS,
    userAgent: config.userAgent,
    log: config.log,
  });
}

async function describeOn(client: RtspClient, config: DescribeConfig, backchannel: boolean): Promise<DescribedSource> {
  const { options } = config;
  const answer = await client.describe(backchannel);
  const tracks = playableTracks(
    selectTracks(answer.tracks, { backchannel, ...(options.media !== undefined ? { media: options.media } : {}) }),
  );
  if (tracks.length === 0) {
    throw clientError(
      'RTSP_NO_TRACKS',
      `DESCRIBE ${maskUrl(options.url)}: no video or audio track this server can play`,
    );
  }
  return { client, sdp: answer.sdp, tracks, backchannel };
}

/**
 * Connects, sends OPTIONS and DESCRIBE. With the backchannel asked for, a camera that fails the DESCRIBE
 * carrying `Require: www.onvif.org/ver20/backchannel` (551 Option Not Supported from any camera without
 * ONVIF Profile T, 400, a hang-up) is asked again without it, as go2rtc does: on the same connection when
 * the camera kept it open (go2rtc always dials again), else on a new one.
 */
export async function describeSource(config: DescribeConfig, backchannel: boolean): Promise<DescribedSource> {
  let client = await connect(config);
  try {
    if (!backchannel) return await describeOn(client, config, false);
    try {
      return await describeOn(client, config, true);
    } catch (err) {
      if (!worthRetrying(err)) throw err;
      config.log.debug(
        { err: err instanceof Error ? err.message : String(err) },
        'rtsp: DESCRIBE with the ONVIF backchannel failed, trying without',
      );
      if (client.isClosed) {
        await client.close();
        client = await connect(config);
      }
      return await describeOn(client, config, false);
    }
  } catch (err) {
    await client.close();
    throw err;
  }
}
