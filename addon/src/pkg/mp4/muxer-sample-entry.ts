import type { BoxWriter } from './box-writer.js';
import { Mp4Error } from './errors.js';
import type { InitOptions, MuxerAudioTrack, MuxerVideoTrack } from './muxer-types.js';

/**
 * Sample entries (the `stsd` children) for the codecs browsers play from fMP4. Layouts from ISO/IEC 14496-12
 * 12.1.3 / 12.2.3, 14496-15 (avcC, hvcC), 14496-14 (esds), "Encapsulation of Opus in ISOBMFF" (dOps) and
 * "Encapsulation of FLAC in ISOBMFF" (dfLa).
 */
export function writeVideoEntry(w: BoxWriter, track: MuxerVideoTrack, options: InitOptions): void {
  if (track.width > 0xffff || track.height > 0xffff) {
    throw new Mp4Error('MP4_MUX_INPUT', `video size ${track.width}x${track.height} does not fit a sample entry`);
  }
  // hev1 rather than hvc1: the hub's H265 frames repeat VPS/SPS/PPS in-band on key frames, which hvc1
  // forbids. (Chrome plays both; the MIME string stays `hvc1.…`, the value players test for.)
  w.start(track.codec === 'H264' ? 'avc1' : 'hev1');
  w.zeros(6).u16(1); // reserved, data_reference_index
  w.zeros(16); // pre_defined, reserved, pre_defined[3]
  w.u16(track.width).u16(track.height);
  w.fixed32(72).fixed32(72); // 72 dpi
  w.u32(0).u16(1); // reserved, frame_count
  w.zeros(32); // compressorname
  w.u16(0x0018).i16(-1); // depth, pre_defined
  w.start(track.codec === 'H264' ? 'avcC' : 'hvcC')
    .bytes(track.config)
    .end();
  // Always present so `scale` (go2rtc's pixel aspect ratio trick) has a place to live.
  const scaleX = options.scaleX ?? 1;
  const scaleY = options.scaleY ?? 1;
  w.start('pasp').u32(scaleX).u32(scaleY).end();
  w.end();
}

export function writeAudioEntry(w: BoxWriter, track: MuxerAudioTrack): void {
  const type = track.codec === 'AAC' ? 'mp4a' : track.codec === 'OPUS' ? 'Opus' : 'fLaC';
  const channels = track.channels > 0 ? track.channels : 1;
  w.start(type);
  w.zeros(6).u16(1); // reserved, data_reference_index
  w.zeros(8); // reserved
  w.u16(channels).u16(16); // channelcount, samplesize
  w.u16(0).u16(0); // pre_defined, reserved
  // 16.16 in a 32-bit field: rates above 65535 cannot be written; the codec box carries the real rate.
  w.u32(track.sampleRate <= 0xffff ? track.sampleRate * 65536 : 0);
  switch (track.codec) {
    case 'AAC':
      writeEsds(w, requireConfig(track, 'AudioSpecificConfig'));
      break;
    case 'OPUS':
      writeDops(w, track, channels);
      break;
    case 'FLAC':
      writeDfla(w, requireConfig(track, 'STREAMINFO'));
      break;
  }
  w.end();
}

function requireConfig(track: MuxerAudioTrack, what: string): Buffer {
  if (!track.config || track.config.length === 0)
    throw new Mp4Error('MP4_MUX_INPUT', `${track.codec} track without ${what}`);
  return track.config;
}

/** MPEG-4 descriptor length: 7 bits per byte, high bit = more follows (14496-1 8.3.3). */
function descriptorLength(w: BoxWriter, length: number): void {
  if (length >= 1 << 28) throw new Mp4Error('MP4_MUX_INPUT', `descriptor of ${length} bytes`);
  const bytes: number[] = [];
  let rest = length;
  do {
    bytes.unshift(rest & 0x7f);
    rest >>>= 7;
  } while (rest > 0);
  bytes.forEach((b, i) => w.u8(i < bytes.length - 1 ? b | 0x80 : b));
}

function descriptorHeaderSize(length: number): number {
  let n = 1;
  while (length >= 1 << (7 * n)) n++;
  return 1 + n;
}

function writeEsds(w: BoxWriter, asc: Buffer): void {
  const decSpecific = asc.length;
  const decConfig = 13 + descriptorHeaderSize(decSpecific) + decSpecific;
  const slConfig = 1;
  const es = 3 + descriptorHeaderSize(decConfig) + decConfig + descriptorHeaderSize(slConfig) + slConfig;
  w.startFull('esds', 0, 0);
  w.u8(0x03);
  descriptorLength(w, es);
  w.u16(0).u8(0); // ES_ID (0: "assigned by the system"), flags
  w.u8(0x04);
  descriptorLength(w, decConfig);
  w.u8(0x40); // objectTypeIndication: MPEG-4 Audio
  w.u8(0x15); // streamType 5 (audio) << 2 | upStream 0 | reserved 1
  w.u24(0).u32(0).u32(0); // bufferSizeDB, maxBitrate, avgBitrate: unknown for a live source
  w.u8(0x05);
  descriptorLength(w, decSpecific);
  w.bytes(asc);
  w.u8(0x06);
  descriptorLength(w, slConfig);
  w.u8(0x02); // predefined: reserved for use in MP4 files
  w.end();
}

function writeDops(w: BoxWriter, track: MuxerAudioTrack, channels: number): void {
  if (channels > 2) {
    // Family 0 covers mono and stereo; more needs a channel mapping table, which RTP Opus never carries.
    throw new Mp4Error('MP4_MUX_INPUT', `Opus with ${channels} channels needs a channel mapping table`);
  }
  w.start('dOps');
  w.u8(0); // Version
  w.u8(channels);
  w.u16(track.opusPreSkip ?? 0);
  w.u32(track.sampleRate); // InputSampleRate: informational
  w.i16(0); // OutputGain
  w.u8(0); // ChannelMappingFamily
  w.end();
}

function writeDfla(w: BoxWriter, streamInfo: Buffer): void {
  if (streamInfo.length !== 34)
    throw new Mp4Error('MP4_MUX_INPUT', `FLAC STREAMINFO of ${streamInfo.length} bytes, expected 34`);
  w.startFull('dfLa', 0, 0);
  w.u8(0x80); // last-metadata-block flag, block type 0 (STREAMINFO)
  w.u24(34);
  w.bytes(streamInfo);
  w.end();
}
