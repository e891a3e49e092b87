import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '@fogpair/shared';
import { CaptureLogger } from '../../test/support/capture-logger';
import { createAutoscaler } from '../src/autoscaler';
import type { AutoscalerSettings } from '../src/autoscaler';
import { createAutoscalerMetrics } from '../src/metrics';
import type { Sample } from '../src/policy';
import type { PrometheusClient } from '../src/prometheus';
import { toSwarmNode, toSwarmService, toSwarmTask } from '../src/swarm';
import type { SwarmApi, SwarmService, SwarmTask } from '../src/swarm';
import { THREE_NODES, serviceJson, taskJson } from '../../test/support/fake-docker-api';

const SETTINGS: AutoscalerSettings = {
  tolerance: 0.1,
  scaleUpMaxStep: 4,
  scaleDownWindowMs: 120_000,
  rateWindow: '1m',
  dryRun: false,
};

/** An in-memory swarm: one producer service, its tasks all running unless told otherwise. */
class FakeSwarm implements SwarmApi {
  services: SwarmService[] = [toSwarmService(serviceJson({ replicas: 1 }))];
  taskStates: string[] | undefined;
  nodes = THREE_NODES.map(toSwarmNode);
  readonly scaled: { name: string; replicas: number; version: number }[] = [];
  failNext: Error | undefined;
  down: Error | undefined;

  listServices() {
    return this.down ? Promise.reject(this.down) : Promise.resolve(this.services);
  }
  listNodes() {
    return this.down ? Promise.reject(this.down) : Promise.resolve(this.nodes);
  }
  listTasks(serviceId: string): Promise<SwarmTask[]> {
    const service = this.services.find((candidate) => candidate.id === serviceId);
    const states = this.taskStates ?? Array.from({ length: service?.replicas ?? 0 }, () => 'running');
    return Promise.resolve(states.map((state, index) => toSwarmTask(taskJson(`t${index}`, state, { serviceId }))));
  }
  scale(service: SwarmService, replicas: number) {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      return Promise.reject(error);
    }
    this.scaled.push({ name: service.name, replicas, version: service.version });
    this.setReplicas(replicas);
    return Promise.resolve();
  }
  /** What `docker service scale` by a person, or our own update, leaves behind. */
  setReplicas(replicas: number) {
    this.services = this.services.map((service) => ({ ...service, replicas, version: service.version + 1 }));
  }
  setLabels(labels: Record<string, string>) {
    this.services = this.services.map((service) => ({ ...service, labels: { ...service.labels, ...labels } }));
  }
}

class FakePrometheus implements PrometheusClient {
  rps: Sample = { ok: true, value: 0 };
  cpu: Sample = { ok: true, value: 0 };
  /** Targets up: by default as many as tasks are ready. */
  up: Sample | undefined;
  readonly queries: string[] = [];
  constructor(private readonly swarm: FakeSwarm) {}
  scalar(query: string) {
    this.queries.push(query);
    if (query.includes('process_cpu_seconds_total')) return Promise.resolve(this.cpu);
    if (query.startsWith('sum(up')) {
      return Promise.resolve(this.up ?? { ok: true as const, value: this.swarm.services[0]?.replicas ?? 0 });
    }
    return Promise.resolve(this.rps);
  }
}

function setup(settings: Partial<AutoscalerSettings> = {}) {
  const swarm = new FakeSwarm();
  const prometheus = new FakePrometheus(swarm);
  const logger = new CaptureLogger('debug');
  const registry = new Registry();
  let now = Date.parse('2026-12-01T18:00:00Z');
  const autoscaler = createAutoscaler({
    swarm,
    prometheus,
    logger,
    metrics: createAutoscalerMetrics(registry),
    settings: { ...SETTINGS, ...settings },
    now: () => now,
    historySize: 5,
  });
  const evaluate = async (advanceMs = 15_000) => {
    await autoscaler.evaluate();
    now += advanceMs;
  };
  return { swarm, prometheus, logger, registry, autoscaler, evaluate };
}

const rps = (value: number): Sample => ({ ok: true, value });

it('scales up with one info line that explains the decision', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  prometheus.rps = rps(412);
  await evaluate();
  expect(swarm.scaled).toEqual([{ name: 'fogpair_producer', replicas: 3, version: 41 }]);
  expect(logger.messages('info')).toEqual([
    'Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %)',
  ]);
  expect(logger.at('info')[0]?.fields).toMatchObject({
    swarmService: 'fogpair_producer',
    from: 1,
    to: 3,
    reason: 'load',
  });
  expect(prometheus.queries).toContain(
    'sum(rate(fogpair_producer_requests_total{swarm_service="fogpair_producer"}[1m]))',
  );
});

it('logs held decisions at debug only', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  prometheus.rps = rps(150);
  await evaluate();
  await evaluate();
  expect(swarm.scaled).toEqual([]);
  expect(logger.messages('info')).toEqual([]);
  expect(logger.messages('debug')).toEqual([
    'Holding fogpair_producer at 1: 150 req/s per replica, target 150 (tolerance 10 %)',
    'Holding fogpair_producer at 1: 150 req/s per replica, target 150 (tolerance 10 %)',
  ]);
});

it('scales back down after the stabilisation window, not before', async () => {
  const { swarm, prometheus, evaluate } = setup();
  prometheus.rps = rps(412);
  await evaluate();
  prometheus.rps = rps(20);
  for (let i = 0; i < 7; i++) await evaluate(); // 15 s … 105 s after the scale-up
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([3]);
  await evaluate(); // 120 s: the recommendation of 3 has left the window
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([3, 1]);
});

it('in DRY_RUN decides and logs, once at info, but does not scale', async () => {
  const { swarm, prometheus, logger, autoscaler, evaluate } = setup({ dryRun: true });
  prometheus.rps = rps(412);
  await evaluate();
  await evaluate();
  expect(swarm.scaled).toEqual([]);
  expect(logger.messages('info')).toEqual([
    'Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %) (DRY_RUN: not applied)',
  ]);
  expect(logger.messages('debug')).toHaveLength(1);
  expect(autoscaler.status().decisions[0]).toMatchObject({ from: 1, to: 3, applied: false });
});

it('says once that data is missing, holds, and says when it is back', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  swarm.setReplicas(3);
  prometheus.rps = rps(450);
  await evaluate();
  prometheus.rps = { ok: false, reason: 'Prometheus at http://prometheus:9090 refused the connection' };
  for (let i = 0; i < 20; i++) await evaluate();
  expect(swarm.scaled).toEqual([]);
  expect(logger.messages('warn')).toEqual([
    'No data to scale fogpair_producer by: no data: rps: Prometheus at http://prometheus:9090 refused the connection; ' +
      'holding at 3 replicas (never scaling down without data)',
  ]);
  prometheus.rps = rps(450);
  await evaluate();
  expect(logger.messages('info')).toEqual(['Data to scale fogpair_producer by is back']);
});

it('does not scale down while Prometheus sees fewer targets than tasks are running', async () => {
  const { swarm, prometheus, evaluate } = setup({ scaleDownWindowMs: 0 });
  swarm.setReplicas(3);
  prometheus.rps = rps(30);
  prometheus.up = { ok: true, value: 2 };
  await evaluate();
  await evaluate();
  expect(swarm.scaled).toEqual([]);
  prometheus.up = undefined;
  await evaluate();
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([1]);
});

it('says once when the nodes cannot place what the load asks for', async () => {
  const { swarm, prometheus, logger, autoscaler, evaluate } = setup();
  swarm.setLabels({ 'fogpair.autoscale.max': '10' });
  prometheus.rps = rps(1500);
  for (let i = 0; i < 4; i++) await evaluate();
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([3]);
  expect(logger.messages('warn')).toEqual([
    'fogpair_producer: the load asks for 10 replicas but the eligible nodes can place only 3; staying at most there ' +
      'instead of leaving tasks Pending (add nodes, or raise max_replicas_per_node)',
  ]);
  expect(autoscaler.status().services.fogpair_producer).toMatchObject({ current: 3, placeable: 3, desired: 3 });
});

it('adopts a replica count a person set, and says so', async () => {
  const { swarm, prometheus, logger, autoscaler, evaluate } = setup();
  prometheus.rps = rps(100);
  await evaluate();
  swarm.setReplicas(3); // docker service scale fogpair_producer=3
  prometheus.rps = rps(3 * 100);
  await evaluate();
  expect(logger.messages('info')).toEqual([
    'fogpair_producer was scaled from 1 to 3 replicas by someone else; 3 is the new starting point, kept for at ' +
      'least 2 min and within [1, 3]',
  ]);
  expect(autoscaler.status().decisions[0]).toMatchObject({ manual: { from: 1, to: 3 }, direction: 'none' });
  for (let i = 0; i < 7; i++) await evaluate();
  expect(swarm.scaled).toEqual([]);
  await evaluate();
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([2]);
});

it('skips a service with bad labels, saying so once', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  swarm.setLabels({ 'fogpair.autoscale.max': 'many' });
  prometheus.rps = rps(900);
  await evaluate();
  await evaluate();
  expect(swarm.scaled).toEqual([]);
  expect(logger.messages('warn')).toEqual([
    'Not autoscaling fogpair_producer: label fogpair.autoscale.max must be a whole number >= fogpair.autoscale.min (1) (got "many")',
  ]);
  swarm.setLabels({ 'fogpair.autoscale.max': '3' });
  await evaluate();
  expect(logger.messages('info')[0]).toBe('Autoscaling fogpair_producer: its labels are valid again');
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([3]);
});

it('says once that the Docker API cannot be reached, and when it answers again', async () => {
  const { swarm, logger, evaluate } = setup();
  swarm.down = Object.assign(new Error('connect EACCES /var/run/docker.sock'), {
    code: 'EACCES',
    address: '/var/run/docker.sock',
  });
  await evaluate();
  await evaluate();
  expect(logger.messages('warn')).toEqual([
    'Cannot list services and nodes through the Docker API: permission denied on the Docker socket ' +
      '(/var/run/docker.sock); run as a user that may use it',
  ]);
  swarm.down = undefined;
  await evaluate();
  expect(logger.messages('info')).toEqual(['The Docker API answers again']);
});

it('a refused update is logged and tried again at the next evaluation', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  prometheus.rps = rps(412);
  swarm.failNext = Object.assign(new Error('(HTTP code 500) server error - update out of sequence'), {
    statusCode: 500,
    json: { message: 'rpc error: code = Unknown desc = update out of sequence' },
  });
  await evaluate();
  expect(logger.messages('warn')).toEqual([
    'Could not scale fogpair_producer 1 → 3: HTTP 500: rpc error: code = Unknown desc = update out of sequence',
  ]);
  await evaluate();
  expect(swarm.scaled.map((scale) => scale.replicas)).toEqual([3]);
});

it('leaves a rolling update alone, saying so once', async () => {
  const { swarm, prometheus, logger, evaluate } = setup();
  swarm.services = swarm.services.map((service) => ({ ...service, updateState: 'updating' }));
  prometheus.rps = rps(900);
  await evaluate();
  await evaluate();
  expect(swarm.scaled).toEqual([]);
  expect(logger.messages('info')).toEqual([
    'Not scaling fogpair_producer: the service is in a rolling update; no change until it ends',
  ]);
});

it('forgets a service that is removed or opted out', async () => {
  const { swarm, prometheus, logger, autoscaler, registry, evaluate } = setup();
  prometheus.rps = rps(100);
  await evaluate();
  expect(await registry.getSingleMetricAsString('fogpair_autoscaler_current_replicas')).toContain(
    'fogpair_autoscaler_current_replicas{service="fogpair_producer"} 1',
  );
  swarm.setLabels({ 'fogpair.autoscale.enable': 'false' });
  await evaluate();
  expect(logger.messages('info')).toEqual([
    'fogpair_producer is no longer autoscaled (removed, or label fogpair.autoscale.enable is not "true")',
  ]);
  expect(autoscaler.status().services).toEqual({});
  expect(await registry.getSingleMetricAsString('fogpair_autoscaler_current_replicas')).not.toContain(
    'fogpair_producer',
  );
});

it('keeps metrics and a bounded /status of the recommendations and the last decisions', async () => {
  const { swarm, prometheus, autoscaler, registry, evaluate } = setup();
  swarm.setLabels({ 'fogpair.autoscale.max': '10' });
  swarm.nodes = [];
  swarm.services = swarm.services.map((service) => ({
    ...service,
    placement: { ...service.placement, maxReplicasPerNode: 0, constraints: [] },
  }));
  swarm.nodes = THREE_NODES.map(toSwarmNode);
  for (const load of [400, 1000, 2000, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100]) {
    prometheus.rps = rps(load);
    await evaluate();
  }
  const status = autoscaler.status();
  expect(status.decisions.length).toBeLessThanOrEqual(5);
  expect(status.decisions[0]).toMatchObject({ service: 'fogpair_producer', direction: 'down', applied: true });
  const service = status.services.fogpair_producer;
  expect(service?.placeable).toBeNull();
  expect(service?.window.length).toBeGreaterThan(1);
  expect(service?.window.every((entry) => typeof entry.at === 'string' && entry.replicas >= 1)).toBe(true);
  const text = await registry.metrics();
  expect(text).toContain('fogpair_autoscaler_placeable_replicas{service="fogpair_producer"} +Inf');
  expect(text).toMatch(
    /fogpair_autoscaler_decisions_total\{service="fogpair_producer",direction="up",reason="load"\} [1-9]/,
  );
  expect(text).toMatch(/fogpair_autoscaler_desired_replicas\{service="fogpair_producer"\} \d/);
});

it("keeps the logger's own service field: the scaled service is `swarmService`", async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const swarm = new FakeSwarm();
  const prometheus = new FakePrometheus(swarm);
  prometheus.rps = rps(412);
  const autoscaler = createAutoscaler({
    swarm,
    prometheus,
    logger: createLogger({ service: 'autoscaler', level: 'info', format: 'json', stream }),
    metrics: createAutoscalerMetrics(new Registry()),
    settings: SETTINGS,
  });
  await autoscaler.evaluate();
  expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
    expect.objectContaining({
      service: 'autoscaler',
      swarmService: 'fogpair_producer',
      message: 'Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %)',
    }),
  ]);
});
