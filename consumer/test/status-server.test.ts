import type { Server } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import { ErrorBodySchema, listen } from '@fogpair/shared';
import { PollHistory } from '../src/poll-history';
import { createStatusServer } from '../src/status-server';

function setUp() {
  const history = new PollHistory({ now: () => Date.UTC(2026, 10, 23, 11, 34) });
  let alive = true;
  const server = createStatusServer({ stats: () => history.stats(), isAlive: () => alive });
  return { server, history, setAlive: (value: boolean) => (alive = value) };
}

describe('status server', () => {
  it('/healthz answers 200 while the poll loop ticks, 503 once it has stalled', async () => {
    const { server, setAlive } = setUp();
    const ok = await request(server).get('/healthz').expect(200);
    expect(ok.body).toEqual({ status: 'ok' });
    expect(ok.headers['cache-control']).toBe('no-store');
    setAlive(false);
    expect((await request(server).get('/healthz').expect(503)).body).toEqual({ status: 'poll loop stalled' });
  });

  it('/stats answers the current statistics as JSON', async () => {
    const { server, history } = setUp();
    const sent = { ms: 1, attempts: 1, probe: false, breaker: 'closed' } as const;
    history.record({ ok: true, number: 73, instance: 'p1', ...sent });
    history.record({ ok: false, kind: 'refused', reason: 'connection refused', ...sent });
    const response = await request(server).get('/stats?pretty=1').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toEqual(history.stats());
    expect(response.body).toMatchObject({
      polls: 2,
      successes: 1,
      failures: 1,
      lastNumber: 73,
      lastSuccessAt: '2026-11-23T11:34:00.000Z',
    });
  });

  it('answers HEAD with headers and no body', async () => {
    const { server } = setUp();
    const response = await request(server).head('/stats').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
    expect(response.text).toBeUndefined();
  });

  it('answers an unknown path with 404 in the JSON error shape, naming the right paths', async () => {
    const { server } = setUp();
    const response = await request(server).get('/metrics').expect(404);
    expect(ErrorBodySchema.parse(response.body)).toEqual({
      error: { status: 404, code: 'not_found', message: 'No such path: /metrics. Try GET /stats or GET /healthz' },
    });
  });

  it('names the metrics and dashboard paths in the 404 when it serves them', async () => {
    const history = new PollHistory();
    const server = createStatusServer({
      stats: () => history.stats(),
      isAlive: () => true,
      metrics: { metrics: () => Promise.resolve(''), contentType: 'text/plain' },
      routes: { '/': (_request, response) => response.end() },
    });
    const response = await request(server).get('/nope').expect(404);
    expect(ErrorBodySchema.parse(response.body).error.message).toBe(
      'No such path: /nope. Try GET / (dashboard), GET /stats, GET /metrics or GET /healthz',
    );
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)('answers %s /stats with 405 and Allow', async (method) => {
    const { server } = setUp();
    const response = await request(server)[method]('/stats').expect(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(ErrorBodySchema.parse(response.body).error).toEqual({
      status: 405,
      code: 'method_not_allowed',
      message: `${method.toUpperCase()} is not allowed on /stats; use GET`,
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

    it.each(['//[', 'http://[bad', 'http://status:99999/stats'])(
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
