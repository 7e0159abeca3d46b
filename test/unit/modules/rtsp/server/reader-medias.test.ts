import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Media } from '../../../../../addon/src/core/media.js';
import { backchannelMedia, readerMedias } from '../../../../../addon/src/modules/rtsp/server/reader-medias.js';

/** What an RTSP reader's `?video&audio` query asks the hub for (go2rtc's names). */

const names = (medias: readonly Media[]): string[] =>
  medias.map((m) => `${m.kind}:${m.direction}:${m.codecs.map((c) => c.name).join(',')}`);

describe('RTSP reader query', () => {
  it('asks for any codec the server can packetize when a key has none, or copy', () => {
    assert.deepEqual(names(readerMedias(new URLSearchParams('video&audio=copy'))), [
      'video:sendonly:H264,H265,JPEG',
      'audio:sendonly:AAC,OPUS,PCMU,PCMA,PCM,G722',
    ]);
  });

  it('keeps the codecs a key names, one media per key', () => {
    assert.deepEqual(names(readerMedias(new URLSearchParams('video=h264,h265&audio=opus&audio=pcmu'))), [
      'video:sendonly:H264,H265',
      'audio:sendonly:OPUS',
      'audio:sendonly:PCMU',
    ]);
  });

  it('`all` asks for a few more tracks of that kind, `mp4` for what an MP4 holds', () => {
    assert.deepEqual(names(readerMedias(new URLSearchParams('audio=all'))), [
      'audio:sendonly:AAC,OPUS,PCMU,PCMA,PCM,G722',
      'audio:sendonly:AAC,OPUS,PCMU,PCMA,PCM,G722',
      'audio:sendonly:AAC,OPUS,PCMU,PCMA,PCM,G722',
      'audio:sendonly:AAC,OPUS,PCMU,PCMA,PCM,G722',
    ]);
    assert.deepEqual(names(readerMedias(new URLSearchParams('mp4&video=jpeg'))), [
      'video:sendonly:H264,H265',
      'audio:sendonly:AAC',
    ]);
  });

  it('leaves out what a reader would send (microphone) and keys it does not know', () => {
    assert.deepEqual(names(readerMedias(new URLSearchParams('microphone=opus&pkt_size=500'))), []);
  });

  it('the ONVIF backchannel is audio the reader sends, in any codec, a fresh media each time', () => {
    assert.deepEqual(names([backchannelMedia()]), ['audio:recvonly:ANY']);
    assert.notEqual(backchannelMedia(), backchannelMedia());
  });
});
