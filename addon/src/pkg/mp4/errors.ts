/**
 * Why a file could not be read. Stable strings: callers and tests match on them, the API
 * may show them.
 * - MP4_TRUNCATED: a box, table or sample reaches past the end of the data.
 * - MP4_BAD_BOX: a box header or a fixed-layout box body is malformed.
 * - MP4_BAD_TABLE: the sample tables disagree with each other (counts, chunk map, times).
 * - MP4_NO_MOOV: no movie box, so there is nothing to play.
 * - MP4_FRAGMENTED: a fragmented MP4 (moov/mvex + moof); this demuxer reads plain files only.
 * - MP4_LIMIT: a count or size is above the cap that keeps a hostile file cheap to reject.
 * - MP4_MUX_INPUT: the muxer was given something it cannot write (unknown codec, missing decoder
 *   configuration, a value that does not fit its field, a box writer used out of order).
 */
export type Mp4ErrorCode =
  'MP4_TRUNCATED' | 'MP4_BAD_BOX' | 'MP4_BAD_TABLE' | 'MP4_NO_MOOV' | 'MP4_FRAGMENTED' | 'MP4_LIMIT' | 'MP4_MUX_INPUT';

export class Mp4Error extends Error {
  override readonly name = 'Mp4Error';

  constructor(
    readonly code: Mp4ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
