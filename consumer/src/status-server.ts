import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';
import type { PollStatsSnapshot } from './poll-stats';

export interface StatusServerOptions {
  stats: () => PollStatsSnapshot;
  /** True while the poll loop keeps ticking. */
  isAlive: () => boolean;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Health and statistics of the consumer, on its own port; plain node:http keeps it light. */
export function createStatusServer({ stats, isAlive }: StatusServerOptions): Server {
  const routes: Record<string, Handler> = {
    '/healthz': (_request, response) => {
      const alive = isAlive();
      sendJson(response, alive ? 200 : 503, { status: alive ? 'ok' : 'poll loop stalled' });
    },
    '/stats': (_request, response) => sendJson(response, 200, stats()),
  };

  return createServer((request, response) => {
    // Plain string work: `new URL()` throws on targets like `//[`, and one such request would crash
    // the consumer.
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const handler = routes[path];
    if (!handler) {
      sendJson(response, 404, errorBody(404, 'not_found', `No such path: ${path}. Try GET /stats or GET /healthz`));
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendJson(
        response,
        405,
        errorBody(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`),
      );
    } else {
      handler(request, response);
    }
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(response.req.method === 'HEAD' ? undefined : json);
}
