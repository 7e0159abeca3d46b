import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { parseV4l2Formats, type DeviceList, type DeviceSource } from '../../pkg/ffmpeg/index.js';

/** What `ffmpeg:device?…` can capture here, and the listing `/api/ffmpeg/devices` shows. */
export interface Devices {
  readonly list: DeviceList;
  readonly sources: readonly DeviceSource[];
}

function run(bin: string, args: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Linux capture devices, found as go2rtc finds them: every `/dev/video*` asked for its formats through ffmpeg
 * (one entry, and one index, per format), and ALSA's `default` if ffmpeg can record a second from it.
 */
export async function discoverDevices(bin: string): Promise<Devices> {
  const videos: string[] = [];
  const audios: string[] = [];
  const sources: DeviceSource[] = [];
  let names: string[] = [];
  try {
    names = (await readdir('/dev')).filter((n) => n.startsWith('video')).sort();
  } catch {
    // No /dev (not Linux): no devices.
  }
  for (const name of names) {
    const device = `/dev/${name}`;
    const { output } = await run(bin, ['-hide_banner', '-f', 'v4l2', '-list_formats', 'all', '-i', device], 5000);
    for (const source of parseV4l2Formats(device, output)) {
      videos.push(device);
      sources.push(source);
    }
  }
  const alsa = await run(
    bin,
    ['-hide_banner', '-loglevel', 'error', '-f', 'alsa', '-i', 'default', '-t', '1', '-f', 'null', '-'],
    5000,
  );
  if (alsa.ok) {
    audios.push('default');
    sources.push({
      name: 'ALSA default',
      info: ' ',
      url: 'ffmpeg:device?audio=default&channels=1&sample_rate=16000#audio=opus',
    });
  }
  return { list: { videos, audios }, sources };
}
