import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT_CONFIG } from '@fogpair/shared';
import { FakeDockerApi, THREE_NODES, serviceJson, taskJson } from '../support/fake-docker-api';
import { ProcessPool, freePort } from '../support/service-process';
import type { Entry } from '../support/service-process';

const pool = new ProcessPool();
let docker: FakeDockerApi | undefined;
let prometheus: Server | undefined;

afterEach(async () => {
  await pool.stopAll();
  await docker?.close();
  await new Promise((resolve) => (prometheus ? prometheus.close(resolve) : resolve(undefined)));
  docker = undefined;
  prometheus = undefined;
});

/** A Prometheus that answers every rate query with `rps` and `up` with the number of targets. */
async function startFakePrometheus(answers: { rps: string; up: string }): Promise<{ url: string; queries: string[] }> {
  const queries: string[] = [];
  prometheus = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      queries.push(query);
      const value = query.startsWith('sum(up') ? answers.up : answers.rps;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, value] }] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => prometheus?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`, queries };
}

/** Polls `predicate` (state outside the process's output) every 50 ms, failing after `timeoutMs`. */
async function until(description: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each<Entry>(['main', 'bundle'])('the autoscaler process (%s)', (entry) => {
  it('scales a labelled service through the Docker API by the load Prometheus reports, and exits 0 on SIGTERM', async () => {
    docker = new FakeDockerApi({
      services: [serviceJson({ replicas: 1, version: 41 })],
      tasks: [taskJson('t1', 'running')],
      nodes: THREE_NODES,
    });
    await docker.listen();
    const fake = await startFakePrometheus({ rps: '412', up: '1' });
    const statusPort = await freePort();
    const autoscaler = pool.start(
      'autoscaler',
      {
        DOCKER_SOCKET: docker.socketPath,
        PROMETHEUS_URL: fake.url,
        EVALUATION_INTERVAL_MS: '200',
        STATUS_PORT: String(statusPort),
        STATUS_HOST: '127.0.0.1',
      },
      entry,
    );

    const line = await autoscaler.waitForLine(/^Scaling fogpair_producer/);
    expect(line.message).toBe('Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %)');
    const [update, ...more] = docker.updates();
    expect(more).toEqual([]);
    expect(update?.path).toBe('/services/q3m9x0producer/update');
    expect(update?.query.get('version')).toBe('41');
    expect(update?.body).toMatchObject({ Name: 'fogpair_producer', Mode: { Replicated: { Replicas: 3 } } });
    expect(fake.queries).toContain('sum(rate(fogpair_producer_requests_total{swarm_service="fogpair_producer"}[1m]))');

    const base = `http://127.0.0.1:${statusPort}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const status = (await (await fetch(`${base}/status`)).json()) as {
      decisions: { from: number; to: number; applied: boolean }[];
    };
    expect(status.decisions[0]).toMatchObject({ from: 1, to: 3, applied: true });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('fogpair_autoscaler_current_replicas{service="fogpair_producer"}');
    expect(metrics).toContain('fogpair_autoscaler_placeable_replicas{service="fogpair_producer"} 3');

    const exit = await autoscaler.stop('SIGTERM');
    // In time: a stop that outlasts SHUTDOWN_TIMEOUT_MS exits 1.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(autoscaler.logs().at(-1)?.message).toBe('Stopped');
  });
});

it('does not scale when Prometheus does not answer, and says so once', async () => {
  docker = new FakeDockerApi({
    services: [serviceJson({ replicas: 2 })],
    tasks: [taskJson('t1', 'running'), taskJson('t2', 'running', { slot: 2 })],
    nodes: THREE_NODES,
  });
  await docker.listen();
  const closedPort = await freePort();
  const autoscaler = pool.start('autoscaler', {
    DOCKER_SOCKET: docker.socketPath,
    PROMETHEUS_URL: `http://127.0.0.1:${closedPort}`,
    EVALUATION_INTERVAL_MS: '200',
    SCALE_DOWN_WINDOW_MS: '0',
    STATUS_PORT: '0',
    STATUS_HOST: '127.0.0.1',
  });
  const evaluations = () => docker?.requests.filter((request) => request.path === '/nodes').length ?? 0;
  await until('five evaluations', () => evaluations() >= 5);
  expect(docker.updates()).toEqual([]);
  expect(autoscaler.linesMatching(/^No data to scale fogpair_producer/)).toHaveLength(1);
  expect((await autoscaler.stop('SIGTERM')).code).toBe(0);
});

it('exits 78 on a bad setting, naming the variable', async () => {
  const autoscaler = pool.start('autoscaler', { TOLERANCE: '2', STATUS_PORT: '0' });
  const exit = await autoscaler.exited;
  expect(exit.code).toBe(EXIT_CONFIG);
  expect(autoscaler.stderr).toEqual([
    'Invalid configuration: TOLERANCE must be a fraction between 0 and 0.9, e.g. 0.1 for 10 % (got "2")',
  ]);
});
