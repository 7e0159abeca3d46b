/**
 * A WebRTC viewer for the benches: a werift peer connection that offers to receive H264 video through the
 * server's go2rtc-style API (`POST /api/webrtc?src=NAME`, JSON offer in, JSON answer out), counts RTP
 * packets and frames, and reads the camera's send-time stamp (an SEI NAL unit: alone or in a STAP-A) to time
 * each frame up to the arrival of its last (marker) packet. The same client for every server measured.
 */
import { RTCPeerConnection } from 'werift';
import { disableDefaultStun } from '../../addon/src/modules/webrtc/werift-shim.js';
import { withTimeout } from '../../test/helpers/wait.js';
import { h264ViewerCodec, loopbackPeer } from '../../test/peers/werift-viewer.js';
import { findStamp, nowNs } from '../rtsp/stamp.js';
import { consumerOf, FIRST_MEDIA_TIMEOUT_MS, LatencyLog, type Consumer } from './consumer.js';

export async function joinWebrtc(apiBase: string, stream: string): Promise<Consumer> {
  const pc = new RTCPeerConnection({ ...loopbackPeer(), codecs: { video: [h264ViewerCodec()], audio: [] } });
  const log = new LatencyLog();
  const state = {
    packets: 0,
    frames: 0,
    failure: undefined as Error | undefined,
    frameTimestamp: -1,
    sentNs: undefined as number | undefined,
  };
  let first: (() => void) | undefined;
  const firstPacket = new Promise<void>((resolve) => (first = resolve));
  const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
  disableDefaultStun(pc);
  transceiver.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      const arrival = nowNs();
      state.packets++;
      first?.();
      first = undefined;
      const p = rtp.payload;
      const stamp = findStamp(p, 0, p.length);
      if (stamp) {
        state.frameTimestamp = rtp.header.timestamp;
        state.sentNs = stamp.sentNs;
      }
      if (!rtp.header.marker) return;
      state.frames++;
      if (state.sentNs !== undefined && rtp.header.timestamp === state.frameTimestamp) log.add(state.sentNs, arrival);
      state.sentNs = undefined;
    });
  });
  pc.connectionStateChange.subscribe((s) => {
    if (s === 'failed' || s === 'closed') state.failure ??= new Error(`WebRTC connection ${s}`);
  });
  const t0 = nowNs();
  try {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
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
