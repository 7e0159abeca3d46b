import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * fake_onvif: an ONVIF device's SOAP services (device + media, Profile S subset) and its WS-Discovery
 * responder, standing in front of a real RTSP camera (the GStreamer camera). A fake because no ONVIF device
 * (nor a free software one that runs here) exists on this machine; it speaks the wire protocol as the
 * specifications and common firmware do, written independently of ts2rtc's pkg/onvif:
 * - SOAP 1.2 over HTTP POST, `application/soap+xml`; the operation is the first element of the Body;
 * - WS-Security UsernameToken with PasswordDigest = Base64(SHA-1(nonce bytes + Created + password)), Created
 *   within 5 minutes of the device's clock (which `clockOffsetMs` can set wrong, as on many cameras), each nonce accepted once; anything else gets HTTP 400 with the fault
 *   `env:Sender / ter:NotAuthorized` (ONVIF Core 5.12.2, as Hikvision and Dahua answer);
 * - GetSystemDateAndTime answers without authentication (ONVIF Core 5.12.1);
 * - the media service lives at a non-default path (`/onvif/Media`), advertised in GetCapabilities, as many
 *   vendors do; a client must use the advertised path;
 * - WS-Discovery 2005/04 on 239.255.255.250:3702: a Probe gets a unicast ProbeMatches with RelatesTo, Types
 *   `dn:NetworkVideoTransmitter`, Scopes (name, hardware) and XAddrs.
 */

export interface FakeOnvifProfile {
  readonly token: string;
  readonly name: string;
  /** The RTSP URI GetStreamUri answers (without credentials, as devices do). */
  readonly uri: string;
  readonly width: number;
  readonly height: number;
}

export interface FakeOnvifOptions {
  readonly username: string;
  readonly password: string;
  readonly profiles: readonly FakeOnvifProfile[];
  readonly name?: string;
  readonly hardware?: string;
  /** Answer WS-Discovery probes (needs multicast on lo: a private network namespace). Defaults to false. */
  readonly discovery?: boolean;
  /** The device's clock minus the real one (a camera whose clock was never set); defaults to 0. */
  readonly clockOffsetMs?: number;
}

export interface FakeOnvifRequest {
  readonly path: string;
  readonly operation: string;
  readonly authorized: boolean;
}

export interface FakeOnvif {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  readonly port: number;
  /** `onvif://user:pass@127.0.0.1:PORT` with the right credentials. */
  readonly onvifUrl: string;
  readonly requests: FakeOnvifRequest[];
  /** Probes answered. */
  readonly probes: number;
  stop(): Promise<void>;
}

const SOAP_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"' +
  ' xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"' +
  ' xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body>';
const SOAP_CLOSE = '</env:Body></env:Envelope>';

function tagText(xml: string, local: string): string | undefined {
  const match = new RegExp(`<(?:[\\w-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</`).exec(xml);
  return match?.[1];
}

function fault(subcode: string, reason: string, code = 'env:Sender'): string {
  return (
    `${SOAP_OPEN}<env:Fault><env:Code><env:Value>${code}</env:Value><env:Subcode><env:Value>${subcode}</env:Value>` +
    `</env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason></env:Fault>${SOAP_CLOSE}`
  );
}

/** The operation: the local name of the first element inside Body. */
function operationOf(xml: string): string {
  const body = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:([\w-]+):)?([\w-]+)/.exec(xml);
  return body?.[2] ?? '';
}

export async function startFakeOnvif(options: FakeOnvifOptions): Promise<FakeOnvif> {
  const requests: FakeOnvifRequest[] = [];
  const usedNonces = new Set<string>();
  let port = 0;
  let probes = 0;
  const name = options.name ?? 'FakeCam';
  const hardware = options.hardware ?? 'FC-1000';
  const deviceNow = (): number => Date.now() + (options.clockOffsetMs ?? 0);

  const authorized = (xml: string): boolean => {
    const username = tagText(xml, 'Username');
    const password = tagText(xml, 'Password');
    const nonce = tagText(xml, 'Nonce');
    const created = tagText(xml, 'Created');
    if (username === undefined || password === undefined || nonce === undefined || created === undefined) return false;
    if (!/PasswordDigest/.test(xml)) return false;
    const at = Date.parse(created);
    if (!Number.isFinite(at) || Math.abs(deviceNow() - at) > 5 * 60 * 1000) return false;
    if (usedNonces.has(nonce)) return false;
    const digest = createHash('sha1')
      .update(Buffer.from(nonce, 'base64'))
      .update(created)
      .update(options.password)
      .digest('base64');
    if (username !== options.username || digest !== password) return false;
    usedNonces.add(nonce);
    return true;
  };

  const answer = (path: string, operation: string, xml: string): string | undefined => {
    const host = `127.0.0.1:${port}`;
    if (path === '/onvif/device_service') {
      switch (operation) {
        case 'GetCapabilities':
          return (
            `${SOAP_OPEN}<tds:GetCapabilitiesResponse><tds:Capabilities>` +
            `<tt:Device><tt:XAddr>http://${host}/onvif/device_service</tt:XAddr></tt:Device>` +
            `<tt:Events><tt:XAddr>http://${host}/onvif/Events</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport></tt:Events>` +
            `<tt:Imaging><tt:XAddr>http://${host}/onvif/Imaging</tt:XAddr></tt:Imaging>` +
            `<tt:Media><tt:XAddr>http://${host}/onvif/Media</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
            `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
            `</tds:Capabilities></tds:GetCapabilitiesResponse>${SOAP_CLOSE}`
          );
        case 'GetDeviceInformation':
          return (
            `${SOAP_OPEN}<tds:GetDeviceInformationResponse><tds:Manufacturer>${name}</tds:Manufacturer><tds:Model>${hardware}</tds:Model>` +
            `<tds:FirmwareVersion>V1.0.0</tds:FirmwareVersion><tds:SerialNumber>FC0001</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId>` +
            `</tds:GetDeviceInformationResponse>${SOAP_CLOSE}`
          );
      }
      return undefined;
    }
    if (path === '/onvif/Media') {
      switch (operation) {
        case 'GetProfiles':
          return (
            `${SOAP_OPEN}<trt:GetProfilesResponse>` +
            options.profiles
              .map(
                (p) =>
                  `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
                  `<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSource</tt:Name><tt:UseCount>2</tt:UseCount>` +
                  `<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"/></tt:VideoSourceConfiguration>` +
                  `<tt:VideoEncoderConfiguration token="VE_${p.token}"><tt:Name>VE_${p.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
                  `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
                  `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
                  `<tt:BitrateLimit>1024</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>`,
              )
              .join('') +
            `</trt:GetProfilesResponse>${SOAP_CLOSE}`
          );
        case 'GetStreamUri': {
          const token = tagText(xml, 'ProfileToken');
          const profile = options.profiles.find((p) => p.token === token);
          if (!profile) return fault('ter:InvalidArgVal', 'No such profile', 'env:Sender');
          // Firmware escapes the query's ampersands in the URI text.
          const uri = profile.uri.replace(/&/g, '&amp;');
          return (
            `${SOAP_OPEN}<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${uri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
            `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>${SOAP_CLOSE}`
          );
        }
      }
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const xml = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0] ?? '';
      const operation = operationOf(xml);
      const send = (status: number, body: string): void => {
        res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
        res.end(body);
      };
      if (req.method !== 'POST') return send(405, fault('ter:ActionNotSupported', 'POST only'));
      if (operation === 'GetSystemDateAndTime') {
        requests.push({ path, operation, authorized: true });
        const now = new Date(deviceNow());
        return send(
          200,
          `${SOAP_OPEN}<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:UTCDateTime>` +
            `<tt:Time><tt:Hour>${now.getUTCHours()}</tt:Hour><tt:Minute>${now.getUTCMinutes()}</tt:Minute><tt:Second>${now.getUTCSeconds()}</tt:Second></tt:Time>` +
            `<tt:Date><tt:Year>${now.getUTCFullYear()}</tt:Year><tt:Month>${now.getUTCMonth() + 1}</tt:Month><tt:Day>${now.getUTCDate()}</tt:Day></tt:Date>` +
            `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>${SOAP_CLOSE}`,
        );
      }
      const ok = authorized(xml);
      requests.push({ path, operation, authorized: ok });
      if (!ok) return send(400, fault('ter:NotAuthorized', 'Sender not Authorized'));
      const body = answer(path, operation, xml);
      if (body === undefined)
        return send(400, fault('ter:ActionNotSupported', `${operation} not supported`, 'env:Receiver'));
      send(body.includes('<env:Fault>') ? 400 : 200, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  let udp: Socket | undefined;
  if (options.discovery) {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    udp = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(3702, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.addMembership('239.255.255.250', '127.0.0.1');
    socket.on('message', (message, from) => {
      const xml = message.toString('utf8');
      if (!/discovery\/Probe</.test(xml) || /ProbeMatches/.test(xml)) return;
      probes++;
      const messageId = tagText(xml, 'MessageID') ?? '';
      const reply =
        '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"' +
        ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
        ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header>' +
        `<wsa:MessageID>urn:uuid:7b1f0c4e-0000-4000-8000-${String(port).padStart(12, '0')}</wsa:MessageID>` +
        `<wsa:RelatesTo>${messageId}</wsa:RelatesTo>` +
        '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
        '<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>' +
        '</SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
        `<wsa:EndpointReference><wsa:Address>urn:uuid:7b1f0c4e-0000-4000-8000-${String(port).padStart(12, '0')}</wsa:Address></wsa:EndpointReference>` +
        '<d:Types>dn:NetworkVideoTransmitter</d:Types>' +
        `<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/${encodeURIComponent(name)} ` +
        `onvif://www.onvif.org/hardware/${encodeURIComponent(hardware)} onvif://www.onvif.org/location/</d:Scopes>` +
        `<d:XAddrs>http://127.0.0.1:${port}/onvif/device_service</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion>` +
        '</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';
      socket.send(Buffer.from(reply), from.port, from.address);
    });
  }

  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    onvifUrl: `onvif://${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    requests,
    get probes() {
      return probes;
    },
    async stop() {
      udp?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
