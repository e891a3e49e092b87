import type { Server } from 'node:http';
import type { Logger } from './logger';

export interface LifecycleOptions {
  logger: Logger;
  /**
   * After SIGTERM, how long the service keeps serving while it reports not ready, so that health
   * checks and Swarm stop sending it traffic first. SIGINT (Ctrl-C in a terminal) skips it.
   */
  graceMs?: number;
  /** After the grace period, a shutdown that has not finished within this ends the process with code 1. */
  timeoutMs: number;
  /** Stops taking work and finishes what is in flight; `graceMs` is this signal's grace period. */
  stop: (signal: NodeJS.Signals, graceMs: number) => Promise<void>;
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
  graceMs = 0,
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
    const grace = signal === 'SIGTERM' ? graceMs : 0;
    if (grace > 0) {
      logger.info(`Received ${signal}, shutting down after a grace period of ${grace} ms`, { graceMs: grace });
    } else {
      logger.info(`Received ${signal}, shutting down`);
    }
    const deadline = setTimeout(() => {
      logger.error(`Shutdown did not finish within ${timeoutMs} ms, exiting`, { timeoutMs });
      exit(1);
    }, grace + timeoutMs);
    stop(signal, grace).then(
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

export interface ListenOrExitOptions {
  port: number;
  host: string;
  /** The variable that sets the port, named in the hint when the port is taken. */
  portVariable: string;
  logger: Logger;
  exit?: (code: number) => never;
}

/**
 * A service's one listening step: resolves with the address once the server listens; if it cannot
 * (the port is taken, the address is not this host's), logs one line that says why and exits 1.
 */
export async function listenOrExit(
  server: Server,
  { port, host, portVariable, logger, exit = (code) => process.exit(code) }: ListenOrExitOptions,
): Promise<{ host: string; port: number }> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(`Cannot listen on ${host}:${port}: ${code ?? String(error)}`, {
      hint: code === 'EADDRINUSE' ? `another process uses this port; set ${portVariable}` : undefined,
    });
    return exit(1);
  }
}

/**
 * Drains a server: from now on every answer carries `Connection: close`, so that keep-alive clients
 * open their next connection elsewhere; for `graceMs` it goes on serving everything that comes, new
 * connections included (a load balancer may still send some). Then it stops accepting connections,
 * lets in-flight requests finish, and closes keep-alive sockets as soon as they fall idle, so that a
 * client holding one open cannot delay the exit. Idle sockets are left alone during the grace period:
 * closing one races with a request the client may already have sent on it, which would be lost.
 */
export async function closeServer(
  server: Server,
  {
    graceMs = 0,
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }: { graceMs?: number; sleep?: (ms: number) => Promise<unknown> } = {},
): Promise<void> {
  if (!server.listening) throw Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
  // First in line: the request listener may answer before a listener behind it would run.
  server.prependListener('request', (_request, response) => {
    response.shouldKeepAlive = false;
  });
  if (graceMs > 0) await sleep(graceMs);
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    // A keep-alive answer sent before the drain began leaves its socket idle after close().
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}
