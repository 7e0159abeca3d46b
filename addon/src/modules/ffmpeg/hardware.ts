import { execFile } from 'node:child_process';

/** One row of `GET /api/ffmpeg/hardware`, go2rtc's shape: `name` is "OK" or "ERROR", `url` the source to use. */
export interface HardwareSource {
  readonly name: 'OK' | 'ERROR';
  readonly url: string;
  /** What was tried, for the add page (go2rtc leaves it out). */
  readonly info: string;
}

interface Probe {
  readonly engine: string;
  readonly codec: 'h264' | 'h265' | 'mjpeg';
  readonly args: string;
}

const TEST_INPUT = '-f lavfi -i testsrc2 -t 1';

// go2rtc internal/ffmpeg/hardware/hardware_unix.go: one short encode per engine and codec.
const X86_PROBES: readonly Probe[] = [
  {
    engine: 'vaapi',
    codec: 'h264',
    args: `-init_hw_device vaapi ${TEST_INPUT} -vf format=nv12,hwupload -c h264_vaapi -f null -`,
  },
  {
    engine: 'vaapi',
    codec: 'h265',
    args: `-init_hw_device vaapi ${TEST_INPUT} -vf format=nv12,hwupload -c hevc_vaapi -f null -`,
  },
  {
    engine: 'vaapi',
    codec: 'mjpeg',
    args: `-init_hw_device vaapi ${TEST_INPUT} -vf format=nv12,hwupload -c mjpeg_vaapi -f null -`,
  },
  { engine: 'cuda', codec: 'h264', args: `-init_hw_device cuda ${TEST_INPUT} -c h264_nvenc -f null -` },
  { engine: 'cuda', codec: 'h265', args: `-init_hw_device cuda ${TEST_INPUT} -c hevc_nvenc -f null -` },
];

const ARM_PROBES: readonly Probe[] = [
  { engine: 'v4l2m2m', codec: 'h264', args: `${TEST_INPUT} -c h264_v4l2m2m -f null -` },
  { engine: 'v4l2m2m', codec: 'h265', args: `${TEST_INPUT} -c hevc_v4l2m2m -f null -` },
  { engine: 'rkmpp', codec: 'h264', args: `${TEST_INPUT} -c h264_rkmpp -f null -` },
  { engine: 'rkmpp', codec: 'h265', args: `${TEST_INPUT} -c hevc_rkmpp -f null -` },
  { engine: 'rkmpp', codec: 'mjpeg', args: `${TEST_INPUT} -c mjpeg_rkmpp -f null -` },
];

/** The probes for this machine's architecture, as go2rtc picks them. */
export function hardwareProbes(arch: string = process.arch): readonly Probe[] {
  return arch === 'arm64' || arch === 'arm' ? ARM_PROBES : X86_PROBES;
}

function runOk(bin: string, args: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['-hide_banner', '-loglevel', 'error', ...args.split(' ')],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err) => resolve(err === null),
    );
  });
}

/**
 * Which hardware encoders work here: every probe run once, one after the other (each is a one-second encode;
 * in parallel they would compete for the same device). ts2rtc accepts `#hardware` in ffmpeg sources but still
 * encodes in software; the list tells what a later version (or an `exec:` source) could use.
 */
export async function probeHardware(bin: string, timeoutMs = 10_000): Promise<HardwareSource[]> {
  const out: HardwareSource[] = [];
  for (const probe of hardwareProbes()) {
    const ok = await runOk(bin, probe.args, timeoutMs);
    out.push({
      name: ok ? 'OK' : 'ERROR',
      url: `ffmpeg:...#video=${probe.codec}#hardware=${probe.engine}`,
      info: `${probe.engine} ${probe.codec}`,
    });
  }
  return out;
}
