import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A TCP proxy on loopback: what Swarm's routing mesh is to the consumer, and a counter of connections. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Backends taken out after a connection to them failed. */
  removed(): number[];
  /** Closes the listener and every connection still open. */
  close(): Promise<void>;
}

/**
 * Hands each new connection to the next of `backendPorts` in turn, as Swarm's routing mesh does; a
 * backend that refuses a connection is taken out (that connection fails, as one poll would in a swarm).
 */
export async function startTcpProxy(backendPorts: readonly number[]): Promise<TcpProxy> {
  const live = [...backendPorts];
  const removed: number[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    track(client);
    const port = live[(accepted - 1) % Math.max(live.length, 1)];
    if (port === undefined) {
      client.destroy();
      return;
    }
    const backend = track(connect(port, '127.0.0.1'));
    let connected = false;
    backend.once('connect', () => (connected = true));
    backend.once('error', () => {
      if (!connected && live.includes(port)) {
        live.splice(live.indexOf(port), 1);
        removed.push(port);
      }
    });
    for (const [from, to] of [
      [client, backend],
      [backend, client],
    ] as const) {
      from.once('close', () => to.destroy());
      from.pipe(to);
    }
  });
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    return socket;
  };
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => accepted,
    removed: () => [...removed],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
