import { BoxWriter } from './box-writer.js';
import { Mp4Error } from './errors.js';
import { writeAudioEntry, writeVideoEntry } from './muxer-sample-entry.js';
import type { InitOptions, MuxerTrack } from './muxer-types.js';

/** Track IDs are the 1-based position in the list the init segment was built from. */
export function trackId(index: number): number {
  return index + 1;
}

/**
 * The initialization segment of a fragmented MP4: `ftyp` + `moov` with empty sample tables and an `mvex`
 * announcing that every sample comes in movie fragments (ISO/IEC 14496-12 8.8; MSE "ISO BMFF byte stream").
 */
export function buildInitSegment(tracks: readonly MuxerTrack[], options: InitOptions = {}): Buffer {
  if (tracks.length === 0) throw new Mp4Error('MP4_MUX_INPUT', 'an init segment needs at least one track');
  const rotate = options.rotate ?? 0;
  if (rotate !== 0 && rotate !== 90 && rotate !== 180 && rotate !== 270) {
    throw new Mp4Error('MP4_MUX_INPUT', `rotate ${rotate}: only 0, 90, 180 and 270 degrees`);
  }
  for (const v of [options.scaleX, options.scaleY]) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 0xffffffff)) {
      throw new Mp4Error('MP4_MUX_INPUT', `scale ${v}: a positive integer`);
    }
  }
  const w = new BoxWriter(1024);
  // iso5/iso6: the brands that allow tfdt and default-base-is-moof; mp41 for older players.
  w.start('ftyp').ascii('iso5').u32(512).ascii('iso5').ascii('iso6').ascii('mp41').end();
  w.start('moov');
  writeMvhd(w, tracks.length + 1);
  tracks.forEach((track, index) => writeTrak(w, track, trackId(index), options));
  w.start('mvex');
  tracks.forEach((_, index) => {
    // trex defaults are never used: every fragment states its own durations, sizes and flags.
    w.startFull('trex', 0, 0).u32(trackId(index)).u32(1).u32(0).u32(0).u32(0).end();
  });
  w.end(); // mvex
  w.end(); // moov
  return w.finish();
}

function writeMvhd(w: BoxWriter, nextTrackId: number): void {
  w.startFull('mvhd', 0, 0);
  w.u32(0).u32(0); // creation, modification time
  w.u32(1000).u32(0); // timescale, duration (unknown: live)
  w.fixed32(1).fixed16(1); // rate, volume
  w.zeros(10); // reserved
  w.matrix(1, 0, 0, 1);
  w.zeros(24); // pre_defined
  w.u32(nextTrackId);
  w.end();
}

/** The tkhd matrix for a clockwise display rotation, as go2rtc writes it (no translation). */
function rotation(degrees: number): [number, number, number, number] {
  switch (degrees) {
    case 90:
      return [0, 1, -1, 0];
    case 180:
      return [-1, 0, 0, -1];
    case 270:
      return [0, -1, 1, 0];
    default:
      return [1, 0, 0, 1];
  }
}

function writeTrak(w: BoxWriter, track: MuxerTrack, id: number, options: InitOptions): void {
  const video = track.kind === 'video';
  if (!Number.isInteger(track.timescale) || track.timescale < 1 || track.timescale > 0xffffffff) {
    throw new Mp4Error('MP4_MUX_INPUT', `track ${id}: timescale ${track.timescale}`);
  }
  w.start('trak');
  w.startFull('tkhd', 0, 0x000003); // enabled, in movie
  w.u32(0).u32(0).u32(id).u32(0).u32(0); // creation, modification, track_ID, reserved, duration
  w.zeros(8); // reserved
  w.u16(0); // layer
  w.u16(video ? 0 : 1); // alternate_group
  w.fixed16(video ? 0 : 1); // volume
  w.u16(0); // reserved
  const [a, b, c, d] = video ? rotation(options.rotate ?? 0) : rotation(0);
  w.matrix(a, b, c, d);
  w.fixed32(video ? track.width : 0).fixed32(video ? track.height : 0);
  w.end(); // tkhd

  w.start('mdia');
  w.startFull('mdhd', 0, 0);
  w.u32(0).u32(0).u32(track.timescale).u32(0);
  w.u16(0x55c4).u16(0); // language "und", pre_defined
  w.end();
  w.startFull('hdlr', 0, 0);
  w.u32(0)
    .ascii(video ? 'vide' : 'soun')
    .zeros(12);
  w.ascii(video ? 'VideoHandler' : 'SoundHandler').u8(0);
  w.end();

  w.start('minf');
  if (video) w.startFull('vmhd', 0, 1).zeros(8).end();
  else w.startFull('smhd', 0, 0).zeros(4).end();
  w.start('dinf').startFull('dref', 0, 0).u32(1).startFull('url ', 0, 1).end().end().end();
  w.start('stbl');
  w.startFull('stsd', 0, 0).u32(1);
  if (track.kind === 'video') writeVideoEntry(w, track, options);
  else writeAudioEntry(w, track);
  w.end(); // stsd
  w.startFull('stts', 0, 0).u32(0).end();
  w.startFull('stsc', 0, 0).u32(0).end();
  w.startFull('stsz', 0, 0).u32(0).u32(0).end();
  w.startFull('stco', 0, 0).u32(0).end();
  w.end(); // stbl
  w.end(); // minf
  w.end(); // mdia
  w.end(); // trak
}
