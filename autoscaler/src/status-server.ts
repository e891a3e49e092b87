import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { errorBody } from '@fogpair/shared';
import type { AutoscalerStatus } from './autoscaler';

export interface StatusServerOptions {
  status: () => AutoscalerStatus;
  /** True while evaluations keep coming. */
  isAlive: () => boolean;
  /** Prometheus text exposition (a prom-client Registry fits). */
  metrics: { metrics(): Promise<string>; readonly contentType: string };
}

/** /healthz, /status and /metrics of the autoscaler; plain node:http keeps it light. */
export function createStatusServer({ status, isAlive, metrics }: StatusServerOptions): Server {
  const routes: Record<string, (response: ServerResponse) => void> = {
    '/healthz': (response) => {
      const alive = isAlive();
      sendJson(response, alive ? 200 : 503, { status: alive ? 'ok' : 'evaluation loop stalled' });
    },
    '/status': (response) => sendJson(response, 200, status()),
    '/metrics': (response) => {
      metrics.metrics().then(
        (text) => sendText(response, 200, metrics.contentType, text),
        (error: unknown) =>
          sendJson(response, 500, errorBody(500, 'internal_error', `Cannot collect metrics: ${String(error)}`)),
      );
    },
  };

  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!handler) {
      sendJson(
        response,
        404,
        errorBody(404, 'not_found', `No such path: ${path}. Try GET /status, GET /metrics or GET /healthz`),
      );
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendJson(
        response,
        405,
        errorBody(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`),
      );
    } else {
      handler(response);
    }
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendText(response, status, 'application/json; charset=utf-8', `${JSON.stringify(body, null, 2)}\n`);
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
