import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { NUMBER_MAX, NUMBER_MIN, SERVED_BY_HEADER, errorBody } from '@fogpair/shared';
import type { Logger, ProducerAnswer } from '@fogpair/shared';
import type { ProducerMetrics, ProducerRoute } from './metrics';
import { isProducerRoute } from './metrics';
import type { RandomInteger } from './random';

export interface ProducerAppOptions {
  random: RandomInteger;
  logger: Logger;
  /** Who serves the answers: the hostname, i.e. the container id in Docker. */
  instance: string;
  /** False once shutdown has begun, so load balancers stop sending traffic. */
  isReady: () => boolean;
  /** Request metrics and `GET /metrics`; without them the app serves no /metrics. */
  metrics?: ProducerMetrics | undefined;
}

/** The producer as a request listener, for `http.createServer` and supertest. */
export function createApp({ random, logger, instance, isReady, metrics }: ProducerAppOptions): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  /** What every answer gets, on both paths below: the common headers, the debug line, the metrics. */
  const observe = (request: IncomingMessage, response: ServerResponse, route: () => unknown): void => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader(SERVED_BY_HEADER, instance);
    if (logger.isLevelEnabled('debug')) logRequest(logger, request, response);
    if (metrics) measureRequest(metrics, response, route);
  };
  const failRequest = (method: string, path: string, response: ServerResponse, error: unknown): void => {
    logger.error('Request failed', { method, path, error });
    sendError(response, 500, 'internal_error', 'Internal error');
  };
  const sendNumber = (response: ServerResponse): void => {
    const answer: ProducerAnswer = { number: random(NUMBER_MIN, NUMBER_MAX) };
    sendJson(response, 200, answer);
    metrics?.numberServed();
  };

  app.use((request, response, next) => {
    observe(request, response, () => (request.route as { path?: unknown } | undefined)?.path);
    next();
  });

  route(app, '/number', (_request, response) => {
    sendNumber(response);
  });

  route(app, '/healthz', (_request, response) => {
    response.set('Cache-Control', 'no-store').json({ status: 'ok', instance });
  });

  route(app, '/readyz', (_request, response) => {
    const ready = isReady();
    response
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'shutting down', instance });
  });

  if (metrics) {
    const { exposition } = metrics;
    route(app, '/metrics', (_request, response) => {
      exposition.metrics().then(
        (text) => response.set('Cache-Control', 'no-store').type(exposition.contentType).send(text),
        (error: unknown) => {
          logger.error('Cannot collect metrics', { error });
          sendError(response, 500, 'internal_error', 'Cannot collect metrics');
        },
      );
    });
  }

  app.use((request, response) => {
    sendError(response, 404, 'not_found', `No such path: ${request.path}. Try GET /number`);
  });

  app.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const status = httpStatusOf(error);
    if (status >= 400 && status < 500) {
      sendError(response, status, 'bad_request', `Malformed request: ${messageOf(error)}`);
      return;
    }
    failRequest(request.method, request.path, response, error);
  });

  // Express skips every middleware when it cannot parse the URL (`GET http://[bad`) and would send
  // its own HTML page; this fallback, instead of Express's, keeps every answer in the JSON shape.
  return (request, response) => {
    // The answer users poll for, without Express: routing, `res.json` and its content-type lookup cost
    // about a third of the CPU of a request (docs/performance.md). Anything else (HEAD, a query string,
    // other paths) goes through Express, which answers /number the same way.
    if (request.url === '/number' && request.method === 'GET') {
      observe(request, response, () => '/number');
      try {
        sendNumber(response);
      } catch (error) {
        failRequest('GET', '/number', response, error);
      }
      return;
    }
    // The casts hold: Express makes both its own before it routes, and its typings only lack the
    // three-argument call.
    app(request as Request, response as Response, () => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.setHeader('X-Content-Type-Options', 'nosniff');
      response.setHeader(SERVED_BY_HEADER, instance);
      sendError(response, 400, 'bad_request', `Malformed request: cannot parse the URL ${JSON.stringify(request.url)}`);
    });
  };
}

const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** A GET route whose other methods answer 405 with an `Allow` header (OPTIONS: 204). */
function route(app: express.Express, path: string, handler: (request: Request, response: Response) => void): void {
  app
    .route(path)
    .get(handler)
    .options((_request, response) => {
      response.set('Allow', ALLOWED_METHODS).status(204).end();
    })
    .all((request, response) => {
      response.set('Allow', ALLOWED_METHODS);
      sendError(response, 405, 'method_not_allowed', `${request.method} is not allowed on ${path}; use GET`);
    });
}

/** Plain node:http, so that it also serves the fallback, which Express has not prepared. */
function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, errorBody(status, code, message));
}

/** A JSON answer that no cache keeps, with node:http alone. */
function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

function logRequest(logger: Logger, request: IncomingMessage, response: ServerResponse): void {
  const startedAt = performance.now();
  const what = `${request.method ?? ''} ${request.url ?? ''}`;
  response.once('finish', () => {
    logger.debug(`${what} ${response.statusCode}`, {
      ms: Math.round((performance.now() - startedAt) * 10) / 10,
    });
  });
}

/** Counts the request once its response is sent; the route label comes from the matched route only. */
function measureRequest(metrics: ProducerMetrics, response: ServerResponse, route: () => unknown): void {
  const startedAt = performance.now();
  response.once('finish', () => {
    const path = route();
    const label: ProducerRoute = isProducerRoute(path) ? path : 'unmatched';
    metrics.request(label, response.statusCode, (performance.now() - startedAt) / 1000);
  });
}

function httpStatusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    const value = typeof status === 'number' ? status : statusCode;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
  }
  return 500;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
