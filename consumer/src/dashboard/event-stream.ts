import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';

export interface EventStreamOptions {
  /** The event a client gets as soon as it connects, so the page never waits for the next poll. */
  initialEvent: () => { event: string; data: unknown };
  /** More clients are turned away with 503: each one holds a socket open for as long as it watches. */
  maxClients: number;
  /** A comment line this often keeps proxies and browsers from dropping a quiet stream. */
  heartbeatMs: number;
  /** A client that reads slower than events come is dropped once this much waits for it. */
  maxBufferedBytes?: number;
  /** How long a browser waits before it reconnects after the stream ends. */
  retryMs?: number;
}

export interface EventStream {
  /** The `GET /events` route. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  broadcast(event: string, data: unknown): void;
  readonly clientCount: number;
  /** Ends every stream and refuses new ones: an open stream would otherwise hold the server's shutdown. */
  close(): void;
}

/** Server-Sent Events (text/event-stream) to any number of browsers, up to `maxClients`. */
export function createEventStream({
  initialEvent,
  maxClients,
  heartbeatMs,
  maxBufferedBytes = 256 * 1024,
  retryMs = 2000,
}: EventStreamOptions): EventStream {
  const clients = new Set<ServerResponse>();
  let closed = false;

  const send = (response: ServerResponse, chunk: string) => {
    if (response.writableLength > maxBufferedBytes) {
      response.destroy();
      return;
    }
    response.write(chunk);
  };

  const heartbeat = setInterval(() => {
    for (const client of clients) send(client, ': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  return {
    handle(request, response) {
      if (closed || clients.size >= maxClients) {
        const message = closed
          ? 'The consumer is shutting down'
          : `Too many live dashboards open (${maxClients}); close one or try again later`;
        const body = JSON.stringify(errorBody(503, closed ? 'shutting_down' : 'too_many_clients', message));
        response.writeHead(503, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(body),
          'Cache-Control': 'no-store',
          'Retry-After': '10',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
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
      clients.add(response);
      response.once('close', () => clients.delete(response));
      const { event, data } = initialEvent();
      send(response, `retry: ${retryMs}\n${formatEvent(event, data)}`);
    },

    broadcast(event, data) {
      if (clients.size === 0) return;
      const chunk = formatEvent(event, data);
      for (const client of clients) send(client, chunk);
    },

    get clientCount() {
      return clients.size;
    },

    close() {
      closed = true;
      clearInterval(heartbeat);
      for (const client of clients) client.end();
      clients.clear();
    },
  };
}

/** JSON.stringify escapes line breaks, so the data always fits on the one `data:` line SSE needs. */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
