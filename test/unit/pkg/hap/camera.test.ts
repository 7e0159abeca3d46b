import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTlv,
  encodeSelectedStream,
  encodeSetupEndpoints,
  parseSetupEndpointsResponse,
  parseStreamingStatus,
  parseSupportedAudio,
  parseSupportedVideo,
  profileLevelId,
  shortType,
  tlvGet,
} from '../../../../addon/src/pkg/hap/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/**
 * Values read from HAP-NodeJS 1.2.0's CameraController (test/peers/hap-camera.peer.ts: H264 baseline/main/high,
 * levels 3.1/3.2/4.0, 640x360@25 and 320x240@15, Opus 16 kHz) over GET /accessories, and its answer to the
 * SetupEndpoints request below.
 */
const SUPPORTED_VIDEO = b64('AT4BAQACHQEBAAAAAQEBAAABAQICAQAAAAIBAQAAAgECAwEAAwsBAoACAgJoAQMBGQAAAwsBAkABAgLwAAMBDw==');
const SUPPORTED_AUDIO = b64('AQ4BAQMCCQEBAQIBAAMBAQIBAA==');
const STREAMING_STATUS = b64('AQEA');
const SETUP_REQUEST = hex(
  '0110 11111111111111111111111111111111' +
    '0316 010100 0209 3132372e302e302e31 030250c3 040252c3' +
    '0425 010100 0210 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 030e bbbbbbbbbbbbbbbbbbbbbbbbbbbb' +
    '0525 010100 0210 cccccccccccccccccccccccccccccccc 030e dddddddddddddddddddddddddddd',
);
const SETUP_RESPONSE = hex(
  '0110 11111111111111111111111111111111 020100' +
    '0316 010100 0209 3132372e302e302e31 030250c3 040252c3' +
    '0425 010100 0210 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 030e bbbbbbbbbbbbbbbbbbbbbbbbbbbb' +
    '0525 010100 0210 cccccccccccccccccccccccccccccccc 030e dddddddddddddddddddddddddddd' +
    '0604 b5486901 0704 4f69d805',
);

describe('pkg/hap camera TLVs', () => {
  it("reads HAP-NodeJS's supported video configuration (lists with type-0 separators)", () => {
    assert.deepEqual(parseSupportedVideo(SUPPORTED_VIDEO), [
      {
        codecType: 0,
        profiles: [0, 1, 2],
        levels: [0, 1, 2],
        resolutions: [
          { width: 640, height: 360, fps: 25 },
          { width: 320, height: 240, fps: 15 },
        ],
      },
    ]);
  });

  it('reads the supported audio configuration and the streaming status', () => {
    assert.deepEqual(parseSupportedAudio(SUPPORTED_AUDIO), {
      codecs: [{ codecType: 3, channels: 1, bitrateMode: 0, sampleRates: [1] }],
      comfortNoise: false,
    });
    assert.equal(parseStreamingStatus(STREAMING_STATUS), 0);
  });

  it('writes SetupEndpoints byte for byte', () => {
    const bytes = encodeSetupEndpoints({
      sessionId: Buffer.alloc(16, 0x11),
      address: '127.0.0.1',
      ipv6: false,
      videoPort: 50000,
      audioPort: 50002,
      video: { suite: 0, masterKey: Buffer.alloc(16, 0xaa), masterSalt: Buffer.alloc(14, 0xbb) },
      audio: { suite: 0, masterKey: Buffer.alloc(16, 0xcc), masterSalt: Buffer.alloc(14, 0xdd) },
    });
    assert.deepEqual(bytes, SETUP_REQUEST);
  });

  it("reads the camera's SetupEndpoints answer", () => {
    const response = parseSetupEndpointsResponse(SETUP_RESPONSE);
    assert.equal(response.status, 0);
    assert.equal(response.address, '127.0.0.1');
    assert.equal(response.videoPort, 50000);
    assert.equal(response.audioPort, 50002);
    assert.deepEqual(response.video, {
      suite: 0,
      masterKey: Buffer.alloc(16, 0xaa),
      masterSalt: Buffer.alloc(14, 0xbb),
    });
    assert.equal(response.videoSsrc, 0x016948b5);
    assert.equal(response.audioSsrc, 0x05d8694f);
    assert.deepEqual(response.sessionId, Buffer.alloc(16, 0x11));
  });

  it('writes SelectedRTPStreamConfiguration start and end commands byte for byte', () => {
    const sessionId = Buffer.alloc(16, 0x22);
    const start = encodeSelectedStream(
      sessionId,
      'start',
      {
        profile: 2,
        level: 2,
        resolution: { width: 1280, height: 720, fps: 30 },
        rtp: { payloadType: 99, ssrc: 0x01020304, maxBitrate: 2000, rtcpInterval: 0.5, maxMtu: 1378 },
      },
      {
        codecType: 3,
        channels: 1,
        bitrateMode: 0,
        sampleRate: 1,
        packetTime: 20,
        rtp: { payloadType: 110, ssrc: 5, maxBitrate: 24, rtcpInterval: 5, comfortNoisePayloadType: 13 },
        comfortNoise: false,
      },
    );
    assert.deepEqual(
      start,
      hex(
        '0115 0110 22222222222222222222222222222222 020101' +
          '0234 010100 0209 010102 020102 030100 030b 0102 0005 0202 d002 03011e' +
          '0417 010163 020404030201 0302d007 04040000003f 0502 6205' +
          '032c 010103 020c 010101 020100 030101 040114 0316 01016e 020405000000 03021800 0404 0000a040 06010d 040100',
      ),
    );
    assert.deepEqual(encodeSelectedStream(sessionId, 'end'), hex('0115 0110 22222222222222222222222222222222 020100'));
    assert.deepEqual(tlvGet(decodeTlv(tlvGet(decodeTlv(start), 1)!), 2), hex('01'));
  });

  it('short characteristic types and profile-level-ids', () => {
    assert.equal(shortType('00000114-0000-1000-8000-0026BB765291'), '114');
    assert.equal(shortType('0000003E-0000-1000-8000-0026BB765291'), '3E');
    assert.equal(shortType('a2'), 'A2');
    assert.equal(profileLevelId(0, 0), '42e01f');
    assert.equal(profileLevelId(2, 2), '640028');
  });
});
