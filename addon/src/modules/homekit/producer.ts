import { maskCredentials } from '../../core/creds.js';
import { randomBytes } from 'node:crypto';
import type { Codec } from '../../core/codec.js';
import { errorMessage } from '../../core/errors.js';
import { Liveness } from '../../core/liveness.js';
import type { Media } from '../../core/media.js';
import { ProducerBase } from '../../core/producer.js';
import {
  AUDIO_SAMPLE_RATES,
  encodeSelectedStream,
  encodeSetupEndpoints,
  HapClient,
  parseHomekitUrl,
  parseSetupEndpointsResponse,
  profileLevelId,
  type SelectedAudio,
  type SelectedVideo,
  type SupportedAudioCodec,
  type SupportedVideoCodec,
  type VideoResolution,
} from '../../pkg/hap/index.js';
import { OpusPacketizer } from '../../pkg/opus/rtp-packetizer.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { buildReceiverReport } from '../../pkg/rtp/rtcp.js';
import { TrackInput } from '../../pkg/rtsp/client/track-input.js';
import { describeCamera, freeStreamService, type CameraDescription, type CameraStreamService } from './camera.js';
import { HomekitError } from './errors.js';
import type { SrtpInput, SrtpKeys } from './srtp-input.js';

const VIDEO_PT = 99;
const AUDIO_PT = 110;
/** HomeKit's Opus codec type (AUDIO_CODECS index). */
const OPUS = 3;
/** How long the stop waits for the camera to acknowledge the end command before closing anyway. */
const END_WAIT_MS = 1000;

export interface HomekitTimings {
  /** No SRTP this long after the start: HOMEKIT_NO_MEDIA. */
  firstPacketMs: number;
  /** No SRTP this long while streaming: the camera is gone, HOMEKIT_NO_MEDIA. */
  idleMs: number;
  /** RTCP receiver reports to the camera, as a controller sends them. */
  rtcpIntervalMs: number;
  /** HAP requests (connect, pair-verify, characteristics). */
  requestTimeoutMs: number;
}

export const DEFAULT_HOMEKIT_TIMINGS: HomekitTimings = {
  firstPacketMs: 10_000,
  idleMs: 5_000,
  rtcpIntervalMs: 500,
  requestTimeoutMs: 10_000,
};

/** Largest resolution first (then the higher frame rate). */
function bestResolution(codec: SupportedVideoCodec): VideoResolution {
  const sorted = [...codec.resolutions].sort((a, b) => b.width * b.height - a.width * a.height || b.fps - a.fps);
  return sorted[0] ?? { width: 1280, height: 720, fps: 30 };
}

function videoCodecOf(codec: SupportedVideoCodec): Codec {
  const profile = Math.max(0, ...codec.profiles);
  const level = Math.max(0, ...codec.levels);
  return {
    name: 'H264',
    clockRate: 90000,
    channels: 0,
    payloadType: VIDEO_PT,
    fmtp: `packetization-mode=1;profile-level-id=${profileLevelId(profile, level)}`,
  };
}

/**
 * The media a HomeKit camera offers us: H264 video, and Opus audio when the camera has it (as RFC 7587 Opus:
 * 48 kHz clock, 2 channels in SDP terms, whatever the camera's sample rate). AAC-ELD, PCMU/PCMA cameras give
 * video only here.
 */
function mediasOf(camera: CameraDescription): Media[] {
  const medias: Media[] = [
    {
      kind: 'video',
      direction: 'recvonly',
      codecs: camera.video
        .filter((c) => c.codecType === 0)
        .map(videoCodecOf)
        .slice(0, 1),
    },
  ];
  if (camera.audio.some((a) => a.codecType === OPUS)) {
    medias.push({
      kind: 'audio',
      direction: 'recvonly',
      codecs: [{ name: 'OPUS', clockRate: 48000, channels: 2, payloadType: AUDIO_PT }],
    });
    // Talk-back: the same Opus session in the other direction, to the camera's audio port.
    if (camera.speaker)
      medias.push({
        kind: 'audio',
        direction: 'sendonly',
        codecs: [{ name: 'OPUS', clockRate: 48000, channels: 2, payloadType: AUDIO_PT }],
      });
  }
  return medias;
}

function selectAudio(codecs: readonly SupportedAudioCodec[]): SupportedAudioCodec {
  return (
    codecs.find((c) => c.codecType === OPUS) ??
    codecs[0] ?? { codecType: OPUS, channels: 1, bitrateMode: 0, sampleRates: [1] }
  );
}

function newKeys(): SrtpKeys {
  return { masterKey: randomBytes(16), masterSalt: randomBytes(14) };
}

/**
 * `homekit://host:port?client_id=…&client_private=…&device_id=…&device_public=…`: pair-verify, read the camera's
 * configuration (the medias); on start, SetupEndpoints (118) then SelectedRTPStreamConfiguration (117), and
 * the camera sends SRTP to our UDP ports. The verified HAP connection stays open for the stream's life (the
 * camera ends the stream when it closes); losing it, or the media stopping, closes the producer with a typed
 * error (the hub retries).
 */
export class HomekitProducer extends ProducerBase {
  private srtpInputs: SrtpInput[] = [];
  private readonly trackInputs: Array<{ input: TrackInput; kind: 'video' | 'audio' }> = [];
  private service: CameraStreamService | undefined;
  private sessionId: Buffer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  /** Set once the camera confirmed the session: talk-back goes out through the audio port. */
  private talkback: { input: SrtpInput; packetizer: OpusPacketizer } | undefined;

  private constructor(
    private readonly client: HapClient,
    private readonly camera: CameraDescription,
    source: string,
    private readonly timings: HomekitTimings,
  ) {
    // The pairing's private key stays out of /api/streams.
    const shown = maskCredentials(source);
    super(
      {
        formatName: 'homekit',
        protocol: 'udp',
        remoteAddr: `${client.connection.host}:${client.connection.port}`,
        source: shown,
      },
      mediasOf(camera),
    );
    // Only our own release closes it without a reason, and then the producer is closed already.
    client.onClose.subscribe((reason) => void this.close(reason));
  }

  static async open(raw: string, timings: HomekitTimings = DEFAULT_HOMEKIT_TIMINGS): Promise<HomekitProducer> {
    const url = parseHomekitUrl(raw);
    const client = await HapClient.open(url.host, url.port, url.pairing, timings.requestTimeoutMs);
    try {
      return new HomekitProducer(client, await describeCamera(client), raw, timings);
    } catch (err) {
      client.close();
      throw err;
    }
  }

  async start(): Promise<void> {
    if (this.started || this.isClosed) return;
    this.started = true;
    try {
      await this.startStream();
    } catch (err) {
      // Stopped meanwhile: the failure is only the stop's doing.
      if (this.isClosed) return;
      await this.close(err instanceof Error ? err : new Error(errorMessage(err)));
      throw err;
    }
  }

  private async startStream(): Promise<void> {
    const service = await freeStreamService(this.client, this.camera);
    const local = this.client.connection.localAddress;
    const videoInput = new TrackInput(90000, { reorder: true });
    const audioInput = new TrackInput(48000, { reorder: true });
    this.trackInputs.push({ input: videoInput, kind: 'video' }, { input: audioInput, kind: 'audio' });
    for (const track of this.tracks) {
      const codec = track.receiver.codec;
      const target = track.media.kind === 'video' ? videoInput : audioInput;
      target.addOutput(track.receiver, {
        payloadType: codec.payloadType ?? (track.media.kind === 'video' ? VIDEO_PT : AUDIO_PT),
        encodingName: codec.name,
        clockRate: codec.clockRate,
        channels: codec.channels,
      });
    }
    const rtpHandler = (input: TrackInput) => (packet: Buffer) => {
      this.bytesRecv += packet.length;
      input.handleRtp(packet, performance.now());
    };
    const rtcpHandler = (input: TrackInput) => (packet: Buffer) => input.handleRtcp(packet, performance.now());
    const video = await this.bindInput(local, rtpHandler(videoInput), rtcpHandler(videoInput));
    const audio = await this.bindInput(local, rtpHandler(audioInput), rtcpHandler(audioInput));

    const sessionId = randomBytes(16);
    const videoKeys = newKeys();
    const audioKeys = newKeys();
    const setup = encodeSetupEndpoints({
      sessionId,
      address: local,
      ipv6: local.includes(':'),
      videoPort: video.port,
      audioPort: audio.port,
      video: { suite: 0, ...videoKeys },
      audio: { suite: 0, ...audioKeys },
    });
    await this.client.writeCharacteristics([{ ...service.setup, value: setup.toString('base64') }]);
    const [answer] = await this.client.readCharacteristics([service.setup]);
    if (typeof answer?.value !== 'string')
      throw new HomekitError('HOMEKIT_SETUP_FAILED', 'SetupEndpoints has no answer');
    const response = parseSetupEndpointsResponse(Buffer.from(answer.value, 'base64'));
    if (response.status !== 0)
      throw new HomekitError(
        response.status === 1 ? 'HOMEKIT_BUSY' : 'HOMEKIT_SETUP_FAILED',
        `SetupEndpoints answered status ${response.status}`,
      );
    const keysFrom = (p: typeof response.video, ours: SrtpKeys): SrtpKeys | undefined => {
      if (p && p.suite === 2) return undefined;
      if (p && p.masterKey.length === 16 && p.masterSalt.length === 14)
        return { masterKey: p.masterKey, masterSalt: p.masterSalt };
      if (p && p.suite !== 0)
        throw new HomekitError(
          'HOMEKIT_SETUP_FAILED',
          `the camera chose SRTP suite ${p.suite}; only AES_CM_128_HMAC_SHA1_80 is supported`,
        );
      return ours;
    };
    const remote = response.address || this.client.connection.host;
    video.configure(keysFrom(response.video, videoKeys), videoKeys, {
      address: remote,
      port: response.videoPort || video.port,
    });
    audio.configure(keysFrom(response.audio, audioKeys), audioKeys, {
      address: remote,
      port: response.audioPort || audio.port,
    });
    this.service = service;
    this.sessionId = sessionId;

    const videoCodec = this.camera.video.find((c) => c.codecType === 0) ?? this.camera.video[0]!;
    const audioCodec = selectAudio(this.camera.audio);
    const videoSsrc = randomBytes(4).readUInt32BE(0) >>> 1;
    const audioSsrc = randomBytes(4).readUInt32BE(0) >>> 1;
    const selectedVideo: SelectedVideo = {
      profile: Math.max(0, ...videoCodec.profiles),
      level: Math.max(0, ...videoCodec.levels),
      resolution: bestResolution(videoCodec),
      rtp: { payloadType: VIDEO_PT, ssrc: videoSsrc, maxBitrate: 2000, rtcpInterval: 0.5, maxMtu: 1378 },
    };
    const rate16k = AUDIO_SAMPLE_RATES.indexOf(16000);
    const selectedAudio: SelectedAudio = {
      codecType: audioCodec.codecType,
      channels: audioCodec.channels || 1,
      bitrateMode: audioCodec.bitrateMode,
      sampleRate: audioCodec.sampleRates.includes(rate16k) ? rate16k : (audioCodec.sampleRates[0] ?? rate16k),
      packetTime: 20,
      rtp: { payloadType: AUDIO_PT, ssrc: audioSsrc, maxBitrate: 24, rtcpInterval: 5, comfortNoisePayloadType: 13 },
      comfortNoise: false,
    };
    await this.client.writeCharacteristics([
      {
        ...service.selected,
        value: encodeSelectedStream(sessionId, 'start', selectedVideo, selectedAudio).toString('base64'),
      },
    ]);
    if (this.isClosed) throw new HomekitError('HOMEKIT_NO_MEDIA', 'stopped while starting');
    this.talkback = { input: audio, packetizer: new OpusPacketizer({ payloadType: AUDIO_PT, ssrc: audioSsrc }) };
    this.watch(video, audio, videoSsrc, audioSsrc);
  }

  /** Talk-back: a consumer's microphone (Opus) into the camera's speaker. */
  override addTrack(media: Media, codec: Codec, source: Receiver): void {
    if (media.direction !== 'sendonly' || !this.medias.includes(media))
      throw new HomekitError('HOMEKIT_NOT_CAMERA', 'not a talk-back media of this camera');
    this.attachBackTrack(media, codec, source, (packet) => this.sendTalkback(packet));
  }

  private sendTalkback(packet: Packet): boolean {
    const talkback = this.talkback;
    // Before the camera confirmed the session there is nowhere to send to; the microphone is live audio.
    if (talkback === undefined || this.isClosed) return true;
    for (const p of talkback.packetizer.packetize(packet)) {
      talkback.input.sendRtp(p.header, p.payload);
      this.bytesSend += p.payloadSize;
    }
    return true;
  }

  /** A UDP input, closed at once if the producer was stopped while it was being bound (release ran already). */
  private async bindInput(
    local: string,
    onRtp: (packet: Buffer) => void,
    onRtcp: (packet: Buffer) => void,
  ): Promise<SrtpInput> {
    // srtp-input.ts pulls in werift (~25 MB of RSS): loaded when a HomeKit camera first plays, not at start.
    const { SrtpInput } = await import('./srtp-input.js');
    const input = await SrtpInput.bind(local, onRtp, onRtcp);
    if (this.isClosed) {
      input.close();
      throw new HomekitError('HOMEKIT_NO_MEDIA', 'stopped while starting');
    }
    this.srtpInputs.push(input);
    return input;
  }

  /** A track asked for after the start (a second consumer wanting audio) is fed by the running input. */
  override getTrack(media: Media, codec: Codec): ReturnType<ProducerBase['getTrack']> {
    const known = this.tracks.length;
    const receiver = super.getTrack(media, codec);
    const input = this.trackInputs.find((t) => t.kind === media.kind)?.input;
    if (this.tracks.length > known && input) {
      input.addOutput(receiver, {
        payloadType: codec.payloadType ?? (media.kind === 'video' ? VIDEO_PT : AUDIO_PT),
        encodingName: codec.name,
        clockRate: codec.clockRate,
        channels: codec.channels,
      });
    }
    return receiver;
  }

  /** RTCP receiver reports to the camera, and the watchdog that notices when media stops. */
  private watch(video: SrtpInput, audio: SrtpInput, videoSsrc: number, audioSsrc: number): void {
    const startedAt = performance.now();
    const videoTrack = this.trackInputs[0]!.input;
    const audioTrack = this.trackInputs[1]!.input;
    const tickMs = Math.min(this.timings.rtcpIntervalMs, 500);
    const media = new Liveness(this.timings.idleMs, tickMs, startedAt);
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        video.sendRtcp(buildReceiverReport({ ssrc: videoSsrc, reports: videoTrack.reportBlocks(now) }));
        audio.sendRtcp(buildReceiverReport({ ssrc: audioSsrc, reports: audioTrack.reportBlocks(now) }));
        const last = video.stats.lastPacketMs;
        if (last !== 0) media.seen(last);
        const silent = media.tick(now);
        if (last === 0 && now - startedAt > this.timings.firstPacketMs) {
          const why =
            video.stats.undecryptable > 0
              ? `${video.stats.undecryptable} packets failed SRTP authentication`
              : 'nothing arrived';
          void this.close(
            new HomekitError(
              'HOMEKIT_NO_MEDIA',
              `no video within ${this.timings.firstPacketMs} ms of the start (${why})`,
            ),
          );
        } else if (last !== 0 && silent) {
          void this.close(
            new HomekitError('HOMEKIT_NO_MEDIA', `video stopped for ${this.timings.idleMs} ms: the camera is gone`),
          );
        }
      }, tickMs),
    );
  }

  protected async release(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    // Tell the camera we are done while the connection is still up (best effort: it may be gone already).
    if (this.service && this.sessionId && !this.client.connection.closed) {
      const end = encodeSelectedStream(this.sessionId, 'end');
      const write = this.client
        .writeCharacteristics([{ ...this.service.selected, value: end.toString('base64') }])
        .catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, END_WAIT_MS)))]);
      clearTimeout(timer);
    }
    this.client.close();
    for (const input of this.srtpInputs) input.close();
    for (const track of this.trackInputs) track.input.close();
  }

  /** Diagnostics for tests and logs: SRTP packets per port. */
  srtpStats(): { video: SrtpInput['stats'] | undefined; audio: SrtpInput['stats'] | undefined } {
    return { video: this.srtpInputs[0]?.stats, audio: this.srtpInputs[1]?.stats };
  }
}
