import type { Codec } from '../../../core/codec.js';
import { errorMessage } from '../../../core/errors.js';
import type { Disposer } from '../../../core/event.js';
import type { Media } from '../../../core/media.js';
import type { Packet } from '../../../core/packet.js';
import { ProducerBase } from '../../../core/producer.js';
import { Liveness } from '../../../core/liveness.js';
import type { Receiver } from '../../../core/track.js';
import type { ConnectionJson } from '../../../core/connection.js';
import { randomUint32, type RtpPacketizer } from '../../../pkg/rtp/payload.js';
import { buildReceiverReport } from '../../../pkg/rtp/rtcp.js';
import { createPacketizer } from '../../../pkg/rtsp/formats.js';
import type { SdpTrack } from '../../../pkg/sdp/media.js';
import { describeSource, type DescribeConfig, type DescribedSource } from './describe.js';
import { clientError, DEFAULT_TIMEOUT_MS, maskUrl } from './options.js';
import type { RtspClient } from '../../../pkg/rtsp/client/client.js';
import { TrackInput } from '../../../pkg/rtsp/client/track-input.js';
import { formatOf, matchTracks } from '../../../pkg/rtsp/client/tracks.js';

/** RFC 3550 6.2: reports at most every 5 s; cameras that expect them time out after 30-60 s without. */
const REPORT_INTERVAL_MS = 5000;
const WATCHDOG_INTERVAL_MS = 500;

interface BackOutput {
  readonly index: number;
  readonly packetizer: RtpPacketizer;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * An RTSP camera as a hub source. `open` gets as far as DESCRIBE (the hub negotiates on the medias); `start`
 * sets up the tracks some consumer needs (receivers, backchannel) and plays. A track asked for after PLAY
 * needs a new session (RTSP allows no SETUP while playing), so the producer reconnects by itself then;
 * a failure of the camera ends the producer with an error and the hub reconnects.
 */
export class RtspProducer extends ProducerBase {
  private client: RtspClient;
  /** The current session's track for each of `medias` (same index); undefined when it went away. */
  private sessionTracks: Array<SdpTrack | undefined>;
  private backchannel: boolean;
  private subscriptions: Disposer[] = [];
  private readonly inputs = new Map<number, TrackInput>();
  private readonly backOutputs = new Map<number, BackOutput>();
  private setUp = new Set<number>();
  private state: 'idle' | 'starting' | 'playing' = 'idle';
  private starting: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  private restartAgain = false;
  private timers: NodeJS.Timeout[] = [];
  /** Media silence of the playing session (the #timeout watchdog); a new one per PLAY. */
  private media: Liveness | undefined;
  private readonly ssrc = randomUint32();
  private readonly readTimeoutMs: number;
  /** Bytes of the sessions before a reconnect, so the counters keep growing. */
  private bytesBefore = { recv: 0, send: 0 };
  /** `client` is closed and counted in bytesBefore; a new one is being described. */
  private retired = false;

  private constructor(
    private readonly config: DescribeConfig,
    described: DescribedSource,
  ) {
    super(
      {
        formatName: 'rtsp',
        protocol: config.options.transport === 'udp' ? 'rtsp+udp' : 'rtsp+tcp',
        remoteAddr: described.client.remoteAddr,
        url: maskUrl(config.options.url),
        sdp: described.sdp,
      },
      described.tracks.map((t) => t.media),
    );
    this.client = described.client;
    this.sessionTracks = [...described.tracks];
    this.backchannel = described.backchannel;
    this.readTimeoutMs = config.options.timeoutS !== undefined ? config.options.timeoutS * 1000 : DEFAULT_TIMEOUT_MS;
    this.subscribe();
  }

  /** Connects and describes; throws RTSP_401 (wrong password), RTSP_CONNECT, RTSP_<status>... */
  static async open(config: DescribeConfig): Promise<RtspProducer> {
    return new RtspProducer(config, await describeSource(config, config.options.backchannel));
  }

  override getTrack(media: Media, codec: Codec): Receiver {
    const receiver = super.getTrack(media, codec);
    const index = this.medias.indexOf(media);
    const input = this.inputs.get(index);
    const track = this.sessionTracks[index];
    const format = track && formatOf(track, receiver.codec);
    if (input !== undefined && format !== undefined) input.addOutput(receiver, format);
    else this.checkLateTrack(index);
    return receiver;
  }

  /** The backchannel: frames of `source` (a consumer's microphone) go to the camera's sendonly media. */
  override addTrack(media: Media, codec: Codec, source: Receiver): void {
    const index = this.medias.indexOf(media);
    if (index < 0 || media.direction !== 'sendonly')
      throw clientError('RTSP_NO_TRACKS', 'not a backchannel media of this camera');
    this.attachBackTrack(media, codec, source, (packet) => this.sendBack(index, packet));
    this.checkLateTrack(index);
  }

  start(): Promise<void> {
    this.starting ??= this.runSession().catch((err: unknown) => {
      // Stopped meanwhile: the failure is only the stop's doing.
      if (!this.isClosed) throw err;
    });
    return this.starting;
  }

  override toJSON(): ConnectionJson {
    this.bytesRecv = this.bytesBefore.recv + (this.retired ? 0 : this.client.bytesRecv);
    this.bytesSend = this.bytesBefore.send + (this.retired ? 0 : this.client.bytesSend);
    return super.toJSON();
  }

  protected async release(): Promise<void> {
    this.stopSession();
    this.unsubscribe();
    await this.client.close();
    await this.restarting;
  }

  /** SETUP of every needed track, then PLAY. A SETUP refused because of the backchannel: again without it. */
  private async runSession(): Promise<void> {
    const needed = this.neededIndexes();
    // Nothing to SETUP (the only consumer left meanwhile): a PLAY would only earn a 455.
    if (needed.length === 0) return;
    this.state = 'starting';
    try {
      for (const index of needed) {
        const track = this.sessionTracks[index];
        if (track !== undefined) await this.client.setup(index, track);
      }
    } catch (err) {
      if (!this.backchannel || this.isClosed) throw err;
      // Dahua/Amcrest refuse a second backchannel session; the video is still wanted.
      this.config.log.warn(
        { err: errorMessage(err) },
        'rtsp: SETUP failed with the ONVIF backchannel; reconnecting without it',
      );
      await this.reconnect(false);
      return this.runSession();
    }
    if (this.isClosed) return;
    this.setUp = new Set(needed);
    this.buildIO(needed);
    await this.client.play();
    if (this.isClosed) return;
    this.state = 'playing';
    this.media = new Liveness(this.readTimeoutMs, WATCHDOG_INTERVAL_MS, performance.now());
    this.sendReports();
    this.timers.push(setInterval(() => this.sendReports(), REPORT_INTERVAL_MS));
    this.timers.push(setInterval(() => this.checkMedia(), WATCHDOG_INTERVAL_MS));
    this.config.log.debug({ url: maskUrl(this.config.options.url), tracks: needed }, 'rtsp: playing');
    // A consumer that asked for another track while SETUP was under way.
    if (this.neededIndexes().some((i) => !this.setUp.has(i))) this.restart();
  }

  private neededIndexes(): number[] {
    const used = this.medias.map(
      (media, index) =>
        this.sessionTracks[index] !== undefined &&
        (this.tracks.some((t) => t.media === media) ||
          this.backTracks.some((b) => b.media === media && !b.source.isClosed)),
    );
    // With the backchannel, every track of the camera: GStreamer's ONVIF media (and cameras built on it) fails
    // its pipeline when a stream is left out, and the backchannel dies with it. GStreamer's own ONVIF client
    // sets up everything too; the unwanted tracks are dropped on arrival.
    const talking = this.medias.some((m, i) => used[i] === true && m.direction === 'sendonly');
    const needed: number[] = [];
    this.medias.forEach((media, index) => {
      if (
        used[index] === true ||
        (talking && media.direction === 'recvonly' && this.sessionTracks[index] !== undefined)
      )
        needed.push(index);
    });
    return needed;
  }

  private buildIO(needed: readonly number[]): void {
    const reorder = this.config.options.transport === 'udp';
    for (const index of needed) {
      const media = this.medias[index];
      const track = this.sessionTracks[index];
      if (media === undefined || track === undefined) continue;
      if (media.direction === 'recvonly') {
        const input = new TrackInput(track.formats[0]?.clockRate ?? 90000, {
          reorder,
          ssrc: this.client.announcedSsrc(index),
        });
        for (const t of this.tracks) {
          if (t.media !== media) continue;
          const format = formatOf(track, t.receiver.codec);
          if (format !== undefined) input.addOutput(t.receiver, format);
        }
        this.inputs.set(index, input);
        continue;
      }
      const back = this.backTracks.find((b) => b.media === media);
      const format = back && formatOf(track, back.codec);
      if (back === undefined || format === undefined) continue;
      this.backOutputs.set(index, {
        index,
        packetizer: createPacketizer(back.codec, { payloadType: format.payloadType }),
      });
    }
  }

  private checkLateTrack(index: number): void {
    if (index < 0 || this.setUp.has(index)) return;
    if (this.state === 'playing') this.restart();
  }

  /** A new session with every needed track (a consumer wants a track the current session did not set up). */
  private restart(): void {
    if (this.restarting !== undefined) {
      this.restartAgain = true;
      return;
    }
    this.restarting = (async () => {
      do {
        this.restartAgain = false;
        this.config.log.debug('rtsp: new session for more tracks');
        this.stopSession();
        await this.reconnect(this.backchannel);
        await this.runSession();
      } while (this.restartAgain && !this.isClosed);
    })()
      .catch((err: unknown) => void this.close(toError(err)))
      .finally(() => {
        this.restarting = undefined;
      });
  }

  /** Closes the current session and describes again; keeps the hub's medias, maps the new tracks to them. */
  private async reconnect(backchannel: boolean): Promise<void> {
    this.unsubscribe();
    const old = this.client;
    await old.close();
    this.bytesBefore = { recv: this.bytesBefore.recv + old.bytesRecv, send: this.bytesBefore.send + old.bytesSend };
    this.retired = true;
    const described = await describeSource(this.config, backchannel);
    if (this.isClosed) {
      await described.client.close();
      throw clientError('RTSP_CLOSED', 'stopped while reconnecting');
    }
    const matched = matchTracks(this.sessionTracks, described.tracks);
    this.sessionTracks = matched.map((at) => (at < 0 ? undefined : described.tracks[at]));
    this.client = described.client;
    this.retired = false;
    this.backchannel = described.backchannel;
    this.description.sdp = described.sdp;
    this.description.remoteAddr = described.client.remoteAddr;
    this.subscribe();
  }

  private subscribe(): void {
    const client = this.client;
    this.subscriptions = [
      client.onPacket.subscribe((index, rtcp, data) => this.onPacket(index, rtcp, data)),
      client.onClose.subscribe((error) => void this.close(error)),
      client.onDrain.subscribe(() => {
        for (const back of this.backTracks) back.sender.resume();
      }),
    ];
  }

  private unsubscribe(): void {
    for (const dispose of this.subscriptions) dispose();
    this.subscriptions = [];
  }

  private stopSession(): void {
    this.state = 'idle';
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    for (const input of this.inputs.values()) input.close();
    this.inputs.clear();
    this.backOutputs.clear();
    this.setUp = new Set();
  }

  private onPacket(index: number, rtcp: boolean, data: Buffer): void {
    const input = this.inputs.get(index);
    if (input === undefined) return;
    const now = performance.now();
    try {
      if (rtcp) {
        input.handleRtcp(data, now);
      } else {
        this.media?.seen(now);
        input.handleRtp(data, now);
      }
    } catch (err) {
      // Not a malformed packet (those are counted): a bug or a broken consumer. End rather than go on wrong.
      void this.close(toError(err));
    }
  }

  private sendBack(index: number, packet: Packet): boolean {
    const out = this.backOutputs.get(index);
    // Before PLAY is answered cameras drop (or choke on) backchannel RTP; the microphone is live audio anyway.
    if (out === undefined || this.state !== 'playing') return true;
    let writable = true;
    for (const p of out.packetizer.packetize(packet)) {
      writable = this.client.sendRtp(index, [p.header, ...p.payload]) && writable;
    }
    return writable;
  }

  private sendReports(): void {
    const now = performance.now();
    for (const [index, input] of this.inputs) {
      const reports = input.reportBlocks(now).slice(0, 31);
      this.client.sendRtcp(index, buildReceiverReport({ ssrc: this.ssrc, reports, cname: 'ts2rtc' }));
    }
  }

  private checkMedia(): void {
    if (this.state !== 'playing' || this.inputs.size === 0 || !this.media) return;
    const now = performance.now();
    if (!this.media.tick(now)) return;
    const silent = this.media.silence(now);
    void this.close(
      clientError('RTSP_TIMEOUT', `${maskUrl(this.config.options.url)}: no media for ${Math.round(silent / 1000)} s`),
    );
  }
}
