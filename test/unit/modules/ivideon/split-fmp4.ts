/** Top-level boxes: [init (ftyp+moov), fragment (moof+mdat)...]. */
export function splitFmp4(buf: Buffer): { init: Buffer; fragments: Buffer[] } {
  const boxes: Array<{ type: string; data: Buffer }> = [];
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at);
    boxes.push({ type: buf.toString('latin1', at + 4, at + 8), data: buf.subarray(at, at + size) });
    at += size;
  }
  const init = Buffer.concat(boxes.filter((b) => b.type === 'ftyp' || b.type === 'moov').map((b) => b.data));
  const fragments: Buffer[] = [];
  boxes.forEach((b, i) => {
    const next = boxes[i + 1];
    if (b.type === 'moof' && next?.type === 'mdat') fragments.push(Buffer.concat([b.data, next.data]));
  });
  return { init, fragments };
}
