import { createHash, randomBytes } from 'node:crypto';
import { OnvifError } from './errors.js';
import { checkXmlSize, escapeXml, findElements, findText } from './xml.js';

/** SOAP 1.2 with the namespaces the request bodies use (ONVIF requires SOAP 1.2). */
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"' +
  ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl">';

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export interface UsernameToken {
  readonly username: string;
  /** Random bytes, sent base64-encoded. */
  readonly nonce: Buffer;
  /** `2026-12-06T07:05:17.123Z`: the device rejects a token whose time is far from its clock. */
  readonly created: string;
  /** Base64(SHA-1(nonce + created + password)), WS-Security UsernameToken Profile 1.0 section 3.1. */
  readonly digest: string;
}

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1').update(nonce).update(created, 'utf8').update(password, 'utf8').digest('base64');
}

/** A fresh token (16 random bytes of nonce, `now` as Created). */
export function usernameToken(
  username: string,
  password: string,
  now: Date = new Date(),
  nonce: Buffer = randomBytes(16),
): UsernameToken {
  const created = now.toISOString();
  return { username, nonce, created, digest: passwordDigest(nonce, created, password) };
}

function securityHeader(token: UsernameToken): string {
  return (
    `<s:Header><wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}" s:mustUnderstand="1"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(token.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${token.digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${token.nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${token.created}</wsu:Created>` +
    '</wsse:UsernameToken></wsse:Security></s:Header>'
  );
}

/** A request envelope around `body` (an operation element such as `<trt:GetProfiles/>`), signed when a token is given. */
export function buildEnvelope(body: string, token?: UsernameToken): string {
  return `${ENVELOPE_OPEN}${token ? securityHeader(token) : ''}<s:Body>${body}</s:Body></s:Envelope>`;
}

export interface SoapFault {
  /** `Sender`/`Receiver` (SOAP 1.2 Code/Value) or `Client`/`Server` (SOAP 1.1 faultcode), prefix dropped. */
  readonly code: string;
  /** SOAP 1.2 Subcode values, outermost first, prefixes dropped (`NotAuthorized`, `ActionNotSupported`). */
  readonly subcodes: readonly string[];
  /** The human text (`Reason/Text` or `faultstring`), '' when the device gave none. */
  readonly reason: string;
}

function dropPrefix(value: string): string {
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(colon + 1);
}

/** The answer's SOAP fault, or undefined when it has none. */
export function parseFault(xml: string): SoapFault | undefined {
  checkXmlSize(xml);
  const fault = findElements(xml, 'Fault', 1)[0];
  if (!fault) return undefined;
  const body = fault.body;
  const code = findElements(body, 'Code', 1)[0];
  if (code) {
    // SOAP 1.2: Code/Value, then nested Subcode/Value.
    const values = findElements(code.body, 'Value', 1).map((v) => v.body);
    const subcodes: string[] = [];
    let sub = findElements(code.body, 'Subcode', 1)[0];
    for (let depth = 0; sub && depth < 8; depth++) {
      const value = findText(sub.body, 'Value');
      if (value !== undefined) subcodes.push(dropPrefix(value));
      sub = findElements(sub.body, 'Subcode', 1)[0];
    }
    const value = values[0] ?? '';
    return {
      code: dropPrefix(value.includes('<') ? '' : value.trim()),
      subcodes,
      reason: findText(findElements(body, 'Reason', 1)[0]?.body ?? '', 'Text') ?? '',
    };
  }
  // SOAP 1.1: faultcode (possibly `wsse:FailedAuthentication`) and faultstring.
  const faultcode = findText(body, 'faultcode') ?? '';
  return { code: dropPrefix(faultcode), subcodes: [], reason: findText(body, 'faultstring') ?? '' };
}

/** ONVIF Core 5.11.2.2 `ter:NotAuthorized`; WS-Security's `wsse:FailedAuthentication`/`InvalidSecurity(Token)`. */
const AUTH_CODES = new Set([
  'NotAuthorized',
  'FailedAuthentication',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'FailedCheck',
]);

export function isAuthFault(fault: SoapFault): boolean {
  return AUTH_CODES.has(fault.code) || fault.subcodes.some((c) => AUTH_CODES.has(c));
}

/** `Sender/NotAuthorized: Sender not Authorized`, for error messages. */
export function describeFault(fault: SoapFault): string {
  const codes = [fault.code, ...fault.subcodes].filter((c) => c !== '').join('/');
  const text = `${codes || 'fault'}${fault.reason ? `: ${fault.reason}` : ''}`;
  return text.slice(0, 300);
}

/** Throws ONVIF_AUTH or ONVIF_FAULT when the answer is a fault. */
export function throwIfFault(xml: string): void {
  const fault = parseFault(xml);
  if (!fault) return;
  if (isAuthFault(fault))
    throw new OnvifError('ONVIF_AUTH', `the device refused the user name or password (${describeFault(fault)})`);
  throw new OnvifError('ONVIF_FAULT', describeFault(fault));
}
