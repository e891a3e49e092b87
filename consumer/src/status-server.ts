import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';
import type { PollStatsSnapshot } from './poll-stats';

export interface StatusServerOptions {
  stats: () => PollStatsSnapshot;
  /** True while the poll loop keeps ticking. */
  isAlive: () => boolean;
  /** More GET routes, e.g. the dashboard's. */
  routes?: Record<string, Handler>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Health, statistics and dashboard of the consumer, on its own port; plain node:http keeps it light. */
export function createStatusServer({ stats, isAlive, routes: moreRoutes = {} }: StatusServerOptions): Server {
  const routes: Record<string, Handler> = {
    '/healthz': (_request, response) => {
      const alive = isAlive();
      sendJson(response, alive ? 200 : 503, { status: alive ? 'ok' : 'poll loop stalled' });
    },
    '/stats': (_request, response) => sendJson(response, 200, stats()),
    ...moreRoutes,
  };

  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://status').pathname;
    const handler = routes[path];
    if (!handler) {
      sendJson(
        response,
        404,
        errorBody(404, 'not_found', `No such path: ${path}. Try GET / (dashboard), GET /stats or GET /healthz`),
      );
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
