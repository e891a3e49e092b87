import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { cpuQuery, createPrometheusClient, requestsPerSecondQuery, targetsUpQuery } from '../src/prometheus';

const ORIGIN = 'http://prometheus.test:9090';
const QUERY = 'sum(rate(fogpair_producer_requests_total{swarm_service="fogpair_producer"}[1m]))';

function vector(...values: string[]) {
  return {
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((value) => ({ metric: {}, value: [1764611521.123, value] })),
    },
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.disableNetConnect();
  expect(pending).toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

const durations: number[] = [];
const client = (timeoutMs = 1000, baseUrl = ORIGIN) =>
  createPrometheusClient({ baseUrl, timeoutMs, onQuery: (seconds) => durations.push(seconds) });

describe('the PromQL the autoscaler sends', () => {
  it('is the one in the contract', () => {
    expect(requestsPerSecondQuery('fogpair_producer_requests_total', 'fogpair_producer', '1m')).toBe(QUERY);
    expect(cpuQuery('fogpair_producer', '30s')).toBe(
      'sum(rate(process_cpu_seconds_total{swarm_service="fogpair_producer"}[30s]))',
    );
    expect(targetsUpQuery('fogpair_producer')).toBe('sum(up{swarm_service="fogpair_producer"})');
  });

  it('quotes the service name as a PromQL string', () => {
    expect(targetsUpQuery('we"ird\\name')).toBe('sum(up{swarm_service="we\\"ird\\\\name"})');
  });
});

describe('an answer with a number', () => {
  it('posts the query to /api/v1/query and returns the value', async () => {
    durations.length = 0;
    nock(ORIGIN)
      .post('/api/v1/query', (body: Record<string, string>) => body.query === QUERY)
      .reply(200, vector('412.5'));
    await expect(client().scalar(QUERY)).resolves.toEqual({ ok: true, value: 412.5 });
    expect(durations).toHaveLength(1);
  });

  it('keeps a path prefix of the base URL (Prometheus behind a proxy)', async () => {
    nock(ORIGIN).post('/prom/api/v1/query').reply(200, vector('0'));
    await expect(client(1000, `${ORIGIN}/prom`).scalar(QUERY)).resolves.toEqual({ ok: true, value: 0 });
  });

  it('accepts a scalar result', async () => {
    nock(ORIGIN)
      .post('/api/v1/query')
      .reply(200, { status: 'success', data: { resultType: 'scalar', result: [1764611521.1, '3'] } });
    await expect(client().scalar('scalar(3)')).resolves.toEqual({ ok: true, value: 3 });
  });
});

describe('no data, with the reason', () => {
  it.each([
    ['an empty result (no target scraped)', vector(), 'no samples (no target scraped in the rate window)'],
    ['NaN', vector('NaN'), 'the value is NaN'],
    ['+Inf', vector('+Inf'), 'the value is +Inf'],
    ['two series', vector('1', '2'), '2 series where one was expected'],
    ['a matrix', { status: 'success', data: { resultType: 'matrix', result: [] } }, 'unexpected result type matrix'],
    ['an error status', { status: 'error', error: 'x' }, 'Prometheus answered status error'],
  ])('%s', async (_what, body, reason) => {
    nock(ORIGIN).post('/api/v1/query').reply(200, body);
    await expect(client().scalar(QUERY)).resolves.toEqual({ ok: false, reason });
  });

  it('an HTTP error, with the message Prometheus gives', async () => {
    nock(ORIGIN)
      .post('/api/v1/query')
      .reply(400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' });
    await expect(client().scalar('sum(')).resolves.toEqual({
      ok: false,
      reason: 'Prometheus answered HTTP 400: parse error at char 5',
    });
  });

  it('a body that is not JSON', async () => {
    nock(ORIGIN).post('/api/v1/query').reply(200, '<html>proxy</html>');
    await expect(client().scalar(QUERY)).resolves.toEqual({
      ok: false,
      reason: 'Prometheus answered with a body that is not JSON',
    });
  });

  it('a timeout', async () => {
    nock(ORIGIN).post('/api/v1/query').delay(500).reply(200, vector('1'));
    await expect(client(100).scalar(QUERY)).resolves.toEqual({
      ok: false,
      reason: `Prometheus at ${ORIGIN} did not answer within 100 ms`,
    });
  });

  it('a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    nock.enableNetConnect(`127.0.0.1:${port}`);
    await expect(client(1000, `http://127.0.0.1:${port}`).scalar(QUERY)).resolves.toEqual({
      ok: false,
      reason: `Prometheus at http://127.0.0.1:${port} refused the connection`,
    });
  });

  it('a cancelled query', async () => {
    nock(ORIGIN).post('/api/v1/query').delay(500).reply(200, vector('1'));
    const controller = new AbortController();
    const answer = client().scalar(QUERY, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(answer).resolves.toEqual({ ok: false, reason: 'the query was cancelled' });
  });
});
