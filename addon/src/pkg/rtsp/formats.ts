import type { Codec } from '../../core/codec.js';
import { AacDepacketizer, LatmDepacketizer } from '../aac/rtp-depacketizer.js';
import { AacPacketizer } from '../aac/rtp-packetizer.js';
import { H264Depacketizer, h264PayloadKind } from '../h264/rtp-depacketizer.js';
import { H264Packetizer } from '../h264/rtp-packetizer.js';
import { H265Depacketizer, h265PayloadKind } from '../h265/rtp-depacketizer.js';
import { parseH265Fmtp } from '../h265/rtp-fmtp.js';
import { H265Packetizer } from '../h265/rtp-packetizer.js';
import { JpegDepacketizer } from '../jpeg/rtp-depacketizer.js';
import { JpegPacketizer } from '../jpeg/rtp-packetizer.js';
import { OpusDepacketizer } from '../opus/rtp-depacketizer.js';
import { OpusPacketizer } from '../opus/rtp-packetizer.js';
import { PcmDepacketizer } from '../pcm/rtp-depacketizer.js';
import { PcmPacketizer } from '../pcm/rtp-packetizer.js';
import { RtpError } from '../rtp/errors.js';
import type { RtpDepacketizer, RtpPacketizer, RtpPacketizerOptions } from '../rtp/payload.js';
import type { PayloadClassifier } from '../rtp/unwatched-gop.js';
import type { RtpFormat } from '../sdp/rtp-format.js';

export interface DepacketizerFactoryOptions {
  /** Video: hand out nothing before the first key frame and after a loss until the next. Defaults to true. */
  readonly waitKeyframe?: boolean;
}

/**
 * The depacketizer for an RTP format from a source's SDP (SdpTrack.formats). Throws RtpError
 * RTP_UNSUPPORTED for formats without one, and AacError for an AAC config it cannot read.
 */
export function createDepacketizer(format: RtpFormat, options: DepacketizerFactoryOptions = {}): RtpDepacketizer {
  const fmtp = format.fmtp !== undefined ? { fmtp: format.fmtp } : {};
  const wait = options.waitKeyframe !== undefined ? { waitKeyframe: options.waitKeyframe } : {};
  switch (format.encodingName.toUpperCase()) {
    case 'H264':
      return new H264Depacketizer({ ...fmtp, ...wait });
    case 'H265':
    case 'HEVC':
      return new H265Depacketizer({ ...fmtp, ...wait });
    case 'MPEG4-GENERIC':
      return new AacDepacketizer({ ...fmtp, clockRate: format.clockRate });
    case 'MP4A-LATM':
      return new LatmDepacketizer({ ...fmtp, clockRate: format.clockRate });
    case 'OPUS':
      return new OpusDepacketizer();
    case 'PCMU':
    case 'PCMA':
    case 'L16':
    case 'G722':
      return new PcmDepacketizer();
    case 'JPEG':
      return new JpegDepacketizer();
    default:
      throw new RtpError('RTP_UNSUPPORTED', `no depacketizer for ${format.encodingName}`);
  }
}

/**
 * How to find the key pictures in a format's RTP payloads without depacketizing them (pkg/rtp/unwatched-gop.ts),
 * for the video formats whose GOP can be kept raw: H.264, and H.265 without DONL fields. Undefined for the rest.
 */
export function payloadClassifier(format: RtpFormat): PayloadClassifier | undefined {
  switch (format.encodingName.toUpperCase()) {
    case 'H264':
      return h264PayloadKind;
    case 'H265':
    case 'HEVC':
      return parseH265Fmtp(format.fmtp).maxDonDiff > 0 ? undefined : h265PayloadKind;
    default:
      return undefined;
  }
}

/**
 * The packetizer that sends a core Codec the way codecToRtpFormat describes it (AAC as mpeg4-generic
 * AAC-hbr, PCM as L16). Throws RtpError RTP_UNSUPPORTED for codecs without one.
 */
export function createPacketizer(codec: Codec, options: RtpPacketizerOptions): RtpPacketizer {
  switch (codec.name) {
    case 'H264':
      return new H264Packetizer(options);
    case 'H265':
      return new H265Packetizer(options);
    case 'AAC':
      return new AacPacketizer(options);
    case 'OPUS':
      return new OpusPacketizer(options);
    case 'PCMU':
    case 'PCMA':
    case 'G722':
      return new PcmPacketizer({ ...options, sampleSize: 1 });
    case 'PCM':
      return new PcmPacketizer({ ...options, sampleSize: 2 * Math.max(1, codec.channels) });
    case 'JPEG':
      return new JpegPacketizer(options);
    default:
      throw new RtpError('RTP_UNSUPPORTED', `no packetizer for ${codec.name}`);
  }
}
