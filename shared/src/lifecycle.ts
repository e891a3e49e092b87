import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './contract';
import type { Logger } from './logger';

export interface LifecycleOptions {
  logger: Logger;
  /** After this long a shutdown that has not finished ends the process with code 1. */
  timeoutMs: number;
  /** Stops taking work and finishes what is in flight. */
  stop: (signal: NodeJS.Signals) => Promise<void>;
  exit?: (code: number) => void;
  proc?: NodeJS.Process;
}

/**
 * SIGTERM/SIGINT run `stop` once and exit 0; a second signal or the timeout exits 1. An uncaught
 * error or unhandled rejection is logged and exits 1: the process is in an unknown state, and
 * Docker or Swarm restarts it.
 */
export function handleLifecycle({
  logger,
  timeoutMs,
  stop,
  exit = (code) => process.exit(code),
  proc = process,
}: LifecycleOptions): void {
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`Received ${signal} again, exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    const startedAt = performance.now();
    logger.info(`Received ${signal}, shutting down`);
    const deadline = setTimeout(() => {
      logger.error(`Shutdown did not finish within ${timeoutMs} ms, exiting`, { timeoutMs });
      exit(1);
    }, timeoutMs);
    stop(signal).then(
      () => {
        clearTimeout(deadline);
        logger.info('Stopped', { ms: Math.round(performance.now() - startedAt) });
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error('Shutdown failed', { error });
        exit(1);
      },
    );
  };

  const onFatal = (kind: string) => (error: unknown) => {
    logger.error(`${kind}, exiting so that the orchestrator restarts this process`, { error });
    exit(1);
  };

  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('uncaughtException', onFatal('Uncaught exception'));
  proc.on('unhandledRejection', onFatal('Unhandled promise rejection'));
}

/** Resolves once the server listens; rejects (e.g. EADDRINUSE) if it cannot. */
export function listen(server: Server, port: number, host: string): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(
        typeof address === 'object' && address !== null
          ? { host: address.address, port: address.port }
          : { host, port },
      );
    });
  });
}

/**
 * Stops accepting connections, lets in-flight requests finish, and closes keep-alive sockets as
 * soon as they fall idle, so that a client holding one open cannot delay the exit.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    server.on('request', (_request, response) => {
      response.shouldKeepAlive = false;
    });
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}

/**
 * Node answers requests its HTTP parser rejects (bad request line, oversized headers) with a bare
 * status line; answer them with the same JSON error shape as everything else.
 */
export function answerClientErrorsWithJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const text =
      status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    const body = JSON.stringify(errorBody(status, status === 400 ? 'bad_request' : 'client_error', text));
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
