import { EventEmitter } from 'node:events';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, handleLifecycle, listen, listenOrExit } from '@fogpair/shared';
import { CaptureLogger } from '../../test/support/capture-logger';

describe('handleLifecycle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setUp(stop: (signal: NodeJS.Signals) => Promise<void>, timeoutMs = 5000, graceMs = 0) {
    const proc = new EventEmitter();
    const exit = jest.fn<undefined, [number]>();
    const stopSpy = jest.fn(stop);
    const logger = new CaptureLogger();
    handleLifecycle({ logger, graceMs, timeoutMs, stop: stopSpy, exit, proc: proc as unknown as NodeJS.Process });
    return { proc, exit, stop: stopSpy, logger };
  }

  /** A stop function that finishes when the test says so. */
  function controllableStop() {
    let finish: () => void = () => {};
    let fail: (error: Error) => void = () => {};
    const promise = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    return { stop: () => promise, finish: () => finish(), fail: (error: Error) => fail(error) };
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s runs stop once, waits for it, then exits 0', async (signal) => {
    const shutdown = controllableStop();
    const { proc, exit, stop, logger } = setUp(shutdown.stop);

    proc.emit(signal, signal);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(stop).toHaveBeenCalledWith(signal, 0);
    await jest.advanceTimersByTimeAsync(100);
    expect(exit).not.toHaveBeenCalled();

    shutdown.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(exit.mock.calls).toEqual([[0]]);
    expect(logger.messages('info')).toEqual([`Received ${signal}, shutting down`, 'Stopped']);
  });

  it('gives SIGTERM the grace period, and SIGINT (Ctrl-C) none', () => {
    const term = setUp(controllableStop().stop, 5000, 3000);
    term.proc.emit('SIGTERM', 'SIGTERM');
    expect(term.stop).toHaveBeenCalledWith('SIGTERM', 3000);
    expect(term.logger.messages('info')).toEqual(['Received SIGTERM, shutting down after a grace period of 3000 ms']);

    const int = setUp(controllableStop().stop, 5000, 3000);
    int.proc.emit('SIGINT', 'SIGINT');
    expect(int.stop).toHaveBeenCalledWith('SIGINT', 0);
    expect(int.logger.messages('info')).toEqual(['Received SIGINT, shutting down']);
  });

  it('counts the timeout from the end of the grace period', async () => {
    const { proc, exit } = setUp(controllableStop().stop, 2000, 3000);
    proc.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(4999);
    expect(exit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(exit.mock.calls).toEqual([[1]]);
  });

  it('exits 1 at once on a second signal, without running stop again', async () => {
    const { proc, exit, stop, logger } = setUp(controllableStop().stop);
    proc.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(10);
    proc.emit('SIGINT', 'SIGINT');
    expect(exit.mock.calls).toEqual([[1]]);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(logger.messages('warn')).toEqual(['Received SIGINT again, exiting now']);
  });

  it('exits 1 when stop has not finished within the timeout', async () => {
    const { proc, exit, logger } = setUp(controllableStop().stop, 3000);
    proc.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(2999);
    expect(exit).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(exit.mock.calls).toEqual([[1]]);
    expect(logger.messages('error')).toEqual(['Shutdown did not finish within 3000 ms, exiting']);
  });

  it('does not exit 1 later when stop finished in time', async () => {
    const { proc, exit } = setUp(() => Promise.resolve(), 3000);
    proc.emit('SIGTERM', 'SIGTERM');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(exit.mock.calls).toEqual([[0]]);
  });

  it('exits 1 and logs the cause when stop fails', async () => {
    const shutdown = controllableStop();
    const { proc, exit, logger } = setUp(shutdown.stop);
    proc.emit('SIGTERM', 'SIGTERM');
    const cause = new Error('server would not close');
    shutdown.fail(cause);
    await jest.advanceTimersByTimeAsync(0);
    expect(exit.mock.calls).toEqual([[1]]);
    expect(logger.at('error')).toEqual([{ level: 'error', message: 'Shutdown failed', fields: { error: cause } }]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['uncaughtException', 'Uncaught exception, exiting so that the orchestrator restarts this process'],
    ['unhandledRejection', 'Unhandled promise rejection, exiting so that the orchestrator restarts this process'],
  ])('logs %s and exits 1', (event, message) => {
    const { proc, exit, stop, logger } = setUp(() => Promise.resolve());
    const error = new Error('boom');
    proc.emit(event, error);
    expect(exit.mock.calls).toEqual([[1]]);
    expect(stop).not.toHaveBeenCalled();
    expect(logger.at('error')).toEqual([{ level: 'error', message, fields: { error } }]);
  });
});

interface Answer {
  status: number;
  body: string;
  connection: string | undefined;
  /** Whether the request went out on a keep-alive connection opened for an earlier one. */
  reusedSocket: boolean;
}

/** GET `path` and read the whole answer. */
function getWithHeaders(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body,
          connection: response.headers.connection,
          reusedSocket: req.reusedSocket,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function get(port: number, path: string, agent: Agent): Promise<{ status: number; body: string }> {
  const { status, body } = await getWithHeaders(port, path, agent);
  return { status, body };
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

describe('closeServer', () => {
  let server: Server;
  let releaseSlow: () => void;
  let slowArrived: Promise<void>;
  let serverEvents: string[];
  const agents: Agent[] = [];

  beforeEach(async () => {
    serverEvents = [];
    let arrived: () => void = () => {};
    slowArrived = new Promise((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (releaseSlow = resolve));
    server = createServer((request, response) => {
      if (request.url === '/slow') {
        arrived();
        response.on('finish', () => serverEvents.push('slow answer sent'));
        void released.then(() => response.end('slow done'));
      } else {
        response.end('fast');
      }
    });
    await listen(server, 0, '127.0.0.1');
  });

  afterEach(() => {
    for (const agent of agents.splice(0)) agent.destroy();
    server.closeAllConnections();
    server.close();
  });

  function keepAliveAgent(): Agent {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  }

  it('lets an in-flight request finish, then closes despite idle keep-alive connections', async () => {
    const port = portOf(server);
    // A client that keeps its connection open after its answer, as browsers do.
    expect(await get(port, '/fast', keepAliveAgent())).toEqual({ status: 200, body: 'fast' });

    const slow = get(port, '/slow', keepAliveAgent());
    await slowArrived;

    const closed = closeServer(server).then(() => serverEvents.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(serverEvents).toEqual([]);

    // No new connections once closing has begun.
    await expect(get(port, '/fast', new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    releaseSlow();
    expect(await slow).toEqual({ status: 200, body: 'slow done' });
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5000).unref()),
    ]);
    expect(outcome).toBe('closed');
    expect(serverEvents).toEqual(['slow answer sent', 'closed']);
  });

  it('during the grace period answers every request with Connection: close, keeping idle sockets and accepting new ones', async () => {
    const port = portOf(server);
    const agent = keepAliveAgent();
    expect(await getWithHeaders(port, '/fast', agent)).toMatchObject({ status: 200, connection: 'keep-alive' });

    // The grace period ends when the test says, however long the requests take on a busy machine.
    let endGrace: () => void = () => {};
    const graceOver = new Promise<void>((resolve) => (endGrace = resolve));
    const closed = closeServer(server, { graceMs: 400, sleep: () => graceOver }).then(() =>
      serverEvents.push('closed'),
    );
    // The idle keep-alive socket was not closed under the client: its next request is answered.
    expect(await getWithHeaders(port, '/fast', agent)).toEqual({
      status: 200,
      body: 'fast',
      connection: 'close',
      reusedSocket: true,
    });
    // A new connection is still accepted (a load balancer may not have noticed yet), told to close.
    expect(await getWithHeaders(port, '/fast', new Agent())).toMatchObject({ status: 200, connection: 'close' });
    expect(serverEvents).toEqual([]);

    endGrace();
    await closed;
    await expect(get(port, '/fast', new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('lets a request still in flight when the grace period ends finish', async () => {
    const port = portOf(server);
    const slow = getWithHeaders(port, '/slow', keepAliveAgent());
    await slowArrived;
    const closed = closeServer(server, { graceMs: 100 }).then(() => serverEvents.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(serverEvents).toEqual([]);
    releaseSlow();
    expect(await slow).toMatchObject({ status: 200, body: 'slow done' });
    await closed;
    expect(serverEvents).toEqual(['slow answer sent', 'closed']);
  });

  it('rejects when the server is not running', async () => {
    server.close();
    await expect(closeServer(server)).rejects.toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  });
});

describe('listen', () => {
  it('resolves with the address actually bound, and rejects when the port is taken', async () => {
    const first = createServer();
    const second = createServer();
    try {
      const address = await listen(first, 0, '127.0.0.1');
      expect(address).toEqual({ host: '127.0.0.1', port: portOf(first) });
      expect(address.port).toBeGreaterThan(0);
      await expect(listen(second, address.port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      first.close();
      second.close();
    }
  });
});

describe('listenOrExit', () => {
  class Exited extends Error {
    constructor(readonly code: number) {
      super(`exit ${code}`);
    }
  }
  const exit = (code: number): never => {
    throw new Exited(code);
  };

  it('resolves with the address, and says nothing', async () => {
    const server = createServer();
    const logger = new CaptureLogger();
    try {
      const address = await listenOrExit(server, { port: 0, host: '127.0.0.1', portVariable: 'PORT', logger, exit });
      expect(address).toEqual({ host: '127.0.0.1', port: portOf(server) });
      expect(logger.entries).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('on a port in use, says which variable moves it in one error line and exits 1', async () => {
    const first = createServer();
    const second = createServer();
    const logger = new CaptureLogger();
    try {
      const { port } = await listen(first, 0, '127.0.0.1');
      const listening = listenOrExit(second, { port, host: '127.0.0.1', portVariable: 'STATUS_PORT', logger, exit });
      await expect(listening).rejects.toEqual(new Exited(1));
      expect(logger.entries).toEqual([
        {
          level: 'error',
          message: `Cannot listen on 127.0.0.1:${port}: EADDRINUSE`,
          fields: { hint: 'another process uses this port; set STATUS_PORT' },
        },
      ]);
    } finally {
      first.close();
      second.close();
    }
  });
});
