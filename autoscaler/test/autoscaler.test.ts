import { Writable } from 'node:stream';
import { createLogger } from '@fogpair/shared';
import type { DockerCall, DockerFault } from '../../test/support/fake-docker-api';
import { decide } from '../src/policy';
import { startFakeCluster } from './fake-cluster';
import type { FakeCluster, FakeClusterOptions } from './fake-cluster';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function setup(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  cluster = await startFakeCluster(options);
  return cluster;
}

const SCALE_LINE = 'Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %)';

describe('scaling', () => {
  it('scales up with one info line that explains the decision, at the version it read', async () => {
    const { docker, prometheus, logger, scaled, evaluate } = await setup();
    prometheus.rps = 412;
    await evaluate();
    expect(scaled()).toEqual([3]);
    expect(docker.updates()[0]?.query.get('version')).toBe('41');
    expect(logger.messages('info')).toEqual([SCALE_LINE]);
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
    const { prometheus, logger, scaled, evaluate } = await setup();
    prometheus.rps = 150;
    await evaluate();
    await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('info')).toEqual([]);
    expect(logger.messages('debug')).toEqual([
      'Holding fogpair_producer at 1: 150 req/s per replica, target 150 (tolerance 10 %)',
      'Holding fogpair_producer at 1: 150 req/s per replica, target 150 (tolerance 10 %)',
    ]);
  });

  it('scales back down after the stabilisation window, not before', async () => {
    const { prometheus, scaled, evaluate } = await setup();
    prometheus.rps = 412;
    await evaluate();
    prometheus.rps = 20;
    for (let i = 0; i < 7; i++) await evaluate(); // 15 s … 105 s after the scale-up
    expect(scaled()).toEqual([3]);
    await evaluate(); // 120 s: the recommendation of 3 has left the window
    expect(scaled()).toEqual([3, 1]);
  });

  it('in DRY_RUN decides and logs, once at info, but does not scale', async () => {
    const { prometheus, logger, autoscaler, scaled, evaluate } = await setup({ settings: { dryRun: true } });
    prometheus.rps = 412;
    await evaluate();
    await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('info')).toEqual([`${SCALE_LINE} (DRY_RUN: not applied)`]);
    expect(logger.messages('debug')).toEqual([`${SCALE_LINE} (DRY_RUN: not applied)`]);
    expect(autoscaler.status().decisions[0]).toMatchObject({ from: 1, to: 3, applied: false });
  });

  it('says once when the nodes cannot place what the load asks for', async () => {
    const { prometheus, logger, autoscaler, scaled, setLabels, evaluate } = await setup();
    setLabels({ 'fogpair.autoscale.max': '10' });
    prometheus.rps = 1500;
    for (let i = 0; i < 4; i++) await evaluate();
    expect(scaled()).toEqual([3]);
    expect(logger.messages('warn')).toEqual([
      'fogpair_producer: the load asks for 10 replicas but the eligible nodes can place only 3; staying at most there ' +
        'instead of leaving tasks Pending (add nodes, or raise max_replicas_per_node)',
    ]);
    expect(autoscaler.status().services.fogpair_producer).toMatchObject({ current: 3, placeable: 3, desired: 3 });
  });

  it('adopts a replica count a person set, and says so', async () => {
    const { prometheus, logger, autoscaler, scaled, setReplicas, evaluate } = await setup();
    prometheus.rps = 100;
    await evaluate();
    setReplicas(3); // docker service scale fogpair_producer=3
    prometheus.rps = 3 * 100;
    await evaluate();
    expect(logger.messages('info')).toEqual([
      'fogpair_producer was scaled from 1 to 3 replicas by someone else; 3 is the new starting point, kept for at ' +
        'least 2 min and within [1, 3]',
    ]);
    expect(autoscaler.status().decisions[0]).toMatchObject({ manual: { from: 1, to: 3 }, direction: 'none' });
    for (let i = 0; i < 7; i++) await evaluate();
    expect(scaled()).toEqual([]);
    await evaluate();
    expect(scaled()).toEqual([2]);
  });

  it("takes its own scale for its own, not for a person's", async () => {
    const { prometheus, logger, scaled, evaluate } = await setup();
    prometheus.rps = 412;
    await evaluate();
    prometheus.rps = 3 * 150;
    await evaluate();
    expect(scaled()).toEqual([3]);
    expect(logger.messages('info')).toEqual([SCALE_LINE]);
  });

  it('leaves a rolling update alone, saying so once, and when it is over', async () => {
    const { docker, prometheus, logger, scaled, evaluate } = await setup({ service: { updateState: 'updating' } });
    prometheus.rps = 900;
    await evaluate();
    await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('info')).toEqual([
      'Not scaling fogpair_producer: the service is in a rolling update; no change until it ends',
    ]);
    const [service] = docker.state.services;
    if (service?.UpdateStatus) service.UpdateStatus.State = 'completed';
    await evaluate();
    expect(logger.messages('info').slice(1)).toEqual([
      "fogpair_producer's rolling update is over; autoscaling it again",
      'fogpair_producer: the load asks for 6 replicas; staying at the maximum of 3 (label fogpair.autoscale.max)',
      'Scaling fogpair_producer 1 → 3: 900 req/s per replica, target 150 (tolerance 10 %); the load asks for 6, the maximum is 3',
    ]);
  });
});

describe('labels', () => {
  it('skips a service with bad labels, saying so once', async () => {
    const { prometheus, logger, scaled, setLabels, evaluate } = await setup();
    setLabels({ 'fogpair.autoscale.max': 'many' });
    prometheus.rps = 900;
    await evaluate();
    await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('warn')).toEqual([
      'Not autoscaling fogpair_producer: label fogpair.autoscale.max must be a whole number >= fogpair.autoscale.min (1) (got "many")',
    ]);
    setLabels({ 'fogpair.autoscale.max': '3' });
    await evaluate();
    expect(logger.messages('info')[0]).toBe('Autoscaling fogpair_producer: its labels are valid again');
    expect(scaled()).toEqual([3]);
  });

  it('forgets a service that is opted out, and its replica series', async () => {
    const { prometheus, logger, autoscaler, metric, setLabels, evaluate } = await setup();
    prometheus.rps = 100;
    await evaluate();
    expect(await metric('fogpair_autoscaler_current_replicas{service="fogpair_producer"}')).toBe(1);
    setLabels({ 'fogpair.autoscale.enable': 'false' });
    await evaluate();
    expect(logger.messages('info')).toEqual([
      'fogpair_producer is no longer autoscaled (removed, or label fogpair.autoscale.enable is not "true")',
    ]);
    expect(autoscaler.status().services).toEqual({});
    expect(await metric('fogpair_autoscaler_current_replicas{service="fogpair_producer"}')).toBeUndefined();
  });
});

describe('Prometheus', () => {
  it('says once that data is missing, in words that say it once, holds, and says when it is back', async () => {
    const { prometheus, logger, scaled, setReplicas, evaluate } = await setup();
    setReplicas(3);
    prometheus.rps = 450;
    await evaluate();
    prometheus.rps = 'refused';
    for (let i = 0; i < 20; i++) await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('warn')).toEqual([
      'No data to scale fogpair_producer by: rps: Prometheus at http://prometheus:9090 refused the connection; ' +
        'holding at 3 replicas (never scaling down without data)',
    ]);
    prometheus.rps = 450;
    await evaluate();
    expect(logger.messages('info')).toEqual(['Data to scale fogpair_producer by is back']);
  });

  it('holds on NaN and on an empty answer as on no answer', async () => {
    const { prometheus, logger, scaled, setReplicas, evaluate } = await setup({ settings: { scaleDownWindowMs: 0 } });
    setReplicas(3);
    prometheus.rps = 'NaN';
    await evaluate();
    prometheus.rps = 'no samples';
    await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages('warn')).toEqual([
      'No data to scale fogpair_producer by: rps: the value is NaN; holding at 3 replicas (never scaling down without data)',
    ]);
  });

  it('holds a scale-down while Prometheus scrapes fewer replicas than are ready, saying so at info, once', async () => {
    const { prometheus, logger, scaled, setReplicas, evaluate } = await setup({
      settings: { scaleDownWindowMs: 0 },
      logLevel: 'info',
    });
    setReplicas(3);
    prometheus.rps = 30;
    prometheus.up = 2;
    for (let i = 0; i < 4; i++) await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.messages()).toEqual([
      'Not scaling fogpair_producer down: Prometheus scrapes 2 of its 3 ready replicas, and a replica that is not ' +
        'scraped looks like less load; holding at 3 replicas',
    ]);
    expect(logger.at('info')[0]?.fields).toMatchObject({ swarmService: 'fogpair_producer', scraped: 2, ready: 3 });
    prometheus.up = undefined;
    await evaluate();
    expect(scaled()).toEqual([1]);
    expect(logger.messages().slice(1)).toEqual([
      'Prometheus scrapes every ready replica of fogpair_producer again',
      'Scaling fogpair_producer 3 → 1: 10 req/s per replica, target 150 (tolerance 10 %); 1',
    ]);
  });
});

describe('the Docker API', () => {
  const NOT_A_MANAGER =
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

  it.each<[string, DockerCall, DockerFault, string, string[]]>([
    [
      'listing services',
      'services',
      { status: 503, message: NOT_A_MANAGER },
      `Cannot list services and nodes through the Docker API: ${NOT_A_MANAGER} (this engine is not a Swarm manager: ` +
        'run the autoscaler on a manager)',
      ['The Docker API answers again', SCALE_LINE],
    ],
    [
      "reading a service's tasks (while listing services works)",
      'tasks',
      { status: 500, message: 'rpc error: code = Unavailable desc = the raft is busy' },
      'Cannot read the tasks of fogpair_producer through the Docker API: HTTP 500: rpc error: code = Unavailable ' +
        'desc = the raft is busy',
      ['The Docker API lists the tasks of fogpair_producer again', SCALE_LINE],
    ],
    [
      'updating the service',
      'update',
      { status: 403, message: 'forbidden: the gate allows no update of this service' },
      'Could not scale fogpair_producer 1 → 3: HTTP 403: forbidden: the gate allows no update of this service',
      [SCALE_LINE],
    ],
  ])(
    '%s keeps failing: one warning over four evaluations, four Docker errors, and a line when it works',
    async (_call, call, fault, warning, recovery) => {
      const { docker, prometheus, logger, metric, scaled, evaluate } = await setup({ logLevel: 'info' });
      prometheus.rps = 412;
      docker.faults[call] = fault;
      for (let i = 0; i < 4; i++) await evaluate();
      expect(scaled()).toEqual([]);
      expect(logger.entries.map((entry) => `${entry.level} ${entry.message}`)).toEqual([`warn ${warning}`]);
      expect(await metric('fogpair_autoscaler_docker_errors_total')).toBe(4);
      expect(await metric('fogpair_autoscaler_internal_errors_total')).toBe(0);
      docker.faults[call] = undefined;
      await evaluate();
      expect(scaled()).toEqual([3]);
      expect(logger.messages().slice(1)).toEqual(recovery);
    },
  );

  it('keeps the two conditions apart: listing services and reading tasks fail and recover each on its own', async () => {
    const { docker, prometheus, logger, evaluate } = await setup({ logLevel: 'info' });
    prometheus.rps = 150;
    docker.faults.tasks = { status: 500, message: 'tasks unavailable' };
    docker.faults.services = { status: 500, message: 'services unavailable' };
    await evaluate();
    delete docker.faults.services;
    await evaluate();
    await evaluate();
    delete docker.faults.tasks;
    await evaluate();
    await evaluate();
    expect(logger.entries.map((entry) => `${entry.level} ${entry.message}`)).toEqual([
      'warn Cannot list services and nodes through the Docker API: HTTP 500: services unavailable',
      'info The Docker API answers again',
      'warn Cannot read the tasks of fogpair_producer through the Docker API: HTTP 500: tasks unavailable',
      'info The Docker API lists the tasks of fogpair_producer again',
    ]);
  });

  it('says a refused update again when the cause changes, and tries again at every evaluation', async () => {
    const { docker, prometheus, logger, scaled, evaluate } = await setup({ logLevel: 'info' });
    prometheus.rps = 412;
    docker.faults.update = { status: 403, message: 'forbidden' };
    await evaluate();
    docker.faults.update = { status: 500, message: 'rpc error: code = Unknown desc = update out of sequence' };
    await evaluate();
    await evaluate();
    delete docker.faults.update;
    await evaluate();
    expect(scaled()).toEqual([3]);
    expect(logger.messages()).toEqual([
      'Could not scale fogpair_producer 1 → 3: HTTP 403: forbidden',
      'Could not scale fogpair_producer 1 → 3: HTTP 500: rpc error: code = Unknown desc = update out of sequence',
      SCALE_LINE,
    ]);
  });
});

describe('an error of its own', () => {
  it('is a bug in the log and in the metrics, said once, not a Docker failure', async () => {
    let broken = true;
    const policy: typeof decide = (input, memory) => {
      if (broken) throw new TypeError("Cannot read properties of undefined (reading 'replicas')");
      return decide(input, memory);
    };
    const { prometheus, logger, metric, scaled, evaluate } = await setup({ policy, logLevel: 'info' });
    prometheus.rps = 412;
    for (let i = 0; i < 3; i++) await evaluate();
    expect(scaled()).toEqual([]);
    expect(logger.entries.map((entry) => `${entry.level} ${entry.message}`)).toEqual([
      'error Internal error in the evaluation of fogpair_producer (a bug in the autoscaler, not a Docker or ' +
        "Prometheus failure): TypeError: Cannot read properties of undefined (reading 'replicas'); holding the " +
        'replica count',
    ]);
    expect(logger.at('error')[0]?.fields).toMatchObject({
      swarmService: 'fogpair_producer',
      stack: expect.stringContaining('TypeError') as unknown,
    });
    expect(await metric('fogpair_autoscaler_internal_errors_total')).toBe(3);
    expect(await metric('fogpair_autoscaler_docker_errors_total')).toBe(0);
    broken = false;
    await evaluate();
    expect(logger.messages().slice(1)).toEqual(['Evaluating fogpair_producer works again', SCALE_LINE]);
  });
});

describe('one record per evaluation', () => {
  it('/status and /metrics read the same evaluations; /status keeps a bounded list of changes', async () => {
    const { prometheus, autoscaler, registry, metric, setLabels, evaluate, docker } = await setup({
      settings: { scaleDownWindowMs: 0 },
    });
    setLabels({ 'fogpair.autoscale.max': '10' });
    const [service] = docker.state.services;
    if (service) delete service.Spec.TaskTemplate.Placement.MaxReplicas;
    const loads = [400, 50, 400, 50, 400, 50, 400, 450];
    for (const load of loads) {
      prometheus.rps = load;
      await evaluate();
    }
    const status = autoscaler.status();
    // Seven changes, up and down in turn, then a hold; the harness keeps five.
    expect(status.decisions.map((decision) => [decision.direction, decision.from, decision.to])).toEqual([
      ['up', 1, 3],
      ['down', 3, 1],
      ['up', 1, 3],
      ['down', 3, 1],
      ['up', 1, 3],
    ]);
    expect(status.decisions.every((decision) => decision.applied)).toBe(true);
    const producer = status.services.fogpair_producer;
    expect(producer).toMatchObject({ current: 3, ready: 3, desired: 3, placeable: null });
    expect(producer?.lastDecision).toMatchObject({ direction: 'none', reason: 'tolerance' });
    expect(producer?.window).toEqual([{ at: '2026-12-01T18:01:45.000Z', replicas: 3 }]);
    const text = await registry.metrics();
    expect(text).toContain('fogpair_autoscaler_placeable_replicas{service="fogpair_producer"} +Inf');
    for (const [name, value] of [
      ['current', producer?.current],
      ['ready', producer?.ready],
      ['desired', producer?.desired],
    ] as const) {
      expect(await metric(`fogpair_autoscaler_${name}_replicas{service="fogpair_producer"}`)).toBe(value);
    }
    const counted = (direction: string, reason: string) =>
      metric(
        `fogpair_autoscaler_decisions_total{service="fogpair_producer",direction="${direction}",reason="${reason}"}`,
      );
    expect([await counted('up', 'load'), await counted('down', 'load'), await counted('none', 'tolerance')]).toEqual([
      4, 3, 1,
    ]);
  });
});

it("keeps the logger's own service field: the scaled service is `swarmService`", async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const { prometheus, evaluate } = await setup({
    logger: createLogger({ service: 'autoscaler', level: 'info', format: 'json', stream }),
  });
  prometheus.rps = 412;
  await evaluate();
  expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
    expect.objectContaining({ service: 'autoscaler', swarmService: 'fogpair_producer', message: SCALE_LINE }),
  ]);
});
