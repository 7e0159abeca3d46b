/**
 * A minimal ISO BMFF walker for the muxer tests: finds boxes by path and reads their bodies, independent
 * of the demuxer (which refuses fragmented files) and of the muxer's own writer.
 */
export interface WalkedBox {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** The body: after the 8-byte header. */
  readonly body: Buffer;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'dinf', 'stbl', 'mvex', 'moof', 'traf']);

export function children(buf: Buffer, start = 0, end = buf.length): WalkedBox[] {
  const out: WalkedBox[] = [];
  let pos = start;
  while (pos + 8 <= end) {
    const size = buf.readUInt32BE(pos);
    if (size < 8 || pos + size > end) throw new Error(`bad box size ${size} at ${pos}`);
    out.push({
      type: buf.toString('latin1', pos + 4, pos + 8),
      start: pos,
      end: pos + size,
      body: buf.subarray(pos + 8, pos + size),
    });
    pos += size;
  }
  if (pos !== end) throw new Error(`${end - pos} stray bytes at ${pos}`);
  return out;
}

/** Every box of a path like `moov/trak/mdia/mdhd`, descending into known containers (and stsd entries). */
export function find(buf: Buffer, path: string): WalkedBox[] {
  const parts = path.split('/');
  let level: WalkedBox[] = children(buf);
  for (let i = 0; i < parts.length; i++) {
    const matches = level.filter((b) => b.type === parts[i]);
    if (i === parts.length - 1) return matches;
    level = matches.flatMap((b) => {
      if (CONTAINERS.has(b.type)) return children(buf, b.start + 8, b.end);
      if (b.type === 'stsd') return children(buf, b.start + 16, b.end); // FullBox + entry_count
      return [];
    });
  }
  return [];
}

export function one(buf: Buffer, path: string, index = 0): WalkedBox {
  const box = find(buf, path)[index];
  if (!box) throw new Error(`no box ${path}[${index}]`);
  return box;
}

/** The children of a sample entry (after its fixed fields: 78 bytes for visual, 28 for audio). */
export function entryChildren(buf: Buffer, entry: WalkedBox, fixed: number): WalkedBox[] {
  return children(buf, entry.start + 8 + fixed, entry.end);
}
