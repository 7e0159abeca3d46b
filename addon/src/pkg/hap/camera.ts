import { HapError } from './errors.js';
import {
  decodeTlv,
  encodeTlv,
  float32LE,
  readUintLE,
  TLV_SEPARATOR,
  tlvGet,
  tlvGetAll,
  tlvRequire,
  uintLE,
  type TlvItem,
} from './tlv8.js';

/**
 * The TLV8 values of HomeKit's camera RTP stream management service (HAP spec §11.x "Camera RTP Stream
 * Management": characteristics 114–118, 120). Pure: bytes in, structures out, and back.
 */
export const CameraCharacteristic = {
  SupportedVideoStreamConfiguration: '114',
  SupportedAudioStreamConfiguration: '115',
  SupportedRTPConfiguration: '116',
  SelectedRTPStreamConfiguration: '117',
  SetupEndpoints: '118',
  StreamingStatus: '120',
} as const;

/** The RTP stream management service's type. */
export const CAMERA_RTP_SERVICE = '110';

/** Characteristic and service types as short upper-case hex: `00000114-0000-1000-8000-0026BB765291` → `114`. */
export function shortType(type: string): string {
  const m = /^([0-9a-f]{8})-0000-1000-8000-0026bb765291$/i.exec(type);
  const short = m ? m[1]! : type;
  return short.replace(/^0+(?=.)/, '').toUpperCase();
}

/** profile-level-id for each profile (constrained baseline for 0) and level index (3.1, 3.2, 4.0). */
const PROFILE_IDC = ['42e0', '4d00', '6400'];
const LEVEL_IDC = ['1f', '20', '28'];

export function profileLevelId(profile: number, level: number): string {
  return `${PROFILE_IDC[profile] ?? PROFILE_IDC[0]}${LEVEL_IDC[level] ?? LEVEL_IDC[0]}`;
}

export interface VideoResolution {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

export interface SupportedVideoCodec {
  /** 0 = H264 (the only one HAP defines). */
  readonly codecType: number;
  readonly profiles: readonly number[];
  readonly levels: readonly number[];
  readonly resolutions: readonly VideoResolution[];
}

export const AUDIO_CODECS = ['PCMU', 'PCMA', 'AAC-ELD', 'OPUS', 'MSBC', 'AMR', 'AMR-WB'] as const;
export const AUDIO_SAMPLE_RATES = [8000, 16000, 24000] as const;

export interface SupportedAudioCodec {
  readonly codecType: number;
  readonly channels: number;
  /** 0 variable, 1 constant. */
  readonly bitrateMode: number;
  /** Indexes into AUDIO_SAMPLE_RATES. */
  readonly sampleRates: readonly number[];
}

/** Splits a TLV list into its entries at separators (and at a repeated type, as some accessories write). */
function splitEntries(items: readonly TlvItem[], type: number): Buffer[] {
  return tlvGetAll(items, type);
}

function bytesOf(items: readonly TlvItem[], type: number): number[] {
  return tlvGetAll(items, type).flatMap((b) => [...b]);
}

export function parseSupportedVideo(value: Buffer): SupportedVideoCodec[] {
  const codecs: SupportedVideoCodec[] = [];
  for (const entry of splitEntries(decodeTlv(value), 1)) {
    const items = decodeTlv(entry);
    const codecType = readUintLE(tlvRequire(items, 1, 'video codec type'), 'video codec type');
    const params = decodeTlv(tlvRequire(items, 2, 'video codec parameters'));
    const resolutions: VideoResolution[] = [];
    for (const attrs of tlvGetAll(items, 3)) {
      const a = decodeTlv(attrs);
      resolutions.push({
        width: readUintLE(tlvRequire(a, 1, 'width'), 'width'),
        height: readUintLE(tlvRequire(a, 2, 'height'), 'height'),
        fps: readUintLE(tlvRequire(a, 3, 'frame rate'), 'frame rate'),
      });
    }
    codecs.push({ codecType, profiles: bytesOf(params, 1), levels: bytesOf(params, 2), resolutions });
  }
  return codecs;
}

export function parseSupportedAudio(value: Buffer): { codecs: SupportedAudioCodec[]; comfortNoise: boolean } {
  const top = decodeTlv(value);
  const codecs: SupportedAudioCodec[] = [];
  for (const entry of splitEntries(top, 1)) {
    const items = decodeTlv(entry);
    const params = decodeTlv(tlvRequire(items, 2, 'audio codec parameters'));
    codecs.push({
      codecType: readUintLE(tlvRequire(items, 1, 'audio codec type'), 'audio codec type'),
      channels: readUintLE(tlvRequire(params, 1, 'channels'), 'channels'),
      bitrateMode: readUintLE(tlvGet(params, 2) ?? Buffer.from([0]), 'bit rate mode'),
      sampleRates: bytesOf(params, 3),
    });
  }
  return { codecs, comfortNoise: (tlvGet(top, 2)?.[0] ?? 0) === 1 };
}

/** 0 available, 1 in use, 2 unavailable. */
export function parseStreamingStatus(value: Buffer): number {
  return readUintLE(tlvRequire(decodeTlv(value), 1, 'streaming status'), 'streaming status');
}

export interface SrtpParameters {
  /** 0 = AES_CM_128_HMAC_SHA1_80, 1 = AES_CM_256_HMAC_SHA1_80, 2 = none. */
  readonly suite: number;
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

export interface SetupEndpointsRequest {
  readonly sessionId: Buffer;
  readonly address: string;
  readonly ipv6: boolean;
  readonly videoPort: number;
  readonly audioPort: number;
  readonly video: SrtpParameters;
  readonly audio: SrtpParameters;
}

function srtpTlv(p: SrtpParameters): Buffer {
  return encodeTlv([
    [1, p.suite],
    [2, p.masterKey],
    [3, p.masterSalt],
  ]);
}

export function encodeSetupEndpoints(req: SetupEndpointsRequest): Buffer {
  if (req.sessionId.length !== 16) throw new HapError('HAP_TLV_INVALID', 'session id must be 16 bytes');
  return encodeTlv([
    [1, req.sessionId],
    [
      3,
      encodeTlv([
        [1, req.ipv6 ? 1 : 0],
        [2, req.address],
        [3, uintLE(req.videoPort, 2)],
        [4, uintLE(req.audioPort, 2)],
      ]),
    ],
    [4, srtpTlv(req.video)],
    [5, srtpTlv(req.audio)],
  ]);
}

export interface SetupEndpointsResponse {
  readonly sessionId: Buffer;
  /** 0 success, 1 busy, 2 error. */
  readonly status: number;
  readonly address: string;
  readonly videoPort: number;
  readonly audioPort: number;
  readonly video: SrtpParameters | undefined;
  readonly audio: SrtpParameters | undefined;
  readonly videoSsrc: number;
  readonly audioSsrc: number;
}

function parseSrtp(value: Buffer | undefined): SrtpParameters | undefined {
  if (value === undefined) return undefined;
  const items = decodeTlv(value);
  return {
    suite: readUintLE(tlvRequire(items, 1, 'SRTP suite'), 'SRTP suite'),
    masterKey: tlvGet(items, 2) ?? Buffer.alloc(0),
    masterSalt: tlvGet(items, 3) ?? Buffer.alloc(0),
  };
}

export function parseSetupEndpointsResponse(value: Buffer): SetupEndpointsResponse {
  const items = decodeTlv(value);
  const status = readUintLE(tlvRequire(items, 2, 'setup status'), 'setup status');
  const address = decodeTlv(tlvGet(items, 3) ?? Buffer.alloc(0));
  const port = (type: number): number => {
    const raw = tlvGet(address, type);
    return raw === undefined ? 0 : readUintLE(raw, 'port');
  };
  const ssrc = (type: number): number => {
    const raw = tlvGet(items, type);
    return raw === undefined ? 0 : readUintLE(raw, 'ssrc');
  };
  return {
    sessionId: tlvGet(items, 1) ?? Buffer.alloc(0),
    status,
    address: (tlvGet(address, 2) ?? Buffer.alloc(0)).toString('utf8'),
    videoPort: port(3),
    audioPort: port(4),
    video: parseSrtp(tlvGet(items, 4)),
    audio: parseSrtp(tlvGet(items, 5)),
    videoSsrc: ssrc(6),
    audioSsrc: ssrc(7),
  };
}

export interface RtpParameters {
  readonly payloadType: number;
  readonly ssrc: number;
  /** kbit/s. */
  readonly maxBitrate: number;
  /** Seconds. */
  readonly rtcpInterval: number;
  readonly maxMtu?: number;
  /** Audio only. */
  readonly comfortNoisePayloadType?: number;
}

export interface SelectedVideo {
  readonly profile: number;
  readonly level: number;
  readonly resolution: VideoResolution;
  readonly rtp: RtpParameters;
}

export interface SelectedAudio {
  readonly codecType: number;
  readonly channels: number;
  readonly bitrateMode: number;
  readonly sampleRate: number;
  /** Packet time in ms. */
  readonly packetTime: number;
  readonly rtp: RtpParameters;
  readonly comfortNoise: boolean;
}

function rtpTlv(p: RtpParameters): Buffer {
  const items: Array<[number, Buffer | number]> = [
    [1, p.payloadType],
    [2, uintLE(p.ssrc, 4)],
    [3, uintLE(p.maxBitrate, 2)],
    [4, float32LE(p.rtcpInterval)],
  ];
  if (p.maxMtu !== undefined) items.push([5, uintLE(p.maxMtu, 2)]);
  if (p.comfortNoisePayloadType !== undefined) items.push([6, p.comfortNoisePayloadType]);
  return encodeTlv(items);
}

/** SelectedRTPStreamConfiguration (117) with command start (1) or end (0, no media parameters). */
export function encodeSelectedStream(
  sessionId: Buffer,
  command: 'start' | 'end',
  video?: SelectedVideo,
  audio?: SelectedAudio,
): Buffer {
  const items: Array<[number, Buffer]> = [
    [
      1,
      encodeTlv([
        [1, sessionId],
        [2, command === 'start' ? 1 : 0],
      ]),
    ],
  ];
  if (command === 'start') {
    if (!video || !audio) throw new HapError('HAP_TLV_INVALID', 'a start command needs video and audio parameters');
    items.push([
      2,
      encodeTlv([
        [1, 0],
        [
          2,
          encodeTlv([
            [1, video.profile],
            [2, video.level],
            [3, 0],
          ]),
        ],
        [
          3,
          encodeTlv([
            [1, uintLE(video.resolution.width, 2)],
            [2, uintLE(video.resolution.height, 2)],
            [3, video.resolution.fps],
          ]),
        ],
        [4, rtpTlv(video.rtp)],
      ]),
    ]);
    items.push([
      3,
      encodeTlv([
        [1, audio.codecType],
        [
          2,
          encodeTlv([
            [1, audio.channels],
            [2, audio.bitrateMode],
            [3, audio.sampleRate],
            [4, audio.packetTime],
          ]),
        ],
        [3, rtpTlv(audio.rtp)],
        [4, audio.comfortNoise ? 1 : 0],
      ]),
    ]);
  }
  return encodeTlv(items);
}

/** Separator re-exported for tests that build lists. */
export { TLV_SEPARATOR };
