import { RTCRtpCodecParameters } from 'werift';

/** The H264 profile browsers offer first (constrained baseline 3.1, packetization-mode 1). */
export const BROWSER_H264_FMTP = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';

/**
 * A werift viewer's H264 receive codec with NACK and PLI, as a browser offers it; `fmtp` null gives werift's plain
 * codec (no a=fmtp). Shared by the WebRTC e2e viewers and the bench viewers, so both negotiate alike.
 */
export function h264ViewerCodec(fmtp: string | null = BROWSER_H264_FMTP): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
    ...(fmtp === null ? {} : { parameters: fmtp }),
  });
}

/** Loopback-only peer connection settings (fresh per peer): no STUN servers, the loopback host candidate, one bundle. */
export function loopbackPeer(): { iceServers: []; iceAdditionalHostAddresses: string[]; bundlePolicy: 'max-bundle' } {
  return { iceServers: [], iceAdditionalHostAddresses: ['127.0.0.1'], bundlePolicy: 'max-bundle' };
}
