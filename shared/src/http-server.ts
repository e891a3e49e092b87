import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import * as z from 'zod';
import { envVar, parseEnv } from './config';
import { errorBody } from './contract';

/** How long a client may take, and how many may be connected at once. */
export interface HttpServerLimits {
  /** From the connection (or the end of the previous request) to the last request header. */
  readonly headersTimeoutMs: number;
  /** From the connection to the end of the request, body included. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this many are closed as soon as they are accepted. */
  readonly maxConnections: number;
}

/** The defaults: a few kB per connection and small answers, on a Pi with 128 MB. */
export const HTTP_SERVER_DEFAULTS: HttpServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
});

/** Until the grace period after SIGTERM, by default (SIGINT has none): see `handleLifecycle`. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 3000;

/** Variables of every service that serves HTTP; check them with `checkHttpServerEnv`. */
export const httpServerEnv = {
  SHUTDOWN_GRACE_MS: envVar.integer(DEFAULT_SHUTDOWN_GRACE_MS, { min: 0, max: 120_000, unit: 'milliseconds' }),
  HTTP_HEADERS_TIMEOUT_MS: envVar.integer(HTTP_SERVER_DEFAULTS.headersTimeoutMs, {
    min: 100,
    max: 600_000,
    unit: 'milliseconds',
  }),
  HTTP_REQUEST_TIMEOUT_MS: envVar.integer(HTTP_SERVER_DEFAULTS.requestTimeoutMs, {
    min: 100,
    max: 600_000,
    unit: 'milliseconds',
  }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: envVar.integer(HTTP_SERVER_DEFAULTS.keepAliveTimeoutMs, {
    min: 0,
    max: 600_000,
    unit: 'milliseconds',
  }),
  HTTP_MAX_CONNECTIONS: envVar.integer(HTTP_SERVER_DEFAULTS.maxConnections, { min: 1, max: 65_535 }),
};

interface HttpServerVars {
  SHUTDOWN_GRACE_MS: number;
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_MAX_CONNECTIONS: number;
}

/** For `.superRefine` on a schema that spreads `httpServerEnv`: Node refuses headers > request timeout. */
export function checkHttpServerEnv(vars: HttpServerVars, ctx: z.RefinementCtx): void {
  if (vars.HTTP_HEADERS_TIMEOUT_MS > vars.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['HTTP_HEADERS_TIMEOUT_MS'],
      message: `must be at most HTTP_REQUEST_TIMEOUT_MS (${vars.HTTP_REQUEST_TIMEOUT_MS}): the headers are part of the request`,
    });
  }
}

export function httpServerLimitsOf(vars: HttpServerVars): HttpServerLimits {
  return Object.freeze({
    headersTimeoutMs: vars.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: vars.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: vars.HTTP_MAX_CONNECTIONS,
  });
}

export interface HttpServerConfig {
  /** After SIGTERM: serve, reporting not ready, this long before closing (SIGINT: none). */
  readonly shutdownGraceMs: number;
  readonly http: HttpServerLimits;
}

const HttpServerEnvSchema = z.object(httpServerEnv).superRefine(checkHttpServerEnv);

/** The `httpServerEnv` variables alone, for a service whose own schema does not spread them. */
export function parseHttpServerConfig(env: Readonly<Record<string, string | undefined>>): HttpServerConfig {
  const vars = parseEnv(HttpServerEnvSchema, env);
  return Object.freeze({ shutdownGraceMs: vars.SHUTDOWN_GRACE_MS, http: httpServerLimitsOf(vars) });
}

/**
 * Applies `limits` to a server that does not listen yet. Node's own defaults let a connection that
 * sends nothing live about 90 s and accept any number of them.
 */
export function applyHttpServerLimits(server: Server, limits: HttpServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Node parses every pipelined request in a packet at once and runs their handlers in one go:
  // 100 connections pipelining 100 requests each kept every other client waiting for all 10,000
  // (and queued all 10,000 answers in memory). A pipelined request is handled once the answers
  // before it on its connection have been sent, and after the event loop has served others.
  inFrontOfListeners(server, (_request, response, next) => {
    if (response.socket === null) response.once('socket', () => setImmediate(next));
    else next();
  });
  // How often Node looks for connections past those timeouts (read when the server starts to
  // listen): a tenth of the shortest, so a silent connection ends close to its deadline.
  (server as Server & Partial<NodeServerInternals>).connectionsCheckingInterval = Math.max(
    100,
    Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10),
  );
}

/** Options of `http.createServer` that Node also reads from the server later, missing from @types/node. */
interface NodeServerInternals {
  /** Read when the server starts to listen. */
  connectionsCheckingInterval: number;
  /** Read for every request. */
  requireHostHeader: boolean;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

/** A whole error answer as raw bytes, for sockets that Node hands over without a response object. */
function rawErrorAnswer(status: number, code: string, message: string): string {
  const body = JSON.stringify(errorBody(status, code, message));
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`
  );
}

function sendErrorAndClose(response: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify(errorBody(status, code, message));
  response.shouldKeepAlive = false;
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}

/**
 * Every answer in the JSON error shape, including the ones Node writes itself: requests its parser
 * rejects (bad request line, oversized headers, timeouts), HTTP/1.1 without `Host` (400), an `Expect`
 * other than 100-continue (417), and `CONNECT` (501; Node would drop the connection without a word).
 * Call it after the server's request listener is attached.
 */
export function answerClientErrorsWithJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(rawErrorAnswer(status, status === 400 ? 'bad_request' : 'client_error', REASONS[status] ?? 'Error'));
  });

  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    sendErrorAndClose(
      response,
      417,
      'expectation_failed',
      `Cannot meet Expect: ${String(request.headers.expect)}; only 100-continue is supported`,
    );
  });

  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawErrorAnswer(501, 'not_implemented', 'CONNECT is not supported: this server is not a proxy'));
  });

  // Node answers HTTP/1.1 without Host with an empty 400 before any listener runs; this checks it
  // instead, in front of the listeners already attached.
  (server as Server & Partial<NodeServerInternals>).requireHostHeader = false;
  inFrontOfListeners(server, (request, response, next) => {
    if (request.httpVersion === '1.1' && request.headers.host === undefined) {
      sendErrorAndClose(response, 400, 'bad_request', 'Malformed request: HTTP/1.1 requires a Host header');
      return;
    }
    next();
  });
}

/** Runs `guard` before the request listeners attached so far; they run when it calls `next`. */
function inFrontOfListeners(
  server: Server,
  guard: (request: IncomingMessage, response: ServerResponse, next: () => void) => void,
): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    guard(request, response, () => {
      for (const listener of listeners) listener.call(server, request, response);
    });
  });
}
