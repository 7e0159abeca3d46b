/**
 * A real HomeKit camera: HAP-NodeJS `Accessory` + `CameraController`, whose streaming delegate runs ffmpeg to
 * send SRTP (AES_CM_128_HMAC_SHA1_80, RTCP muxed) H264 video and Opus audio to the controller. Started by
 * `hap-camera.ts` as its own process (so a test can make the accessory vanish mid-stream).
 *
 * Environment: HAP_PORT, HAP_PIN (XXX-XX-XXX), HAP_USERNAME (the accessory id, XX:XX:XX:XX:XX:XX), HAP_STORAGE
 * (a directory: pairings live there), HAP_NAME, HAP_FFMPEG (defaults to ffmpeg), HAP_BIND (defaults to
 * 127.0.0.1). Lines on stdout: `READY <port>`, `PREPARE <session> <address> <video port> <audio port>`,
 * `START <session> <width>x<height>@<fps> pt=<pt> audio=<codec>/<rate>`, `STOP <session>`, `FFMPEG_EXIT <session> <code>`,
 * `PAIRED <count>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  Accessory,
  CameraController,
  HAPStorage,
  uuid,
  type CameraStreamingDelegate,
  type PrepareStreamCallback,
  type PrepareStreamRequest,
  type SnapshotRequest,
  type SnapshotRequestCallback,
  type StreamingRequest,
  type StreamRequestCallback,
} from 'hap-nodejs';
import { freeUdpPortPair } from './ports.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`hap-camera: ${name} is required`);
  return value;
};

const port = Number(env('HAP_PORT'));
const pin = env('HAP_PIN', '031-45-154');
const username = env('HAP_USERNAME', 'CC:22:3D:E3:CE:F6');
const ffmpegBin = env('HAP_FFMPEG', 'ffmpeg');
const bind = env('HAP_BIND', '127.0.0.1');
HAPStorage.setCustomStoragePath(env('HAP_STORAGE'));

interface Session {
  address: string;
  /** Where we take talk-back audio (our audio RTP port, given to the controller). */
  talkbackPort: number;
  talkback?: ChildProcess;
  video: { port: number; ssrc: number; keySalt: Buffer };
  audio: { port: number; ssrc: number; keySalt: Buffer };
  ffmpeg?: ChildProcess;
}

const sessions = new Map<string, Session>();
const ssrc = (): number => 1 + Math.floor(Math.random() * 0x7ffffffe);
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const delegate: CameraStreamingDelegate = {
  handleSnapshotRequest(_request: SnapshotRequest, callback: SnapshotRequestCallback): void {
    callback(new Error('no snapshots in this test camera'));
  },
  prepareStream(request: PrepareStreamRequest, callback: PrepareStreamCallback): void {
    void prepare(request, callback);
  },
  handleStreamRequest(request: StreamingRequest, callback: StreamRequestCallback): void {
    handleStream(request, callback);
  },
};

async function prepare(request: PrepareStreamRequest, callback: PrepareStreamCallback): Promise<void> {
  const talkbackPort = await freeUdpPortPair(bind.split(',')[0]);
  const session: Session = {
    address: request.targetAddress,
    talkbackPort,
    video: {
      port: request.video.port,
      ssrc: ssrc(),
      keySalt: Buffer.concat([request.video.srtp_key, request.video.srtp_salt]),
    },
    audio: {
      port: request.audio.port,
      ssrc: ssrc(),
      keySalt: Buffer.concat([request.audio.srtp_key, request.audio.srtp_salt]),
    },
  };
  sessions.set(request.sessionID, session);
  say(`PREPARE ${request.sessionID} ${request.targetAddress} ${request.video.port} ${request.audio.port}`);
  // The accessory encrypts with the controller's keys and says so (as HAP-NodeJS's own examples do).
  // The ports are ours (where the controller sends): audio takes talk-back; nobody sends us video.
  callback(undefined, {
    video: {
      port: talkbackPort + 2,
      ssrc: session.video.ssrc,
      srtp_key: request.video.srtp_key,
      srtp_salt: request.video.srtp_salt,
    },
    audio: {
      port: talkbackPort,
      ssrc: session.audio.ssrc,
      srtp_key: request.audio.srtp_key,
      srtp_salt: request.audio.srtp_salt,
    },
  });
}

/**
 * Talk-back: ffmpeg listens on our audio port for the controller's SRTP Opus (decrypted with the controller's
 * audio keys, as HomeKit has it) and writes 16 kHz mono s16le to HAP_TALKBACK_FILE.
 */
function startTalkback(session: Session, file: string): ChildProcess {
  const sdpFile = path.join(os.tmpdir(), `hap-talkback-${process.pid}-${session.talkbackPort}.sdp`);
  const host = bind.split(',')[0];
  writeFileSync(
    sdpFile,
    [
      'v=0',
      `o=- 0 0 IN IP4 ${host}`,
      's=talkback',
      `c=IN IP4 ${host}`,
      't=0 0',
      `m=audio ${session.talkbackPort} RTP/SAVP 110`,
      'a=rtpmap:110 opus/48000/2',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${session.audio.keySalt.toString('base64')}`,
      '',
    ].join('\r\n'),
  );
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-y',
    '-protocol_whitelist',
    'file,udp,rtp',
    '-i',
    sdpFile,
    '-f',
    's16le',
    '-ar',
    '16000',
    '-ac',
    '1',
    '-flush_packets',
    '1',
    file,
  ];
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ffmpegBin, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', () => rmSync(sdpFile, { force: true }));
  return child;
}

function handleStream(request: StreamingRequest, callback: StreamRequestCallback): void {
  const session = sessions.get(request.sessionID);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- hap-nodejs's StreamRequestTypes is an ambient const enum, which isolatedModules cannot reference
  if (request.type === 'start' && session) {
    const v = request.video;
    const a = request.audio;
    say(`START ${request.sessionID} ${v.width}x${v.height}@${v.fps} pt=${v.pt} audio=${a.codec}/${a.sample_rate}`);
    // prettier-ignore
    const srtp = (keySalt: Buffer, target: number, pkt: number): string[] => [
      '-f', 'rtp', '-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', keySalt.toString('base64'),
      `srtp://${session.address}:${target}?rtcpport=${target}&pkt_size=${pkt}`,
    ];
    // prettier-ignore
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostats',
      '-re', '-f', 'lavfi', '-i', `testsrc2=size=${v.width}x${v.height}:rate=${v.fps}`,
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
      '-map', '0:v', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency',
      '-g', String(v.fps), '-b:v', `${Math.max(300, v.max_bit_rate)}k`, '-an',
      '-payload_type', String(v.pt), '-ssrc', String(session.video.ssrc), ...srtp(session.video.keySalt, session.video.port, v.mtu),
      '-map', '1:a', '-vn', '-c:a', 'libopus', '-application', 'lowdelay', '-frame_duration', String(a.packet_time || 20), '-ar', '16000', '-ac', '1', '-b:a', '24k',
      '-payload_type', String(a.pt), '-ssrc', String(session.audio.ssrc), ...srtp(session.audio.keySalt, session.audio.port, 188),
    ];
    // setpriv: ffmpeg dies with us even when we are SIGKILLed (a test makes the camera vanish that way).
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ffmpegBin, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    session.ffmpeg = child;
    child.on('exit', (code) => say(`FFMPEG_EXIT ${request.sessionID} ${code}`));
    const talkbackFile = process.env.HAP_TALKBACK_FILE;
    if (talkbackFile) {
      session.talkback = startTalkback(session, talkbackFile);
      say(`TALKBACK_LISTEN ${session.talkbackPort}`);
    }
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- as above
  } else if (request.type === 'stop') {
    say(`STOP ${request.sessionID}`);
    session?.ffmpeg?.kill('SIGKILL');
    session?.talkback?.kill('SIGINT');
    sessions.delete(request.sessionID);
  }
  callback();
}

const accessory = new Accessory(env('HAP_NAME', 'ts2rtc test camera'), uuid.generate(`ts2rtc-hap-camera-${username}`));
const controller = new CameraController({
  cameraStreamCount: 2,
  delegate,
  streamingOptions: {
    supportedCryptoSuites: [0 /* AES_CM_128_HMAC_SHA1_80 */],
    video: {
      codec: { profiles: [0, 1, 2] /* baseline, main, high */, levels: [0, 1, 2] /* 3.1, 3.2, 4.0 */ },
      resolutions: [
        [640, 360, 25],
        [320, 240, 15],
      ],
    },
    audio: { codecs: [{ type: 'OPUS', samplerate: 16 }], twoWayAudio: true },
  },
});
accessory.configureController(controller);
accessory.on('paired' as never, () => say('PAIRED'));
accessory.on('unpaired' as never, () => say('UNPAIRED'));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const s of sessions.values()) {
      s.ffmpeg?.kill('SIGKILL');
      s.talkback?.kill('SIGKILL');
    }
    void accessory.unpublish().finally(() => process.exit(0));
  });
}

await accessory.publish({
  username,
  pincode: pin,
  category: 17 as never,
  port,
  bind: bind.split(','),
  advertiser: (process.env.HAP_ADVERTISER ?? 'ciao') as never,
});
// publish() resolves before the HAP server listens: READY only once a connection is accepted.
for (;;) {
  const accepted = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: bind.split(',')[0], port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (accepted) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
say(`READY ${port}`);
