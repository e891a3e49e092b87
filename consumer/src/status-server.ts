import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';
import type { PollStatsSnapshot } from './poll-history';

export interface StatusServerOptions {
  stats: () => PollStatsSnapshot;
  /** True while the poll loop keeps ticking. */
  isAlive: () => boolean;
  /** Prometheus text exposition (a prom-client Registry fits). */
  metrics?: { metrics(): Promise<string>; readonly contentType: string } | undefined;
  /** More GET routes, e.g. the dashboard's. */
  routes?: Record<string, Handler>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Health, statistics, metrics and dashboard of the consumer, on its own port; plain node:http keeps it light. */
export function createStatusServer({ stats, isAlive, metrics, routes: moreRoutes = {} }: StatusServerOptions): Server {
  const routes: Record<string, Handler> = {
    '/healthz': (_request, response) => {
      const alive = isAlive();
      sendJson(response, alive ? 200 : 503, { status: alive ? 'ok' : 'poll loop stalled' });
    },
    '/stats': (_request, response) => sendJson(response, 200, stats()),
    ...(metrics && {
      '/metrics': (_request, response) => {
        metrics.metrics().then(
          (text) => sendText(response, 200, metrics.contentType, text),
          (error: unknown) =>
            sendJson(response, 500, errorBody(500, 'internal_error', `Cannot collect metrics: ${String(error)}`)),
        );
      },
    }),
    ...moreRoutes,
  };
  // Only the paths this server answers: a consumer without metrics does not suggest GET /metrics.
  const suggestions = [
    ...(Object.hasOwn(routes, '/') ? ['GET / (dashboard)'] : []),
    'GET /stats',
    ...(Object.hasOwn(routes, '/metrics') ? ['GET /metrics'] : []),
    'GET /healthz',
  ];
  const tryThese = `${suggestions.slice(0, -1).join(', ')} or ${suggestions.at(-1) ?? ''}`;

  return createServer((request, response) => {
    // Plain string work: `new URL()` throws on targets like `//[`, and one such request would crash
    // the consumer.
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    // Own keys only: "/constructor" is not a route.
    const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!handler) {
      sendJson(response, 404, errorBody(404, 'not_found', `No such path: ${path}. Try ${tryThese}`));
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
  sendText(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, contentType: string, text: string): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
