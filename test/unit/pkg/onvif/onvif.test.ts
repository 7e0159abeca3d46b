import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  OnvifError,
  buildEnvelope,
  buildProbe,
  describeFault,
  findElements,
  findText,
  isAuthFault,
  parseDeviceInformation,
  parseFault,
  parseMediaXAddr,
  parseProbeMatches,
  parseProfiles,
  parseServicesMediaXAddr,
  parseStreamUri,
  parseSystemDateAndTime,
  selectProfile,
  throwIfFault,
  usernameToken,
} from '../../../../addon/src/pkg/onvif/index.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('pkg/onvif: WS-Security UsernameToken', () => {
  it('digest = Base64(SHA-1(nonce + created + password)) (value computed with Python hashlib)', () => {
    const token = usernameToken(
      'admin',
      'Pa55word',
      new Date('2026-12-06T07:05:17.000Z'),
      Buffer.from([...Array(16).keys()]),
    );
    assert.equal(token.created, '2026-12-06T07:05:17.000Z');
    assert.equal(token.digest, 'ZZAeWebs8LW2uGuHVHjobu69Tls=');
  });

  it('the envelope carries user, digest, base64 nonce and Created; user names are escaped', () => {
    const token = usernameToken('a<b&c', 'x', new Date('2026-01-01T00:00:00.000Z'), Buffer.from('0123456789abcdef'));
    const xml = buildEnvelope('<trt:GetProfiles/>', token);
    assert.equal(findText(xml, 'Username'), 'a<b&c');
    assert.equal(findText(xml, 'Password'), token.digest);
    assert.equal(findText(xml, 'Nonce'), Buffer.from('0123456789abcdef').toString('base64'));
    assert.equal(findText(xml, 'Created'), '2026-01-01T00:00:00.000Z');
    assert.match(xml, /Type="[^"]+#PasswordDigest"/);
    assert.match(xml, /<s:Body><trt:GetProfiles\/><\/s:Body><\/s:Envelope>$/);
    assert.doesNotMatch(buildEnvelope('<tds:GetCapabilities/>'), /Security/);
  });
});

describe('pkg/onvif: answers', () => {
  it('GetCapabilities: the Media XAddr, not Analytics/Device/Events before it', () => {
    assert.equal(parseMediaXAddr(fixture('hikvision_get_capabilities.xml')), 'http://192.168.1.64/onvif/Media');
    assert.equal(parseMediaXAddr('<Envelope><Body><Capabilities/></Body></Envelope>'), undefined);
  });

  it('GetServices without namespace prefixes: the ver10 media service', () => {
    assert.equal(parseServicesMediaXAddr(fixture('get_services_no_prefix.xml')), 'http://10.0.0.7:8899/onvif/media');
  });

  it('GetProfiles: tokens in order, names, encodings, resolutions; a profile without video encoder kept', () => {
    assert.deepEqual(parseProfiles(fixture('dahua_get_profiles.xml')), [
      {
        token: 'MediaProfile000',
        name: 'MediaProfile_Channel1_MainStream',
        encoding: 'H264',
        width: 1920,
        height: 1080,
      },
      { token: 'MediaProfile001', name: 'MediaProfile_Channel1_SubStream1', encoding: 'H265', width: 704, height: 576 },
      { token: 'AudioOnly', name: 'Audio & nothing else', encoding: '', width: undefined, height: undefined },
    ]);
  });

  it('GetStreamUri: the Uri with its entities decoded', () => {
    assert.equal(
      parseStreamUri(fixture('get_stream_uri.xml')),
      'rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif',
    );
    assert.throws(() => parseStreamUri('<Envelope><Body><GetStreamUriResponse/></Body></Envelope>'), {
      code: 'ONVIF_NO_URI',
    });
  });

  it('GetDeviceInformation', () => {
    const xml =
      '<e:Envelope><e:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD2043G0-I</tds:Model><tds:FirmwareVersion>V5.5.0</tds:FirmwareVersion><tds:SerialNumber>X1</tds:SerialNumber></tds:GetDeviceInformationResponse></e:Body></e:Envelope>';
    assert.deepEqual(parseDeviceInformation(xml), {
      manufacturer: 'HIKVISION',
      model: 'DS-2CD2043G0-I',
      firmwareVersion: 'V5.5.0',
      serialNumber: 'X1',
    });
  });

  it('GetSystemDateAndTime: the UTC clock; a broken one is undefined', () => {
    const xml = (second: string) =>
      `<e:Envelope><e:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType>` +
      `<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>7</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>${second}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>2026</tt:Year><tt:Month>12</tt:Month><tt:Day>6</tt:Day></tt:Date></tt:UTCDateTime>` +
      `<tt:LocalDateTime><tt:Time><tt:Hour>15</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>17</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>12</tt:Month><tt:Day>6</tt:Day></tt:Date></tt:LocalDateTime>` +
      `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></e:Body></e:Envelope>`;
    assert.equal(parseSystemDateAndTime(xml('17'))?.toISOString(), '2026-12-06T07:05:17.000Z');
    assert.equal(parseSystemDateAndTime(xml('x')), undefined);
    assert.equal(parseSystemDateAndTime('<Envelope/>'), undefined);
  });

  it('selectProfile: empty or a number is an index, other text a token', () => {
    const profiles = parseProfiles(fixture('dahua_get_profiles.xml'));
    assert.equal(selectProfile(profiles, null), 'MediaProfile000');
    assert.equal(selectProfile(profiles, ''), 'MediaProfile000');
    assert.equal(selectProfile(profiles, '1'), 'MediaProfile001');
    assert.equal(selectProfile(profiles, 'MediaProfile001'), 'MediaProfile001');
    assert.throws(
      () => selectProfile(profiles, '3'),
      (err: unknown) =>
        err instanceof OnvifError && err.code === 'ONVIF_SUBTYPE' && /3 profile\(s\) \(0-2\)/.test(err.message),
    );
    assert.throws(() => selectProfile([], null), { code: 'ONVIF_NO_PROFILES' });
  });
});

describe('pkg/onvif: faults', () => {
  it('SOAP 1.2 ter:NotAuthorized is an authentication fault', () => {
    const fault = parseFault(fixture('fault_not_authorized.xml'));
    assert.deepEqual(fault, { code: 'Sender', subcodes: ['NotAuthorized'], reason: 'Sender not Authorized' });
    assert.ok(fault && isAuthFault(fault));
    assert.throws(() => throwIfFault(fixture('fault_not_authorized.xml')), {
      code: 'ONVIF_AUTH',
      message: 'ONVIF_AUTH: the device refused the user name or password (Sender/NotAuthorized: Sender not Authorized)',
    });
  });

  it('SOAP 1.1 wsse:FailedAuthentication too', () => {
    const fault = parseFault(fixture('fault_soap11_failed_authentication.xml'));
    assert.deepEqual(fault, {
      code: 'FailedAuthentication',
      subcodes: [],
      reason: 'The security token could not be authenticated or authorized',
    });
    assert.ok(fault && isAuthFault(fault));
  });

  it('other faults keep their nested subcodes and reason', () => {
    const fault = parseFault(fixture('fault_action_not_supported.xml'));
    assert.ok(fault);
    assert.equal(describeFault(fault), 'Receiver/ActionNotSupported/NoSuchService: Optional Action Not Implemented');
    assert.ok(!isAuthFault(fault));
    assert.throws(() => throwIfFault(fixture('fault_action_not_supported.xml')), { code: 'ONVIF_FAULT' });
    assert.equal(parseFault(fixture('get_stream_uri.xml')), undefined);
  });
});

describe('pkg/onvif: WS-Discovery', () => {
  it('Probe: WS-Discovery 2005/04 action, the given MessageID, empty Types', () => {
    const probe = buildProbe('urn:uuid:11111111-2222-4333-8444-555555555555');
    assert.equal(findText(probe, 'Action'), 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe');
    assert.equal(findText(probe, 'MessageID'), 'urn:uuid:11111111-2222-4333-8444-555555555555');
    assert.equal(findText(probe, 'To'), 'urn:schemas-xmlsoap-org:ws:2005:04:discovery');
    assert.equal(findElements(probe, 'Probe').length, 1);
  });

  it('ProbeMatches: XAddrs, percent-decoded name and hardware scopes, RelatesTo', () => {
    assert.deepEqual(
      parseProbeMatches(fixture('probe_matches.xml')).map(({ scopes, ...rest }) => ({
        ...rest,
        scopes: scopes.length,
      })),
      [
        {
          xaddrs: [
            'http://192.168.1.64/onvif/device_service',
            'http://[fe80::4619:b6ff:fe3a:1c2d]/onvif/device_service',
          ],
          name: 'IPC Front Door',
          hardware: 'DS-2CD2043G0-I',
          relatesTo: 'urn:uuid:11111111-2222-4333-8444-555555555555',
          scopes: 5,
        },
      ],
    );
  });

  it('a printer answering the probe is not a camera', () => {
    assert.deepEqual(parseProbeMatches(fixture('probe_matches_printer.xml')), []);
  });
});

describe('pkg/onvif: xml scanner', () => {
  it('matches by local name, skips look-alike names, nests, and handles self-closing and unterminated elements', () => {
    const xml = '<a:X k="1"><X>inner</X></a:X><XY>no</XY><b:X k=\'2\'/><X>open';
    const found = findElements(xml, 'X');
    assert.deepEqual(
      found.map((e) => [e.name, e.attributes.get('k'), e.body]),
      [
        ['a:X', '1', '<X>inner</X>'],
        ['b:X', '2', ''],
      ],
    );
    assert.equal(findText('<a>&lt;&#65;&#x42;&amp;&bogus;</a>', 'a'), '<AB&&bogus;');
  });

  it('refuses answers larger than 1 MB', () => {
    assert.throws(() => findElements('x'.repeat(1024 * 1024 + 1), 'X'), { code: 'ONVIF_XML_INVALID' });
  });
});
