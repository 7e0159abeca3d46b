import { connect, createServer, type Socket } from 'node:net';

/** Both ends of one loopback TCP connection in this process, for unit tests of socket code (no peer process). */
export async function tcpSocketPair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const client = connect({ host: '127.0.0.1', port: address.port });
  const server = await accepted;
  return {
    server,
    client,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}
