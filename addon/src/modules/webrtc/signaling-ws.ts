import type { IceServer } from '../../config/types.js';
import { Ts2rtcError } from '../../core/errors.js';
import type { StreamHub } from '../streams/hub.js';
import { WsSlot, type WsConnection } from '../api/ws-connection.js';
import { negotiate } from './engine.js';
import type { Negotiated, WebrtcContext } from './session.js';

/** Per WebSocket: the peer negotiated on it, and remote candidates that came before it existed. */
interface WsPeerState {
  negotiated: Negotiated | undefined;
  queued: string[];
}

const PEER = new WsSlot<WsPeerState>('webrtc');
/** A client trickles a handful of candidates; a flood before the offer is answered is not one. */
const MAX_QUEUED_CANDIDATES = 64;

export class WsSignalError extends Ts2rtcError {
  constructor(message: string) {
    super('WEBRTC_BAD_MESSAGE', message);
  }
}

function state(connection: WsConnection): WsPeerState {
  let current = connection.get(PEER);
  if (!current) {
    current = { negotiated: undefined, queued: [] };
    connection.set(PEER, current);
  }
  return current;
}

/** go2rtc's v2 `ice_servers`: `urls` a string or a list, credentials optional. */
export function parseIceServers(value: unknown): IceServer[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new WsSignalError('ice_servers must be a list');
  return value.slice(0, 16).map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw new WsSignalError('ice_servers entry must be an object');
    const urls: unknown = Reflect.get(item, 'urls');
    const list =
      typeof urls === 'string'
        ? [urls]
        : Array.isArray(urls)
          ? urls.filter((u): u is string => typeof u === 'string')
          : [];
    const username: unknown = Reflect.get(item, 'username');
    const credential: unknown = Reflect.get(item, 'credential');
    return {
      urls: list,
      username: typeof username === 'string' ? username : '',
      credential: typeof credential === 'string' ? credential : '',
    };
  });
}

/** go2rtc's `ice_transport_policy`: `all` (or absent) or `relay`; anything else is an error. */
export function parseTransportPolicy(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '' || value === 'all') return undefined;
  if (value === 'relay') return true;
  throw new WsSignalError(`unknown ICE transport policy: ${String(value)}`);
}

/** What a closed `/api/ws` socket means for the peer whose offer it carried. */
export type SocketCloseRule = 'end' | 'end-unless-connected-soon' | 'keep';

/**
 * When the socket that carried the offer closes, does the peer connection end with it?
 * - Home Assistant's go2rtc integration (go2rtc-client) sends the v2 `webrtc` offer and keeps the socket for
 *   the whole viewing session; it closes it when the viewer leaves (`close_webrtc_session`). Its socket is the
 *   session: `end`.
 * - go2rtc's player (`www/video-rtc.js`, also in the WebRTC Camera card, Frigate, our own player) sends the
 *   v1 `webrtc/offer` and closes the socket itself once WebRTC has connected and won over MSE, and also on a
 *   video element error (to restart MSE) while its peer connection is still connecting; go2rtc never ties
 *   the two. A connected v1 peer is kept (`keep`: its DTLS close, RTCP BYE or consent expiry ends it); one
 *   that has not connected yet gets a short while to do so (`end-unless-connected-soon`: Firefox connects
 *   ~100 ms after its player dropped the socket), then it is ended rather than waiting the 30 s connect timeout.
 */
export function socketCloseRule(offerVersion: 1 | 2, peerConnected: boolean): SocketCloseRule {
  if (offerVersion === 2) return 'end';
  return peerConnected ? 'keep' : 'end-unless-connected-soon';
}

/**
 * `/api/ws` messages, exactly as go2rtc's player and Home Assistant send them (contracts 2):
 * `webrtc/offer` (v1, value = SDP) is answered with `webrtc/answer`; `webrtc` (v2, value = {type, sdp,
 * ice_servers}) with `webrtc` {type: answer, sdp}; then our candidates follow as `webrtc/candidate`. How the
 * peer connection's life relates to the socket's: `socketCloseRule`.
 */
export function registerWsHandlers(
  ws: { handle(type: string, handler: (value: unknown, connection: WsConnection) => Promise<void> | void): void },
  hub: StreamHub,
  ctx: WebrtcContext,
): void {
  const offer = async (
    connection: WsConnection,
    version: 1 | 2,
    sdp: string,
    ice: { iceServers?: IceServer[]; relayOnly?: boolean },
    reply: (answer: string) => void,
  ): Promise<void> => {
    const peer = state(connection);
    if (peer.negotiated) throw new WsSignalError('this socket already has a WebRTC session');
    const src = connection.query.get('src');
    if (!src)
      throw new WsSignalError(
        connection.query.get('dst') ? 'publishing over WebRTC is not supported yet' : 'missing src',
      );
    const stream = hub.getOrCreate(src, 'ws', connection.query.get('name') ?? undefined);
    const negotiated = await negotiate(ctx, {
      stream,
      sdp,
      formatName: 'webrtc',
      protocol: 'ws',
      remoteAddr: connection.remoteAddr,
      userAgent: connection.userAgent,
      ...ice,
    });
    peer.negotiated = negotiated;
    const consumer = negotiated.consumer;
    const onSocketClosed = (): void => {
      const rule = socketCloseRule(version, consumer.isConnected);
      if (rule === 'end') consumer.drop('signalling socket closed');
      else if (rule === 'end-unless-connected-soon')
        consumer.requireConnectionWithin(
          ctx.timings.orphanConnectMs,
          'signalling socket closed before the peer connected',
        );
    };
    if (connection.isClosed) {
      onSocketClosed();
      return;
    }
    const unsubscribe = connection.onClose.once(onSocketClosed);
    consumer.onClose.once(unsubscribe);
    reply(negotiated.answer);
    const queued = peer.queued.splice(0);
    await negotiated.startTrickle((candidate) => {
      connection.send({ type: 'webrtc/candidate', value: candidate });
    });
    for (const candidate of queued) await negotiated.addRemoteCandidate(candidate);
  };

  ws.handle('webrtc/offer', async (value, connection) => {
    if (typeof value !== 'string' || value === '') throw new WsSignalError('offer must be an SDP string');
    await offer(connection, 1, value, {}, (answer) => connection.send({ type: 'webrtc/answer', value: answer }));
  });

  ws.handle('webrtc', async (value, connection) => {
    if (typeof value !== 'object' || value === null) throw new WsSignalError('value must be {type, sdp}');
    const type: unknown = Reflect.get(value, 'type');
    const sdp: unknown = Reflect.get(value, 'sdp');
    if (type !== 'offer' || typeof sdp !== 'string' || sdp === '')
      throw new WsSignalError('only {type: "offer", sdp} is accepted');
    const iceServers = parseIceServers(Reflect.get(value, 'ice_servers'));
    const relayOnly = parseTransportPolicy(Reflect.get(value, 'ice_transport_policy'));
    const ice = { ...(iceServers ? { iceServers } : {}), ...(relayOnly ? { relayOnly } : {}) };
    await offer(connection, 2, sdp, ice, (answer) =>
      connection.send({ type: 'webrtc', value: { type: 'answer', sdp: answer } }),
    );
  });

  ws.handle('webrtc/candidate', async (value, connection) => {
    if (typeof value !== 'string') throw new WsSignalError('candidate must be a string');
    const peer = state(connection);
    if (peer.negotiated) {
      await peer.negotiated.addRemoteCandidate(value);
    } else if (peer.queued.length < MAX_QUEUED_CANDIDATES) {
      peer.queued.push(value);
    }
  });
}
