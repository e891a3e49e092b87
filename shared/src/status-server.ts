import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody } from './contract';
import type { MetricsExposition } from './metrics-exposition';

/** Writes `body` as the whole answer, in the JSON layout of the server that calls the route. */
export type SendJson = (response: ServerResponse, status: number, body: unknown) => void;

/** Answers a GET or HEAD on one path of a status server. */
export type StatusRoute = (request: IncomingMessage, response: ServerResponse, sendJson: SendJson) => void;

export interface StatusServerOptions {
  /** Exact paths (a query string is ignored) and what answers them. */
  routes: Readonly<Record<string, StatusRoute>>;
  /** What a 404 suggests, in this order (`GET /healthz`, …): what people look for, not every asset. */
  tryPaths: readonly [string, ...string[]];
  /** Indented JSON that ends in a newline, for people who read it with curl; compact by default. */
  prettyJson?: boolean;
}

/** A service's health, status and metrics on their own port; plain node:http keeps it light. */
export function createStatusServer({ routes, tryPaths, prettyJson = false }: StatusServerOptions): Server {
  const sendJson: SendJson = (response, status, body) =>
    sendText(
      response,
      status,
      'application/json; charset=utf-8',
      prettyJson ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body),
    );
  const last = tryPaths.at(-1) ?? '';
  const tryThese = tryPaths.length > 1 ? `${tryPaths.slice(0, -1).join(', ')} or ${last}` : last;

  return createServer((request, response) => {
    // Plain string work: `new URL()` throws on targets like `//[`, and one such request would crash
    // the service.
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    // Own keys only: "/constructor" is not a route.
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) {
      sendJson(response, 404, errorBody(404, 'not_found', `No such path: ${path}. Try ${tryThese}`));
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      sendJson(
        response,
        405,
        errorBody(405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`),
      );
    } else {
      route(request, response, sendJson);
    }
  });
}

/** For health checks: 200 `{"status":"ok"}` while `isAlive()`, else 503 with `stalledMessage`. */
export function healthRoute(isAlive: () => boolean, stalledMessage: string): StatusRoute {
  return (_request, response, sendJson) => {
    const alive = isAlive();
    sendJson(response, alive ? 200 : 503, { status: alive ? 'ok' : stalledMessage });
  };
}

/** 200 with what `current()` returns at each request. */
export function jsonRoute(current: () => unknown): StatusRoute {
  return (_request, response, sendJson) => sendJson(response, 200, current());
}

/** The Prometheus text exposition, or a 500 in the JSON error shape when it cannot be collected. */
export function metricsRoute(exposition: MetricsExposition): StatusRoute {
  return (_request, response, sendJson) => {
    exposition.metrics().then(
      (text) => sendText(response, 200, exposition.contentType, text),
      (error: unknown) =>
        sendJson(response, 500, errorBody(500, 'internal_error', `Cannot collect metrics: ${String(error)}`)),
    );
  };
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
