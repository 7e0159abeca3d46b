/**
 * TCP connections for the benches' consumers that read into one buffer per connection (`net` `onread`), not a
 * new Buffer per read. 50 consumers take in ~25 MB/s: with a Buffer per read the bench process ran a
 * mark-compact every ~1 s, stalling it, and the server on the other core, for 4-8 ms, and the latency tail
 * measured that as the server's. `onData` gets a view into that buffer, valid until it returns: whatever a
 * consumer keeps it copies.
 */
import { connect, type Socket } from 'node:net';

const READ_BUFFER = 64 * 1024;

export function connectReading(host: string, port: number, onData: (chunk: Buffer) => void): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER);
  const callback = (n: number): boolean => {
    onData(buffer.subarray(0, n));
    return true;
  };
  return connect({ host, port, onread: { buffer, callback } });
}
