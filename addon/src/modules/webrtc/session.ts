import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { RTCPeerConnection, RTCRtpCodecParameters, type RTCIceCandidate } from 'werift';
import type { IceServer } from '../../config/types.js';
import { CoreError } from '../../core/errors.js';
import {
  buildCandidate,
  candidateAddress,
  candidateKey,
  candidatePriority,
  isDockerAddress,
  TYPE_PREFERENCE,
} from '../../pkg/webrtc/candidate.js';
import {
  answerBundleGroup,
  candidateOnTransport,
  candidateSections,
  offerTransport,
  useOfferTransport,
  type OfferTransport,
} from '../../pkg/webrtc/bundle.js';
import { offerToMedias } from '../../pkg/webrtc/negotiate.js';
import {
  keepBundledSections,
  keepPayloadTypes,
  parseSdpMedias,
  setCandidates,
  type SdpMedia,
} from '../../pkg/webrtc/sdp.js';
import type { Stream } from '../streams/stream.js';
import {
  boundFamily,
  hostAddresses,
  listenerHosts,
  type BoundedLookup,
  type PublicAddressResolver,
} from './addresses.js';
import { LocalCandidates } from './local-candidates.js';
import { stunServers, weriftIceServers, type WebrtcSettings } from './config.js';
import { DEFAULT_PEER_TIMINGS, WebRtcConsumer, type PeerTimings } from './consumer.js';
import type { TcpMux } from './tcp-mux.js';
import type { UdpMux } from './udp-mux.js';
import { holdEarlyDtls } from './early-dtls.js';
import { connectDtlsAtOnce } from './dtls-client.js';
import {
  attachTcpProtocol,
  attachUdpMux,
  disableDefaultStun,
  gatherHostFirst,
  skipIdleCheckPacing,
  localUfrag,
  MuxedTcpProtocol,
} from './werift-shim.js';

/** What every offer needs from the module: settings, the shared TCP and UDP ports, the STUN resolver. */
export interface WebrtcContext {
  readonly settings: WebrtcSettings;
  readonly mux: TcpMux | undefined;
  /** The shared UDP port, once bound; undefined: werift's own socket per peer. */
  readonly udpMux: UdpMux | undefined;
  readonly publicAddress: PublicAddressResolver;
  /** Bounded, de-duplicated name lookups of ICE servers (an unanswered DNS costs an offer at most ~1 s once). */
  readonly names: BoundedLookup;
  readonly log: Logger;
  readonly timings: PeerTimings;
  /** The faster AES-CM SRTP sender is installed: ask peers for that profile (srtp-fast.ts). */
  readonly fastSrtp: boolean;
  /** Loads and patches werift once (the module's `init` does not: engine.ts); resolves when `fastSrtp` is known. */
  readonly ready: () => Promise<void>;
}

export interface OfferRequest {
  readonly stream: Stream;
  readonly sdp: string;
  /** go2rtc's format_name: `webrtc` (WebSocket), `webrtc/json`, `webrtc/whep`, `webrtc/post`, `hass/webrtc`. */
  readonly formatName: string;
  readonly protocol: 'ws' | 'http';
  readonly remoteAddr?: string;
  readonly userAgent?: string;
  /** A v2 WebSocket offer's own ICE servers, replacing the configured ones for this peer. */
  readonly iceServers?: readonly IceServer[];
  /** `ice_transport_policy: relay`: only TURN relays (the offer's own servers must include one). */
  readonly relayOnly?: boolean;
}

/** A negotiated peer: the answer to send, and (trickle) the step that starts gathering. */
export interface Negotiated {
  readonly consumer: WebRtcConsumer;
  readonly answer: string;
  /**
   * Trickle mode: sets the local description; each candidate is passed to `onCandidate` once (the ones known
   * now at once, server-reflexive and relay ones when their servers answer). Resolves when ICE runs.
   */
  startTrickle(onCandidate: (candidate: string) => void): Promise<void>;
  addRemoteCandidate(candidate: string): Promise<void>;
  /**
   * HTTP flavours: the answer with every candidate known once the host ones are out and ICE servers had
   * `completeAnswerWaitMs` to answer; each candidate once, in the BUNDLE tag's section (without BUNDLE: each m-line on the transport).
   */
  completeAnswer(): Promise<string>;
}

/** Codecs werift may negotiate; the offer has already been cut down to the payload types we chose. */
function weriftCodecs(): { video: RTCRtpCodecParameters[]; audio: RTCRtpCodecParameters[] } {
  const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];
  return {
    video: [
      new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: feedback }),
      new RTCRtpCodecParameters({ mimeType: 'video/H265', clockRate: 90000, rtcpFeedback: feedback }),
      // Never sent: only here so that an m-line we leave unused (a stream without video) still negotiates.
      new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 }),
    ],
    audio: [
      new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
    ],
  };
}

const WERIFT_NAMES: ReadonlySet<string> = new Set(['H264', 'H265', 'VP8', 'OPUS', 'PCMU', 'PCMA']);

/** For an m-line we do not use, one codec werift knows, so it still answers it (inactive). */
function fallbackPayloadType(media: SdpMedia): number | undefined {
  return media.codecs.find((c) => WERIFT_NAMES.has(c.name))?.payloadType;
}

/**
 * go2rtc's order: parse the offer, attach a consumer to the stream (which picks codecs and starts sources),
 * then build the answer for exactly the chosen codecs. Throws CODEC_MISMATCH / SOURCE_FAILED from the hub,
 * SDP_INVALID for an offer that does not parse.
 */
export async function negotiate(ctx: WebrtcContext, request: OfferRequest): Promise<Negotiated> {
  // One ICE agent per peer: the offer is read as that agent must see it (pkg/webrtc/bundle.ts).
  const transport = offerTransport(request.sdp);
  const offerSdp = useOfferTransport(request.sdp, transport);
  const offer = parseSdpMedias(offerSdp);
  const medias = offerToMedias(offer);
  ctx.log.trace({ sdp: request.sdp }, 'webrtc offer');
  if (medias.length === 0)
    throw new CoreError('CODEC_MISMATCH', 'webrtc: the offer asks for no media the server handles');
  const consumer = new WebRtcConsumer(
    {
      formatName: request.formatName,
      protocol: request.protocol,
      remoteAddr: request.remoteAddr,
      userAgent: request.userAgent,
    },
    medias,
    offer,
    ctx.log,
    ctx.timings ?? DEFAULT_PEER_TIMINGS,
  );
  await request.stream.addConsumer(consumer);
  try {
    return await buildPeer(ctx, request, { sdp: offerSdp, medias: offer, transport }, consumer);
  } catch (err) {
    await consumer.stop();
    throw err;
  }
}

/** The offer as the server reads it: rewritten for its one transport, parsed, and that transport. */
interface ReadOffer {
  readonly sdp: string;
  readonly medias: readonly SdpMedia[];
  readonly transport: OfferTransport;
}

async function buildPeer(
  ctx: WebrtcContext,
  request: OfferRequest,
  read: ReadOffer,
  consumer: WebRtcConsumer,
): Promise<Negotiated> {
  const { settings } = ctx;
  const offer = read.medias;
  const keep = consumer.chosenPayloadTypes();
  for (const media of offer) {
    if (
      (media.kind === 'audio' || media.kind === 'video') &&
      media.direction !== 'inactive' &&
      !keep.has(media.index)
    ) {
      const pt = fallbackPayloadType(media);
      if (pt !== undefined) keep.set(media.index, [pt]);
    }
  }
  const udp = settings.networks.has('udp4') || settings.networks.has('udp6');
  // The shared UDP port bound to one address (`127.0.0.1:8555`): werift gathers nothing of the other family,
  // where it would open a socket per viewer on a random port.
  const udpFamily = boundFamily(ctx.udpMux?.boundHost);
  const iceServers = weriftIceServers(request.iceServers ?? settings.iceServers);
  const pc = new RTCPeerConnection({
    codecs: weriftCodecs(),
    headerExtensions: { video: [], audio: [] },
    iceServers,
    bundlePolicy: 'max-bundle',
    ...(request.relayOnly ? { iceTransportPolicy: 'relay' as const } : {}),
    ...(settings.loopback ? { iceAdditionalHostAddresses: ['127.0.0.1'] } : {}),
    ...(settings.udpPorts ? { icePortRange: settings.udpPorts } : {}),
    ...(udpFamily ? { iceUseIpv4: udpFamily === 4, iceUseIpv6: udpFamily === 6 } : {}),
    ...(udp ? {} : { iceFilterCandidatePair: (pair) => pair.localCandidate.transport === 'tcp' }),
  });
  consumer.bindPeer(pc);
  await pc.setRemoteDescription({ type: 'offer', sdp: keepPayloadTypes(read.sdp, keep) });
  // Before any socket exists: a ClientHello that comes before our ICE check completes is kept for DTLS.
  consumer.onRelease(holdEarlyDtls(pc, consumer.stats.earlyDtls));
  // As DTLS client (our answer says setup:active, as go2rtc's): the ClientHello leaves when ICE connects.
  connectDtlsAtOnce(pc, consumer.lifetime.signal);
  skipIdleCheckPacing(pc);
  if (!iceServers.some((s) => s.urls.startsWith('stun:'))) disableDefaultStun(pc);
  const directions = consumer.directions();
  for (const transceiver of pc.getTransceivers()) {
    const index = transceiver.mLineIndex;
    const use = index === undefined ? undefined : directions.get(index);
    transceiver.setDirection(
      use ? (use.send && use.receive ? 'sendrecv' : use.send ? 'sendonly' : 'recvonly') : 'inactive',
    );
  }
  consumer.bindSenders();

  // Configured `candidates` entries are the user's own: not subject to the host-address filters.
  const configured = new Set<string>();
  const keepCandidate = (line: string): boolean => {
    const address = candidateAddress(line);
    if (!address) return true;
    if (configured.has(candidateKey(line) ?? '')) return true;
    if (isDockerAddress(address.host)) return false;
    if (address.transport === 'udp' && !udp) return false;
    // go2rtc's filters.candidates: host candidates only (a server-reflexive address is not ours to list).
    if (
      address.transport === 'udp' &&
      settings.allowedIps &&
      / typ host\b/.test(line) &&
      !settings.allowedIps.includes(address.host)
    )
      return false;
    return true;
  };
  const local = new LocalCandidates(keepCandidate);
  const late: Array<Promise<unknown>> = [];
  // A configured entry (or the public address of a `stun:PORT` one) as a candidate of `transport`.
  const addConfigured = (candidate: string): void => {
    const key = candidateKey(candidate);
    if (key) configured.add(key);
    local.add(candidate);
  };
  if (udp && !request.relayOnly && ctx.udpMux) useUdpMux(ctx, ctx.udpMux, pc, consumer, local, addConfigured, late);
  const mux = ctx.mux;
  if (
    mux &&
    !request.relayOnly &&
    mux.listeningPort > 0 &&
    (settings.networks.has('tcp4') || settings.networks.has('tcp6'))
  ) {
    const port = mux.listeningPort;
    // Only the addresses the port is bound on: `127.0.0.1:8555` does not answer on `::1` or the LAN address.
    // Bound to an address the filters leave out, werift still needs an address for the muxed protocol's own
    // candidate (checks pair with it) so that the configured ones (an ngrok tunnel) reach the port: the
    // advertised addresses then, as before.
    const allowed = hostAddresses(settings);
    const hosts = listenerHosts(settings.tcp?.host, allowed) ?? allowed;
    const protocol = new MuxedTcpProtocol(port);
    const ufrag = localUfrag(pc);
    const unregister = mux.register(ufrag, protocol);
    protocol.onClosed.push(unregister);
    consumer.onRelease(unregister);
    let localPreference = 65535;
    let foundation = 10;
    const tcpCandidate = (host: string, candidatePort: number, preference: number): string =>
      buildCandidate({
        foundation: `${foundation++}`,
        transport: 'tcp',
        priority: candidatePriority(TYPE_PREFERENCE.tcpHost, preference),
        host,
        port: candidatePort,
        type: 'host',
      });
    localPreference = addConfiguredCandidates(ctx, tcpCandidate, addConfigured, late, localPreference);
    // The first host address is werift's own candidate for the muxed protocol (it pairs checks with it).
    const [first, ...others] = hosts;
    if (first !== undefined)
      attachTcpProtocol(pc, protocol, first, candidatePriority(TYPE_PREFERENCE.tcpHost, localPreference--));
    for (const host of others) local.add(tcpCandidate(host, port, localPreference--));
  }
  // werift's candidates (host sockets at once, server-reflexive and relay later) go through the same list.
  const { unSubscribe } = pc.onIceCandidate.subscribe((candidate: RTCIceCandidate | undefined) => {
    if (candidate?.candidate) local.add(candidate.candidate);
  });
  consumer.onRelease(unSubscribe);
  if (!request.relayOnly) {
    late.push(
      gatherHostFirst(pc, {
        stunServers: stunServers(request.iceServers ?? settings.iceServers),
        lookup: (host, family) => ctx.names.lookup(host, family),
        signal: consumer.lifetime.signal,
      }),
    );
  }

  // werift answers an actpass offer with setup:active, as pion (go2rtc) does: we are the DTLS client and send
  // the ClientHello the moment our ICE connects (dtls-client.ts), the peer answers at once. As DTLS server we
  // waited for the peer's ClientHello, which a werift peer sends 100 ms after its ICE connected (issue 11:
  // 148 ms to the first packet, go2rtc 36 ms). A peer that offers setup:active (it insists on being the
  // client) gets setup:passive: werift 0.24.4 answers active to that too, and takes its own DTLS role from
  // the description it is given.
  const created = await pc.createAnswer();
  const peerIsClient = /^a=setup:active\r?$/m.test(read.sdp);
  const answer = peerIsClient
    ? { type: created.type, sdp: created.sdp.replace(/^a=setup:active(?=\r?$)/gm, 'a=setup:passive') }
    : created;
  const mid = read.transport.tagMid ?? offer.find((m) => m.mid !== undefined)?.mid ?? '0';
  const mLineIndex = read.transport.tagIndex;
  // What the peer gets: werift's answer with the offer's BUNDLE group (or none), unused bundled m-lines port 9.
  const forPeer = (sdp: string): string => keepBundledSections(answerBundleGroup(sdp, read.transport));
  let remoteQueue: Promise<void> = Promise.resolve();
  const lateDone = Promise.allSettled(late);

  const negotiated: Negotiated = {
    consumer,
    answer: forPeer(answer.sdp),
    async startTrickle(onCandidate) {
      local.listen(onCandidate);
      // Returns once the host candidates are out and ICE runs; the late ones follow through `onCandidate`.
      await pc.setLocalDescription(answer);
    },
    addRemoteCandidate(candidate) {
      ctx.log.trace({ consumer: consumer.id, candidate }, 'webrtc remote candidate');
      if (!candidateOnTransport(candidate, read.transport)) return remoteQueue;
      // Applied in arrival order; werift itself queues the ones that come before the remote description.
      remoteQueue = remoteQueue.then(() =>
        pc.addIceCandidate({ candidate, sdpMid: mid, sdpMLineIndex: mLineIndex }).catch(() => undefined),
      );
      return remoteQueue;
    },
    async completeAnswer() {
      await pc.setLocalDescription(answer);
      // ICE already runs on the host candidates; a STUN or TURN server gets a short while to answer (one
      // that does not answer must not hold the answer: the peer's own candidates usually suffice).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        lateDone,
        new Promise((resolve) => (timer = setTimeout(resolve, ctx.timings.completeAnswerWaitMs))),
      ]);
      clearTimeout(timer);
      return forPeer(
        setCandidates(pc.localDescription?.sdp ?? answer.sdp, local.lines, candidateSections(read.transport)),
      );
    },
  };
  return negotiated;
}

/**
 * Puts the peer's UDP host candidates on the shared UDP port (udp-mux.ts): registers its ufrag, hands werift
 * the muxed transport for one host address per family (werift-shim.ts `attachUdpMux`), and advertises the
 * configured `candidates` entries (first = highest priority, as go2rtc) and the other host addresses on that
 * port. A ufrag clash leaves the peer on werift's own socket.
 */
function useUdpMux(
  ctx: WebrtcContext,
  mux: UdpMux,
  pc: RTCPeerConnection,
  consumer: WebRtcConsumer,
  local: LocalCandidates,
  addConfigured: (candidate: string) => void,
  late: Array<Promise<unknown>>,
): void {
  // Bound to one address: that is the only one the port answers on (a wildcard or a name: every address).
  // When the filters do not advertise that address (`127.0.0.1:8555` without `filters.loopback`), the port
  // is of no use to peers: they keep werift's own sockets on the addresses that are advertised.
  const hosts = listenerHosts(mux.boundHost, hostAddresses(ctx.settings, 'udp'));
  if (!hosts) return;
  const endpoint = mux.register(localUfrag(pc));
  if (!endpoint) return;
  consumer.onRelease(() => endpoint.close());
  const anchors: Partial<Record<4 | 6, string>> = {};
  for (const host of hosts) anchors[isIPv6(host) ? 6 : 4] ??= host;
  attachUdpMux(pc, endpoint, anchors);
  let localPreference = 65535;
  let foundation = 20;
  const udpCandidate = (host: string, port: number, preference: number): string =>
    buildCandidate({
      foundation: `${foundation++}`,
      transport: 'udp',
      priority: candidatePriority(TYPE_PREFERENCE.host, preference),
      host,
      port,
      type: 'host',
    });
  localPreference = addConfiguredCandidates(ctx, udpCandidate, addConfigured, late, localPreference);
  // The anchors are werift's own candidates (its host protocol); the other addresses share their socket.
  for (const host of hosts) {
    const family = isIPv6(host) ? 6 : 4;
    const port = mux.listeningPort(family);
    if (port > 0 && anchors[family] !== host) local.add(udpCandidate(host, port, localPreference--));
  }
}

/**
 * The configured `candidates` entries as candidates made by `make`, first: go2rtc gives the first entry the
 * highest priority. A `stun:PORT` entry whose public address is not known yet follows when the STUN server
 * answers. Returns the next local preference.
 */
function addConfiguredCandidates(
  ctx: WebrtcContext,
  make: (host: string, port: number, preference: number) => string,
  add: (candidate: string) => void,
  late: Array<Promise<unknown>>,
  firstPreference: number,
): number {
  let localPreference = firstPreference;
  for (const entry of ctx.settings.candidates) {
    const preference = localPreference--;
    if (entry.kind === 'address') {
      add(make(entry.host, entry.port, preference));
      continue;
    }
    const known = ctx.publicAddress.cached();
    if (known) add(make(known, entry.port, preference));
    else late.push(ctx.publicAddress.resolve().then((host) => host && add(make(host, entry.port, preference))));
  }
  return localPreference;
}
