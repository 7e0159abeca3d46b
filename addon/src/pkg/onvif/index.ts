export { OnvifError, type OnvifErrorCode } from './errors.js';
export { MAX_XML_BYTES, decodeEntities, escapeXml, findElements, findText, type XmlElement } from './xml.js';
export {
  buildEnvelope,
  describeFault,
  isAuthFault,
  parseFault,
  passwordDigest,
  throwIfFault,
  usernameToken,
  type SoapFault,
  type UsernameToken,
} from './soap.js';
export {
  DEFAULT_DEVICE_PATH,
  DEFAULT_MEDIA_PATH,
  GET_CAPABILITIES,
  GET_DEVICE_INFORMATION,
  GET_PROFILES,
  GET_SERVICES,
  GET_SYSTEM_DATE_AND_TIME,
  getStreamUri,
  parseDeviceInformation,
  parseMediaXAddr,
  parseProfiles,
  parseServicesMediaXAddr,
  parseStreamUri,
  parseSystemDateAndTime,
  selectProfile,
  type DeviceInformation,
  type MediaProfile,
} from './messages.js';
export {
  WS_DISCOVERY_ADDRESS,
  WS_DISCOVERY_PORT,
  buildProbe,
  parseProbeMatches,
  type ProbeMatch,
} from './discovery.js';
