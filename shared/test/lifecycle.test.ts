import { EventEmitter } from 'node:events';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ErrorBodySchema, answerClientErrorsWithJson, closeServer, handleLifecycle, listen } from '@fogpair/shared';
import { CaptureLogger } from './support/capture-logger';

describe('handleLifecycle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function setUp(stop: (signal: NodeJS.Signals) => Promise<void>, timeoutMs = 5000) {
    const proc = new EventEmitter();
    const exit = jest.fn<undefined, [number]>();
    const stopSpy = jest.fn(stop);
    const logger = new CaptureLogger();
    handleLifecycle({ logger, timeoutMs, stop: stopSpy, exit, proc: proc as unknown as NodeJS.Process });
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
    expect(stop).toHaveBeenCalledWith(signal);
    await jest.advanceTimersByTimeAsync(100);
    expect(exit).not.toHaveBeenCalled();

    shutdown.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(exit.mock.calls).toEqual([[0]]);
    expect(logger.messages('info')).toEqual([`Received ${signal}, shutting down`, 'Stopped']);
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

/** GET `path` and read the whole answer. */
function get(port: number, path: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
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

describe('answerClientErrorsWithJson', () => {
  let server: Server;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end('ok'));
    answerClientErrorsWithJson(server);
    await listen(server, 0, '127.0.0.1');
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Writes raw bytes and reads until the server closes the connection. */
  function rawExchange(bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(portOf(server), '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.write(bytes);
    });
  }

  function parseAnswer(raw: string) {
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    const [statusLine, ...headerLines] = head.split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
    );
    return { statusLine, headers, body: ErrorBodySchema.parse(JSON.parse(body)) };
  }

  it('answers a malformed request with 400 and the JSON error shape', async () => {
    const answer = parseAnswer(await rawExchange('GET /number HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toEqual({ error: { status: 400, code: 'bad_request', message: 'Bad Request' } });
  });

  it('answers a request line that is not HTTP with 400', async () => {
    const answer = parseAnswer(await rawExchange('HELLO\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body.error.status).toBe(400);
  });

  it('answers oversized headers with 431', async () => {
    const huge = 'x'.repeat(20 * 1024);
    const answer = parseAnswer(await rawExchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${huge}\r\n\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.body).toEqual({
      error: { status: 431, code: 'client_error', message: 'Request Header Fields Too Large' },
    });
  });

  it('keeps serving well-formed requests', async () => {
    expect(await get(portOf(server), '/', new Agent())).toEqual({ status: 200, body: 'ok' });
  });
});
