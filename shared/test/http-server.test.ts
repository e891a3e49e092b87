import { createServer, request as httpRequest, Agent } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  ErrorBodySchema,
  HTTP_SERVER_DEFAULTS,
  answerClientErrorsWithJson,
  applyHttpServerLimits,
  listen,
  parseHttpServerConfig,
} from '@fogpair/shared';
import { problemLines } from '../../test/support/config-problems';

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Writes raw bytes to `server` and reads until it closes the connection. */
function rawExchange(server: Server, bytes: string): Promise<string> {
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

async function waitForConnections(server: Server, count: number): Promise<void> {
  for (;;) {
    const open = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    if (open >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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

  it('answers a malformed request with 400 and the JSON error shape', async () => {
    const answer = parseAnswer(
      await rawExchange(server, 'GET /number HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n'),
    );
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toEqual({ error: { status: 400, code: 'bad_request', message: 'Bad Request' } });
  });

  it('answers a request line that is not HTTP with 400', async () => {
    const answer = parseAnswer(await rawExchange(server, 'HELLO\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body.error.status).toBe(400);
  });

  it('answers oversized headers with 431', async () => {
    const huge = 'x'.repeat(20 * 1024);
    const answer = parseAnswer(await rawExchange(server, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${huge}\r\n\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.body).toEqual({
      error: { status: 431, code: 'client_error', message: 'Request Header Fields Too Large' },
    });
  });

  it('answers HTTP/1.1 without Host with 400 and the JSON shape (Node alone sends an empty body)', async () => {
    const answer = parseAnswer(await rawExchange(server, 'GET / HTTP/1.1\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toEqual({
      error: { status: 400, code: 'bad_request', message: 'Malformed request: HTTP/1.1 requires a Host header' },
    });
  });

  it('still serves HTTP/1.0 without Host, which needs none', async () => {
    expect(await rawExchange(server, 'GET / HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  });

  it('answers an Expect other than 100-continue with 417 and the JSON shape', async () => {
    const answer = parseAnswer(await rawExchange(server, 'GET / HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 417 Expectation Failed');
    expect(answer.body).toEqual({
      error: {
        status: 417,
        code: 'expectation_failed',
        message: 'Cannot meet Expect: bogus; only 100-continue is supported',
      },
    });
  });

  it('answers CONNECT with 501 and the JSON shape instead of dropping the connection', async () => {
    const answer = parseAnswer(
      await rawExchange(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    );
    expect(answer.statusLine).toBe('HTTP/1.1 501 Not Implemented');
    expect(answer.body).toEqual({
      error: { status: 501, code: 'not_implemented', message: 'CONNECT is not supported: this server is not a proxy' },
    });
  });

  it('keeps serving well-formed requests, through the listener it was given', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: portOf(server), agent: new Agent() }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe('ok');
    expect(server.listenerCount('request')).toBe(1);
  });
});

describe('applyHttpServerLimits', () => {
  let server: Server;

  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it('closes a connection that sends nothing once the headers timeout has passed, with a JSON 408', async () => {
    server = createServer((_request, response) => response.end('ok'));
    answerClientErrorsWithJson(server);
    applyHttpServerLimits(server, { ...HTTP_SERVER_DEFAULTS, headersTimeoutMs: 300, requestTimeoutMs: 300 });
    await listen(server, 0, '127.0.0.1');
    const startedAt = performance.now();
    const answer = parseAnswer(await rawExchange(server, ''));
    const ms = performance.now() - startedAt;
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(ms).toBeGreaterThanOrEqual(250);
    // Node's default would be about 90 s: a bound far below it, and far above what a busy machine adds.
    expect(ms).toBeLessThan(20_000);
  });

  it('closes connections beyond the limit as soon as they are accepted', async () => {
    server = createServer((_request, response) => response.end('ok'));
    applyHttpServerLimits(server, { ...HTTP_SERVER_DEFAULTS, maxConnections: 2 });
    await listen(server, 0, '127.0.0.1');
    const open = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<ReturnType<typeof connect>>((resolve) => {
            const socket = connect(portOf(server), '127.0.0.1', () => resolve(socket));
          }),
      ),
    );
    await waitForConnections(server, 2);
    // The third is accepted by the kernel, then closed by Node without a byte.
    const third = await rawExchange(server, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n').catch((error: unknown) => error);
    expect(third === '' || (third as NodeJS.ErrnoException).code === 'ECONNRESET').toBe(true);
    for (const socket of open) socket.destroy();
  });

  it('answers pipelined requests in order, each once the one before it has been sent', async () => {
    let handled = 0;
    server = createServer((request, response) => {
      handled += 1;
      response.end(`${request.url ?? ''} ${handled}`);
    });
    applyHttpServerLimits(server, HTTP_SERVER_DEFAULTS);
    await listen(server, 0, '127.0.0.1');
    const requests = ['/a', '/b', '/c'].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
    const raw = await rawExchange(server, `${requests}GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect([...raw.matchAll(/\r\n\r\n(\/\w \d)/g)].map(([, body]) => body)).toEqual(['/a 1', '/b 2', '/c 3', '/d 4']);
  });

  it('sets what it says on the server', () => {
    server = createServer();
    applyHttpServerLimits(server, {
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 3000,
      maxConnections: 4,
    });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([
      1000, 2000, 3000, 4,
    ]);
  });
});

describe('parseHttpServerConfig', () => {
  it('has the documented defaults', () => {
    expect(parseHttpServerConfig({})).toEqual({
      shutdownGraceMs: 3000,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000, maxConnections: 512 },
    });
  });

  it('names each variable it rejects', () => {
    expect(
      problemLines(() =>
        parseHttpServerConfig({
          SHUTDOWN_GRACE_MS: 'soon',
          HTTP_MAX_CONNECTIONS: '-5',
          HTTP_KEEP_ALIVE_TIMEOUT_MS: '1.5',
        }),
      ),
    ).toEqual([
      'Invalid configuration: SHUTDOWN_GRACE_MS must be a whole number of milliseconds >= 0 (got "soon")',
      'Invalid configuration: HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number of milliseconds >= 0 (got "1.5")',
      'Invalid configuration: HTTP_MAX_CONNECTIONS must be a whole number >= 1 (got "-5")',
    ]);
  });

  it('rejects a headers timeout above the request timeout', () => {
    expect(
      problemLines(() => parseHttpServerConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' })),
    ).toEqual([
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must be at most HTTP_REQUEST_TIMEOUT_MS (1000): the headers are part of the request (got "5000")',
    ]);
  });
});
