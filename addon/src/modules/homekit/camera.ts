import {
  CAMERA_RTP_SERVICE,
  CameraCharacteristic,
  parseStreamingStatus,
  parseSupportedAudio,
  parseSupportedVideo,
  shortType,
  type HapClient,
  type SupportedAudioCodec,
  type SupportedVideoCodec,
} from '../../pkg/hap/index.js';
import { HomekitError } from './errors.js';

/** Where a characteristic lives: accessory id and instance id. */
export interface CharacteristicRef {
  readonly aid: number;
  readonly iid: number;
}

/** One RTP stream management service of the camera (a camera has one per simultaneous stream). */
export interface CameraStreamService {
  readonly selected: CharacteristicRef;
  readonly setup: CharacteristicRef;
  readonly status: CharacteristicRef;
}

/** The Speaker service: the camera plays audio we send (talk-back). */
const SPEAKER_SERVICE = '113';

export interface CameraDescription {
  readonly services: readonly CameraStreamService[];
  /** The camera has a speaker: it takes talk-back audio on its audio RTP port. */
  readonly speaker: boolean;
  readonly video: readonly SupportedVideoCodec[];
  readonly audio: readonly SupportedAudioCodec[];
}

/**
 * Reads `/accessories` and finds the camera's RTP stream management services and what they support
 * (114/115, base64 TLV8 values). HOMEKIT_NOT_CAMERA when there is none.
 */
export async function describeCamera(client: HapClient): Promise<CameraDescription> {
  const accessories = await client.accessories();
  const services: CameraStreamService[] = [];
  let video: SupportedVideoCodec[] | undefined;
  let audio: SupportedAudioCodec[] | undefined;
  let speaker = false;
  for (const accessory of accessories) {
    for (const service of accessory.services ?? []) {
      if (shortType(service.type) === SPEAKER_SERVICE) speaker = true;
      if (shortType(service.type) !== CAMERA_RTP_SERVICE) continue;
      const find = (type: string) => (service.characteristics ?? []).find((c) => shortType(c.type) === type);
      const selected = find(CameraCharacteristic.SelectedRTPStreamConfiguration);
      const setup = find(CameraCharacteristic.SetupEndpoints);
      const status = find(CameraCharacteristic.StreamingStatus);
      const supportedVideo = find(CameraCharacteristic.SupportedVideoStreamConfiguration);
      const supportedAudio = find(CameraCharacteristic.SupportedAudioStreamConfiguration);
      if (!selected || !setup || !status) continue;
      services.push({
        selected: { aid: accessory.aid, iid: selected.iid },
        setup: { aid: accessory.aid, iid: setup.iid },
        status: { aid: accessory.aid, iid: status.iid },
      });
      if (video === undefined && typeof supportedVideo?.value === 'string')
        video = parseSupportedVideo(Buffer.from(supportedVideo.value, 'base64'));
      if (audio === undefined && typeof supportedAudio?.value === 'string')
        audio = parseSupportedAudio(Buffer.from(supportedAudio.value, 'base64')).codecs;
    }
  }
  if (services.length === 0 || !video?.length)
    throw new HomekitError(
      'HOMEKIT_NOT_CAMERA',
      'the accessory has no camera RTP stream management service with a video configuration',
    );
  return { services, speaker, video, audio: audio ?? [] };
}

/** The first service whose StreamingStatus is Available (0), read fresh. HOMEKIT_BUSY when none is. */
export async function freeStreamService(client: HapClient, camera: CameraDescription): Promise<CameraStreamService> {
  const values = await client.readCharacteristics(camera.services.map((s) => s.status));
  for (const service of camera.services) {
    const value = values.find((v) => v.aid === service.status.aid && v.iid === service.status.iid)?.value;
    if (typeof value === 'string' && parseStreamingStatus(Buffer.from(value, 'base64')) === 0) return service;
  }
  throw new HomekitError('HOMEKIT_BUSY', `all ${camera.services.length} streams of the camera are in use`);
}
