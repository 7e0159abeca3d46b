/**
 * A WebRTC viewer for the benches: a werift peer connection that offers to receive H264 video through the
 * server's go2rtc-style API (`POST /api/webrtc?src=NAME`, JSON offer in, JSON answer out), counts RTP
 * packets and frames, and reads the camera's send-time stamp (an SEI NAL unit: alone or in a STAP-A) to time
 * each frame up to the arrival of its last (marker) packet. The same client for every server measured.
 *
 * werift does the ICE and DTLS; the media it would take through its whole receive path (SRTP decryption,
 * an RtpPacket, the receiver's statistics and NACK bookkeeping: ~30 µs a packet here) is read as it leaves
 * the ICE connection instead. RTP headers travel in clear in SRTP, so counting and the frame's end need no
 * key; only the packets that may hold the stamp (the first few of each frame) are decrypted, with werift's
 * own SRTP session. With 20 viewers in one process a frame is ~400 packets, and the viewers' own time per
 * packet was what the last viewer's latency measured (as the RTSP readers' garbage did before 0c8887f).
 */
import { RTCPeerConnection, type RTCDtlsTransport } from 'werift';
import { disableDefaultStun } from '../../addon/src/modules/webrtc/werift-shim.js';
import { isRtcp, parseRtp } from '../../addon/src/pkg/rtp/index.js';
import { withTimeout } from '../../test/helpers/wait.js';
import { h264ViewerCodec, loopbackPeer } from '../../test/peers/werift-viewer.js';
import { findStamp, nowNs } from '../rtsp/stamp.js';
import { consumerOf, FIRST_MEDIA_TIMEOUT_MS, LatencyLog, type Consumer } from './consumer.js';

/** Packets of a frame decrypted while looking for its stamp (SPS/PPS and SEI come first; slices never hold it). */
const STAMP_SEARCH_PACKETS = 3;

/** SRTP (not SRTCP, STUN or DTLS, which share the port): RTP version 2 outside RTCP's packet types. */
export function isSrtp(packet: Buffer): boolean {
  return packet.length >= 12 && packet[0]! >> 6 === 2 && !isRtcp(packet);
}

/**
 * Hands each SRTP packet to `onRtp` as it leaves the ICE connection, in place of werift's receive path: a
 * replacement for the transport's `startSrtp`, which werift calls when the DTLS handshake is done.
 */
function takeSrtp(dtls: RTCDtlsTransport, onRtp: (packet: Buffer) => void): void {
  dtls.startSrtp = () => {
    if (dtls.srtpStarted) return;
    dtls.srtpStarted = true;
    dtls.updateSrtpSession();
    dtls.iceTransport.connection.onData.subscribe((data) => {
      if (isSrtp(data)) onRtp(data);
    });
  };
}

export async function joinWebrtc(apiBase: string, stream: string): Promise<Consumer> {
  const pc = new RTCPeerConnection({ ...loopbackPeer(), codecs: { video: [h264ViewerCodec()], audio: [] } });
  const log = new LatencyLog();
  const state = {
    packets: 0,
    frames: 0,
    failure: undefined as Error | undefined,
    frameTimestamp: -1,
    searched: 0,
    sentNs: undefined as number | undefined,
  };
  let first: (() => void) | undefined;
  const firstPacket = new Promise<void>((resolve) => (first = resolve));
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  disableDefaultStun(pc);
  const onRtp = (packet: Buffer): void => {
    const arrival = nowNs();
    state.packets++;
    first?.();
    first = undefined;
    const timestamp = packet.readUInt32BE(4);
    if (timestamp !== state.frameTimestamp) {
      state.frameTimestamp = timestamp;
      state.searched = 0;
      state.sentNs = undefined;
    }
    if (state.sentNs === undefined && state.searched < STAMP_SEARCH_PACKETS) {
      state.searched++;
      state.sentNs = stampOf(transceiver.dtlsTransport, packet);
    }
    if (!(packet[1]! & 0x80)) return;
    state.frames++;
    if (state.sentNs !== undefined) log.add(state.sentNs, arrival);
    state.sentNs = undefined;
  };
  pc.connectionStateChange.subscribe((s) => {
    if (s === 'failed' || s === 'closed') state.failure ??= new Error(`WebRTC connection ${s}`);
  });
  const t0 = nowNs();
  try {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    takeSrtp(transceiver.dtlsTransport, onRtp);
    const res = await fetch(`${apiBase}/api/webrtc?src=${encodeURIComponent(stream)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'offer', sdp: pc.localDescription?.sdp }),
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`WebRTC offer refused: ${res.status} ${await res.text()}`);
    const answer: unknown = await res.json();
    const sdp: unknown = typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'sdp') : undefined;
    if (typeof sdp !== 'string') throw new Error('WebRTC answer without sdp');
    await pc.setRemoteDescription({ type: 'answer', sdp });
    await withTimeout(firstPacket, FIRST_MEDIA_TIMEOUT_MS, `first WebRTC packet of ${stream}`);
  } catch (err) {
    await pc.close();
    throw err;
  }
  return consumerOf('webrtc', state, log, (nowNs() - t0) / 1e6, () => pc.close());
}

/** The stamp in an SRTP packet, decrypted with the transport's session; undefined when it holds none. */
function stampOf(dtls: RTCDtlsTransport, packet: Buffer): number | undefined {
  try {
    const { payload } = parseRtp(dtls.srtp.decrypt(packet));
    return findStamp(payload, 0, payload.length)?.sentNs;
  } catch {
    return undefined; // not authentic, or not RTP: counted, not timed
  }
}
