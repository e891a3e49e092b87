import { createServer } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import { ErrorBodySchema, ProducerAnswerSchema, SERVED_BY_HEADER, listen } from '@fogpair/shared';
import type { LogLevel } from '@fogpair/shared';
import { CaptureLogger } from '../../test/support/capture-logger';
import { createApp } from '../src/app';
import type { RandomInteger } from '../src/random';

function setUp({
  ready = true,
  number = 73,
  level = 'info',
}: { ready?: boolean; number?: number; level?: LogLevel } = {}) {
  let isReady = ready;
  const random = jest.fn<number, Parameters<RandomInteger>>(() => number);
  const logger = new CaptureLogger(level);
  const app = createApp({ random, logger, instance: 'producer-4f1c', isReady: () => isReady });
  return { app, random, logger, setReady: (value: boolean) => (isReady = value) };
}

describe('GET /number', () => {
  it('answers {"number": N} from the random source, which it asks for 1..180', async () => {
    const { app, random } = setUp({ number: 137 });
    const response = await request(app).get('/number').expect(200);
    expect(response.text).toBe('{"number":137}');
    expect(ProducerAnswerSchema.parse(response.body)).toEqual({ number: 137 });
    expect(random.mock.calls).toEqual([[1, 180]]);
  });

  it('asks for a fresh number on every request', async () => {
    const values = [1, 180, 42];
    const random = jest.fn(() => values.shift() ?? 0);
    const app = createApp({ random, logger: new CaptureLogger(), instance: 'p', isReady: () => true });
    for (const expected of [1, 180, 42]) {
      expect((await request(app).get('/number')).body).toEqual({ number: expected });
    }
    expect(random).toHaveBeenCalledTimes(3);
  });

  it('sends JSON that is never cached, names the instance, and leaks nothing about the stack', async () => {
    const { app } = setUp();
    const response = await request(app).get('/number').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers[SERVED_BY_HEADER]).toBe('producer-4f1c');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers).not.toHaveProperty('x-powered-by');
    expect(response.headers).not.toHaveProperty('etag');
  });

  it('answers HEAD with the headers and no body', async () => {
    const { app } = setUp();
    const response = await request(app).head('/number').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers[SERVED_BY_HEADER]).toBe('producer-4f1c');
    expect(response.text).toBeUndefined();
  });

  it('answers 500 with the JSON error shape, and logs the cause, when the random source fails', async () => {
    const logger = new CaptureLogger();
    const failure = new Error('entropy exhausted');
    const app = createApp({
      random: () => {
        throw failure;
      },
      logger,
      instance: 'p',
      isReady: () => true,
    });
    const response = await request(app).get('/number').expect(500);
    expect(ErrorBodySchema.parse(response.body)).toEqual({
      error: { status: 500, code: 'internal_error', message: 'Internal error' },
    });
    expect(response.text).not.toContain('entropy');
    expect(logger.at('error')).toEqual([
      { level: 'error', message: 'Request failed', fields: { method: 'GET', path: '/number', error: failure } },
    ]);
  });

  it('logs each request at debug level only', async () => {
    const quiet = setUp();
    await request(quiet.app).get('/number').expect(200);
    expect(quiet.logger.entries).toEqual([]);

    const verbose = setUp({ level: 'debug' });
    await request(verbose.app).get('/number?x=1').expect(200);
    await request(verbose.app).get('/nope').expect(404);
    expect(verbose.logger.messages('debug')).toEqual(['GET /number?x=1 200', 'GET /nope 404']);
    expect(verbose.logger.entries[0]?.fields).toEqual({ ms: expect.any(Number) as unknown });
  });
});

describe('health', () => {
  it('/healthz answers 200 with the instance', async () => {
    const { app } = setUp();
    const response = await request(app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok', instance: 'producer-4f1c' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('/readyz answers 200 while ready and 503 once shutdown has begun', async () => {
    const { app, setReady } = setUp();
    expect((await request(app).get('/readyz').expect(200)).body).toEqual({
      status: 'ready',
      instance: 'producer-4f1c',
    });
    setReady(false);
    expect((await request(app).get('/readyz').expect(503)).body).toEqual({
      status: 'shutting down',
      instance: 'producer-4f1c',
    });
    // Liveness is not readiness: the process is still healthy while it drains.
    await request(app).get('/healthz').expect(200);
  });
});

describe('errors', () => {
  it('answers an unknown path with 404 in the JSON error shape, pointing at /number', async () => {
    const { app } = setUp();
    const response = await request(app).get('/numbers').expect(404);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers[SERVED_BY_HEADER]).toBe('producer-4f1c');
    expect(ErrorBodySchema.parse(response.body)).toEqual({
      error: { status: 404, code: 'not_found', message: 'No such path: /numbers. Try GET /number' },
    });
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)('answers %s /number with 405 and Allow', async (method) => {
    const { app, random } = setUp();
    const response = await request(app)[method]('/number').expect(405);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(ErrorBodySchema.parse(response.body)).toEqual({
      error: {
        status: 405,
        code: 'method_not_allowed',
        message: `${method.toUpperCase()} is not allowed on /number; use GET`,
      },
    });
    expect(random).not.toHaveBeenCalled();
  });

  it.each(['/healthz', '/readyz'])('answers POST %s with 405 and Allow', async (path) => {
    const { app } = setUp();
    const response = await request(app).post(path).expect(405);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('answers OPTIONS /number with 204 and Allow', async () => {
    const { app } = setUp();
    const response = await request(app).options('/number').expect(204);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(response.text).toBe('');
  });

  it.each(['/%zz', '/number/%', '/%E0%A4%A', '/number%00', '/..%2f..%2fetc%2fpasswd'])(
    'answers the malformed or hostile path %s with a 4xx JSON error, never a 5xx',
    async (path) => {
      const { app, logger } = setUp();
      const response = await request(app).get(path);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(ErrorBodySchema.parse(response.body).error.status).toBe(response.status);
      expect(logger.at('error')).toEqual([]);
    },
  );
});

describe('a request target Express cannot parse', () => {
  // Express skips all of its middleware for such a request, so supertest cannot reach this path:
  // it only happens over a raw socket.
  it('is answered with 400 in the JSON error shape, not an HTML page', async () => {
    const { app, logger } = setUp();
    const server = createServer(app);
    const { port } = await listen(server, 0, '127.0.0.1');
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        socket.write('GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(head).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
      expect(head).toMatch(new RegExp(`\\r\\n${SERVED_BY_HEADER}: producer-4f1c\\r\\n`, 'i'));
      expect(ErrorBodySchema.parse(JSON.parse(body))).toEqual({
        error: { status: 400, code: 'bad_request', message: 'Malformed request: cannot parse the URL "http://[bad"' },
      });
      expect(logger.at('error')).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
