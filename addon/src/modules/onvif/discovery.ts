import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  OnvifError,
  WS_DISCOVERY_ADDRESS,
  WS_DISCOVERY_PORT,
  buildProbe,
  parseProbeMatches,
} from '../../pkg/onvif/index.js';

/** go2rtc waits 5 s for answers: cameras delay theirs by up to APP_MAX_DELAY (500 ms), some much more. */
export const DISCOVERY_WAIT_MS = 5000;
const MAX_DEVICES = 256;

export interface DiscoveredDevice {
  /** The device service URL (`http://192.168.1.5/onvif/device_service`). */
  readonly url: string;
  readonly name: string;
  readonly hardware: string;
}

/**
 * One WS-Discovery Probe to 239.255.255.250:3702 from a fresh UDP socket, then every ProbeMatch that comes to
 * it within `waitMs`, each device once. Devices that write `http://0.0.0.0/...` (a known firmware bug) get
 * the address they answered from. Throws ONVIF_DISCOVERY when the probe cannot be sent (no multicast route).
 */
export async function discoverDevices(waitMs = DISCOVERY_WAIT_MS): Promise<DiscoveredDevice[]> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  const found = new Map<string, DiscoveredDevice>();
  const messageId = `urn:uuid:${randomUUID()}`;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('message', (message, from) => {
      if (found.size >= MAX_DEVICES) return;
      let matches;
      try {
        matches = parseProbeMatches(message.toString('utf8'));
      } catch {
        return; // a garbled datagram is not a device
      }
      for (const match of matches) {
        if (match.relatesTo !== '' && match.relatesTo !== messageId) continue;
        const xaddr = match.xaddrs.find((x) => x.startsWith('http://'));
        if (xaddr === undefined) continue;
        const url = xaddr.replace(/^http:\/\/0\.0\.0\.0(?=[:/]|$)/, `http://${from.address}`);
        if (!found.has(url)) found.set(url, { url, name: match.name, hardware: match.hardware });
      }
    });
    await send(socket, Buffer.from(buildProbe(messageId)));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  } finally {
    socket.close();
  }
  return [...found.values()];
}

function send(socket: Socket, message: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(message, WS_DISCOVERY_PORT, WS_DISCOVERY_ADDRESS, (err) => {
      if (err)
        reject(
          new OnvifError(
            'ONVIF_DISCOVERY',
            `probe to ${WS_DISCOVERY_ADDRESS}:${WS_DISCOVERY_PORT} not sent: ${err.message}`,
            { cause: err },
          ),
        );
      else resolve();
    });
  });
}
