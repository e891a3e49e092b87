import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';

export interface EventStreamOptions {
  /** The event a client gets as soon as it connects, so the page never waits for the next poll. */
  initialEvent: () => { event: string; data: unknown };
  /** More clients are turned away with 503: each one holds a socket open for as long as it watches. */
  maxClients: number;
  /** Clients from one address beyond this are turned away with 503, so that one host cannot take every slot. */
  maxClientsPerAddress: number;
  /**
   * A comment line this often keeps proxies and browsers from dropping a quiet stream. A client whose
   * socket has data waiting that it has not taken by the next heartbeat is dropped: it stopped reading,
   * or vanished without closing its connection.
   */
  heartbeatMs: number;
  /** A client that reads slower than events come is dropped at once when this much waits for it. */
  maxBufferedBytes?: number;
  /** How long a browser waits before it reconnects after the stream ends. */
  retryMs?: number;
  /** Calls `beat` every `ms` until the function it returns is called; a repeating timer by default. */
  repeat?: (beat: () => void, ms: number) => () => void;
}

function everyInterval(beat: () => void, ms: number): () => void {
  const timer = setInterval(beat, ms);
  // The heartbeat alone never keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}

export interface EventStream {
  /** The `GET /events` route. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  broadcast(event: string, data: unknown): void;
  readonly clientCount: number;
  /** Ends every stream and refuses new ones: an open stream would otherwise hold the server's shutdown. */
  close(): void;
}

interface Client {
  /** The heartbeat count when a write found the socket full; undefined once it has drained. */
  fullSince: number | undefined;
}

/** Server-Sent Events (text/event-stream) to any number of browsers, up to `maxClients`. */
export function createEventStream({
  initialEvent,
  maxClients,
  maxClientsPerAddress,
  heartbeatMs,
  maxBufferedBytes = 256 * 1024,
  retryMs = 2000,
  repeat = everyInterval,
}: EventStreamOptions): EventStream {
  const clients = new Map<ServerResponse, Client>();
  const perAddress = new Map<string, number>();
  let beats = 0;
  let closed = false;

  const send = (response: ServerResponse, client: Client, chunk: string) => {
    if (response.writableLength > maxBufferedBytes) {
      response.destroy();
      return;
    }
    if (!response.write(chunk) && client.fullSince === undefined) {
      client.fullSince = beats;
      response.once('drain', () => (client.fullSince = undefined));
    }
  };

  const stopHeartbeat = repeat(() => {
    for (const [response, client] of clients) {
      // Full since before the last heartbeat: a whole period without taking anything.
      if (client.fullSince !== undefined && client.fullSince < beats) response.destroy();
      else send(response, client, ': heartbeat\n\n');
    }
    beats++;
  }, heartbeatMs);

  const refuse = (request: IncomingMessage, response: ServerResponse, code: string, message: string) => {
    const body = JSON.stringify(errorBody(503, code, message));
    response.writeHead(503, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'Retry-After': '10',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };

  return {
    handle(request, response) {
      const address = request.socket.remoteAddress ?? 'unknown';
      if (closed) {
        refuse(request, response, 'shutting_down', 'The consumer is shutting down');
        return;
      }
      if (clients.size >= maxClients) {
        refuse(
          request,
          response,
          'too_many_clients',
          `Too many live dashboards open (${maxClients}); close one or try again later`,
        );
        return;
      }
      if ((perAddress.get(address) ?? 0) >= maxClientsPerAddress) {
        refuse(
          request,
          response,
          'too_many_clients_from_address',
          `Too many live dashboards open from ${address} (${maxClientsPerAddress}); close one or try again later`,
        );
        return;
      }
      response.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // Tells nginx-like proxies not to hold events back in a buffer.
        'X-Accel-Buffering': 'no',
      });
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      const client: Client = { fullSince: undefined };
      clients.set(response, client);
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      response.once('close', () => {
        clients.delete(response);
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      const { event, data } = initialEvent();
      send(response, client, `retry: ${retryMs}\n${formatEvent(event, data)}`);
    },

    broadcast(event, data) {
      if (clients.size === 0) return;
      const chunk = formatEvent(event, data);
      for (const [response, client] of clients) send(response, client, chunk);
    },

    get clientCount() {
      return clients.size;
    },

    close() {
      closed = true;
      stopHeartbeat();
      for (const response of clients.keys()) response.end();
      clients.clear();
      perAddress.clear();
    },
  };
}

/** JSON.stringify escapes line breaks, so the data always fits on the one `data:` line SSE needs. */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
