import { OnvifError } from './errors.js';
import { decodeEntities, escapeXml, findElements, findText } from './xml.js';

/**
 * Request bodies and answer readers of the device and media services (ONVIF Core, Media 1.0: what go2rtc
 * 1.x asks for). Readers take the whole SOAP answer; faults are checked before (soap.ts).
 */

export const DEFAULT_DEVICE_PATH = '/onvif/device_service';
export const DEFAULT_MEDIA_PATH = '/onvif/media_service';

export const GET_CAPABILITIES = '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>';
export const GET_SERVICES = '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>';
export const GET_DEVICE_INFORMATION = '<tds:GetDeviceInformation/>';
export const GET_PROFILES = '<trt:GetProfiles/>';
/** Answered without authentication (ONVIF Core 5.12.1): how a client learns the device's clock. */
export const GET_SYSTEM_DATE_AND_TIME = '<tds:GetSystemDateAndTime/>';

export function getStreamUri(profileToken: string): string {
  return (
    '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>' +
    '<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
    `<trt:ProfileToken>${escapeXml(profileToken)}</trt:ProfileToken></trt:GetStreamUri>`
  );
}

/**
 * The media service address from GetCapabilities (`Capabilities/Media/XAddr`), undefined when the device
 * lists none (then GetServices is asked).
 */
export function parseMediaXAddr(xml: string): string | undefined {
  const media = findElements(xml, 'Media', 4).find((element) => element.body.includes('XAddr'));
  return media ? findText(media.body, 'XAddr') : undefined;
}

const MEDIA_NAMESPACE = 'http://www.onvif.org/ver10/media/wsdl';

/** The media (ver10) service address from GetServices, for devices whose GetCapabilities has none. */
export function parseServicesMediaXAddr(xml: string): string | undefined {
  for (const service of findElements(xml, 'Service', 64)) {
    if (findText(service.body, 'Namespace') === MEDIA_NAMESPACE) return findText(service.body, 'XAddr');
  }
  return undefined;
}

export interface DeviceInformation {
  readonly manufacturer: string;
  readonly model: string;
  readonly firmwareVersion: string;
  readonly serialNumber: string;
}

export function parseDeviceInformation(xml: string): DeviceInformation {
  return {
    manufacturer: findText(xml, 'Manufacturer') ?? '',
    model: findText(xml, 'Model') ?? '',
    firmwareVersion: findText(xml, 'FirmwareVersion') ?? '',
    serialNumber: findText(xml, 'SerialNumber') ?? '',
  };
}

export interface MediaProfile {
  /** The profile's `token` attribute: what GetStreamUri takes. */
  readonly token: string;
  readonly name: string;
  /** The video encoder's `Encoding` (`H264`, `H265`, `JPEG`), '' when the profile has no video encoder. */
  readonly encoding: string;
  readonly width: number | undefined;
  readonly height: number | undefined;
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,6}$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}

/** GetProfilesResponse: every `Profiles` element with a token, in the device's order (= `?subtype=` index). */
export function parseProfiles(xml: string): MediaProfile[] {
  const profiles: MediaProfile[] = [];
  for (const element of findElements(xml, 'Profiles', 64)) {
    const token = element.attributes.get('token');
    if (token === undefined || token === '') continue;
    const encoder = findElements(element.body, 'VideoEncoderConfiguration', 1)[0]?.body ?? '';
    const resolution = findElements(encoder, 'Resolution', 1)[0]?.body ?? '';
    profiles.push({
      token,
      // The profile's own Name comes before its configurations' names.
      name: findText(element.body, 'Name') ?? token,
      encoding: findText(encoder, 'Encoding') ?? '',
      width: positiveInt(findText(resolution, 'Width')),
      height: positiveInt(findText(resolution, 'Height')),
    });
  }
  return profiles;
}

/** GetStreamUriResponse `MediaUri/Uri`; throws ONVIF_NO_URI without one. */
export function parseStreamUri(xml: string): string {
  const mediaUri = findElements(xml, 'MediaUri', 1)[0]?.body ?? xml;
  const uri = findText(mediaUri, 'Uri');
  if (uri === undefined) throw new OnvifError('ONVIF_NO_URI', 'GetStreamUri answered without a MediaUri/Uri');
  return decodeEntities(uri).trim();
}

/**
 * go2rtc's `?subtype=`: empty or a number is an index into the profiles (0 = the first, the main stream), any
 * other text is a profile token itself.
 */
export function selectProfile(profiles: readonly MediaProfile[], subtype: string | null): string {
  const text = subtype ?? '';
  if (text === '' || /^\d{1,4}$/.test(text)) {
    const index = text === '' ? 0 : Number(text);
    const profile = profiles[index];
    if (profiles.length === 0) throw new OnvifError('ONVIF_NO_PROFILES', 'the device lists no media profile');
    if (!profile)
      throw new OnvifError(
        'ONVIF_SUBTYPE',
        `subtype=${index}: the device has ${profiles.length} profile(s) (0-${profiles.length - 1})`,
      );
    return profile.token;
  }
  return text;
}

/** The device's UTC clock from GetSystemDateAndTimeResponse (`UTCDateTime`), undefined when absent or invalid. */
export function parseSystemDateAndTime(xml: string): Date | undefined {
  const utc = findElements(xml, 'UTCDateTime', 1)[0]?.body;
  if (utc === undefined) return undefined;
  const date = findElements(utc, 'Date', 1)[0]?.body ?? '';
  const time = findElements(utc, 'Time', 1)[0]?.body ?? '';
  const field = (body: string, name: string, max: number): number | undefined => {
    const text = findText(body, name);
    if (text === undefined || !/^\d{1,4}$/.test(text)) return undefined;
    const value = Number(text);
    return value <= max ? value : undefined;
  };
  const parts = [
    field(date, 'Year', 9999),
    field(date, 'Month', 12),
    field(date, 'Day', 31),
    field(time, 'Hour', 23),
    field(time, 'Minute', 59),
    field(time, 'Second', 60),
  ];
  if (parts.some((p) => p === undefined)) return undefined;
  const [year, month, day, hour, minute, second] = parts as number[];
  if (year === undefined || month === undefined || month < 1 || day === undefined || day < 1) return undefined;
  const at = Date.UTC(year, month - 1, day, hour ?? 0, minute ?? 0, second ?? 0);
  return Number.isFinite(at) ? new Date(at) : undefined;
}
