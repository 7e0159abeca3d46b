import type { Codec } from '../../../core/codec.js';
import type { Media } from '../../../core/media.js';
import type { Receiver, Sender } from '../../../core/track.js';
import type { RtpPacketizer } from '../../rtp/index.js';
import type { RtpFormat } from '../../sdp/index.js';
import type { SharedRtpTrack } from './shared-rtp.js';
import type { UdpTrackTransport } from './udp.js';

/** Where a track's RTP goes or comes from once SETUP chose a transport. */
export type TrackTransport =
  { readonly kind: 'tcp'; readonly channel: number } | { readonly kind: 'udp'; readonly udp: UdpTrackTransport };

/**
 * One track of an RTSP session, as described in our SDP (`a=control:trackID=N`). Outgoing tracks (a
 * reader's video/audio) packetize; incoming ones (a publisher's media, a reader's backchannel audio)
 * depacketize into a receiver.
 */
export interface SessionTrack {
  readonly control: string;
  readonly media: Media;
  readonly codec: Codec;
  readonly payloadType: number;
  /** SDP direction attribute of this section, as the client reads it. */
  readonly sdpDirection?: 'sendonly';
  transport?: TrackTransport;
  readonly packetizer?: RtpPacketizer;
  /** Outgoing tracks over TCP: the packetization shared by every reader of the source track. */
  readonly shared?: SharedRtpTrack;
  sender?: Sender;
  /** Incoming tracks: the RTP format the client sends, from its SDP or ours. */
  readonly format?: RtpFormat;
  readonly receiver?: Receiver;
}

/** `trackID=3` → 3, from a SETUP URI that ends with the control we gave out (absolute or relative). */
export function trackIndexFromUri(uri: string): number | undefined {
  const match = /(?:^|\/)trackID=(\d{1,3})(?:[?#].*)?$/.exec(uri);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
