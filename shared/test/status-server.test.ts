import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import request from 'supertest';
import { ErrorBodySchema, createStatusServer, healthRoute, jsonRoute, listen, metricsRoute } from '@fogpair/shared';
import type { MetricsExposition, StatusServerOptions } from '@fogpair/shared';

function setUp(options: Partial<StatusServerOptions> = {}) {
  let alive = true;
  let count = 0;
  const server = createStatusServer({
    routes: {
      '/healthz': healthRoute(() => alive, 'loop stalled'),
      '/count': jsonRoute(() => ({ count: ++count })),
    },
    tryPaths: ['GET /count', 'GET /healthz'],
    ...options,
  });
  return { server, setAlive: (value: boolean) => (alive = value) };
}

describe('createStatusServer', () => {
  it('healthRoute answers 200 while alive, 503 with the stalled message once not', async () => {
    const { server, setAlive } = setUp();
    const ok = await request(server).get('/healthz').expect(200);
    expect(ok.body).toEqual({ status: 'ok' });
    expect(ok.headers['cache-control']).toBe('no-store');
    setAlive(false);
    expect((await request(server).get('/healthz').expect(503)).body).toEqual({ status: 'loop stalled' });
  });

  it('jsonRoute answers the current value as compact JSON, whatever the query string', async () => {
    const { server } = setUp();
    await request(server).get('/count').expect(200, '{"count":1}');
    const response = await request(server).get('/count?pretty=1').expect(200, '{"count":2}');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['content-length']).toBe('11');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('writes every JSON answer indented, ending in a newline, when asked to be pretty', async () => {
    const { server } = setUp({ prettyJson: true });
    await request(server).get('/count').expect(200, '{\n  "count": 1\n}\n');
    await request(server).get('/healthz').expect(200, '{\n  "status": "ok"\n}\n');
    const missing = await request(server).get('/nope').expect(404);
    expect(missing.text).toBe(`${JSON.stringify(missing.body, null, 2)}\n`);
    const wrong = await request(server).post('/count').expect(405);
    expect(wrong.text).toBe(`${JSON.stringify(wrong.body, null, 2)}\n`);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { server } = setUp();
    const response = await request(server).head('/count').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['content-length']).toBe('11');
    expect(response.text).toBeUndefined();
  });

  it('answers an unknown path with 404 in the JSON error shape, naming the paths to try', async () => {
    const { server } = setUp();
    const response = await request(server).get('/nope').expect(404);
    expect(ErrorBodySchema.parse(response.body)).toEqual({
      error: { status: 404, code: 'not_found', message: 'No such path: /nope. Try GET /count or GET /healthz' },
    });
    const three = setUp({ tryPaths: ['GET /', 'GET /count', 'GET /healthz'] }).server;
    expect((await request(three).get('/x').expect(404)).body).toMatchObject({
      error: { message: 'No such path: /x. Try GET /, GET /count or GET /healthz' },
    });
    const one = setUp({ tryPaths: ['GET /healthz'] }).server;
    expect((await request(one).get('/x').expect(404)).body).toMatchObject({
      error: { message: 'No such path: /x. Try GET /healthz' },
    });
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)('answers %s with 405 and Allow', async (method) => {
    const { server } = setUp();
    const response = await request(server)[method]('/count').expect(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(ErrorBodySchema.parse(response.body).error).toEqual({
      status: 405,
      code: 'method_not_allowed',
      message: `${method.toUpperCase()} is not allowed on /count; use GET`,
    });
  });

  describe('metricsRoute', () => {
    const serve = (exposition: MetricsExposition) =>
      createStatusServer({ routes: { '/metrics': metricsRoute(exposition) }, tryPaths: ['GET /metrics'] });

    it('answers the Prometheus text format of the registry', async () => {
      const registry = new Registry();
      new Gauge({ name: 'answer', help: 'The answer', registers: [registry] }).set(42);
      const response = await request(serve(registry)).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text).toContain('answer 42');
    });

    it('answers 500 in the JSON error shape when the metrics cannot be collected', async () => {
      const failing = { contentType: 'text/plain', metrics: () => Promise.reject(new Error('collector broke')) };
      const response = await request(serve(failing)).get('/metrics').expect(500);
      expect(ErrorBodySchema.parse(response.body).error).toEqual({
        status: 500,
        code: 'internal_error',
        message: 'Cannot collect metrics: Error: collector broke',
      });
    });
  });

  describe('over a raw socket', () => {
    let server: Server;
    let port: number;

    beforeAll(async () => {
      server = setUp().server;
      port = (await listen(server, 0, '127.0.0.1')).port;
    });

    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    function statusLineFor(target: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
        socket.write(`GET ${target} HTTP/1.1\r\nHost: status\r\nConnection: close\r\n\r\n`);
      });
    }

    it.each(['//[', 'http://[bad', 'http://status:99999/count'])(
      'answers the unparseable request target %s with a 4xx, and keeps serving',
      async (target) => {
        const uncaught = jest.fn();
        process.on('uncaughtException', uncaught);
        try {
          expect(await statusLineFor(target)).toMatch(/^HTTP\/1\.1 4\d\d /);
          expect(await statusLineFor('/healthz')).toBe('HTTP/1.1 200 OK');
          expect(uncaught).not.toHaveBeenCalled();
        } finally {
          process.off('uncaughtException', uncaught);
        }
      },
    );
  });
});
