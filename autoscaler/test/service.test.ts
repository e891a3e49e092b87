import request from 'supertest';
import { CaptureLogger } from '../../test/support/capture-logger';
import { parseAutoscalerConfig } from '../src/config';
import { startEvaluationLoop } from '../src/evaluation-loop';
import type { PrometheusClient } from '../src/prometheus';
import { createAutoscalerService } from '../src/service';
import { toSwarmNode, toSwarmService, toSwarmTask } from '../src/swarm';
import type { SwarmApi, SwarmService } from '../src/swarm';
import { THREE_NODES, serviceJson, taskJson } from '../../test/support/fake-docker-api';

function fakeSwarm(): SwarmApi & { scaled: number[]; firstScaling: Promise<void> } {
  let service: SwarmService = toSwarmService(serviceJson({ replicas: 1 }));
  const scaled: number[] = [];
  let scaledOnce: () => void = () => undefined;
  return {
    scaled,
    /** Resolves when the first update has been applied (and the evaluation that sent it is recording it). */
    firstScaling: new Promise<void>((resolve) => (scaledOnce = resolve)),
    listServices: () => Promise.resolve([service]),
    listNodes: () => Promise.resolve(THREE_NODES.map(toSwarmNode)),
    listTasks: () => Promise.resolve([toSwarmTask(taskJson('t1', 'running'))]),
    scale: (_service, replicas) => {
      scaled.push(replicas);
      service = { ...service, replicas, version: service.version + 1 };
      scaledOnce();
      return Promise.resolve();
    },
  };
}

const prometheus: PrometheusClient = {
  scalar: (query) => Promise.resolve({ ok: true, value: query.startsWith('sum(up') ? 1 : 412 }),
};

/** The first evaluation has scaled and recorded its evaluation (a macrotask after the update resolved). */
async function firstScaling(swarm: { firstScaling: Promise<void> }): Promise<void> {
  await swarm.firstScaling;
  await new Promise((resolve) => setImmediate(resolve));
}

describe('createAutoscalerService', () => {
  it('evaluates once started, serves its status, and stops cleanly', async () => {
    const swarm = fakeSwarm();
    const logger = new CaptureLogger('info');
    const service = createAutoscalerService({
      config: parseAutoscalerConfig({ EVALUATION_INTERVAL_MS: '100' }),
      logger,
      swarm,
      prometheus,
    });
    await request(service.server).get('/healthz').expect(200);
    service.start();
    await firstScaling(swarm);
    expect(swarm.scaled).toEqual([3]);
    const status = await request(service.server).get('/status').expect(200);
    expect((status.body as { services: Record<string, { current: number }> }).services.fogpair_producer).toMatchObject({
      current: 1,
      desired: 3,
    });
    const metrics = await request(service.server).get('/metrics').expect(200);
    expect(metrics.text).toContain(
      'fogpair_autoscaler_decisions_total{service="fogpair_producer",direction="up",reason="load"} 1',
    );
    expect(metrics.text).toContain('process_cpu_seconds_total');
    await service.stop();
    expect(logger.messages('info')).toEqual([
      'Scaling fogpair_producer 1 → 3: 412 req/s per replica, target 150 (tolerance 10 %)',
    ]);
  });

  it('answers in indented JSON, names its paths in a 404, and fails /healthz once evaluations stall', async () => {
    const swarm = fakeSwarm();
    const service = createAutoscalerService({
      // No second evaluation during the test.
      config: parseAutoscalerConfig({ EVALUATION_INTERVAL_MS: '60000' }),
      logger: new CaptureLogger('info'),
      swarm,
      prometheus,
    });
    const pretty = (body: unknown) => `${JSON.stringify(body, null, 2)}\n`;
    service.start();
    try {
      await firstScaling(swarm);
      await request(service.server)
        .get('/healthz')
        .expect(200, pretty({ status: 'ok' }));
      await request(service.server).get('/status').expect(200, pretty(service.autoscaler.status()));
      const message = 'No such path: /nope. Try GET /status, GET /metrics or GET /healthz';
      await request(service.server)
        .get('/nope')
        .expect(404, pretty({ error: { status: 404, code: 'not_found', message } }));
      // A day after the last evaluation ended, far past any stall limit.
      jest.spyOn(performance, 'now').mockReturnValue(performance.now() + 24 * 3600_000);
      await request(service.server)
        .get('/healthz')
        .expect(503, pretty({ status: 'evaluation loop stalled' }));
    } finally {
      jest.restoreAllMocks();
      await service.stop();
    }
  });
});

describe('startEvaluationLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('evaluates at once, then an interval after each evaluation ends, never overlapping', async () => {
    const starts: number[] = [];
    let finish: (() => void) | undefined;
    const loop = startEvaluationLoop({
      intervalMs: 1000,
      evaluate: () => {
        starts.push(Date.now());
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5000); // the first evaluation is still running
    expect(starts).toHaveLength(1);
    finish?.();
    await jest.advanceTimersByTimeAsync(999);
    expect(starts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(starts).toHaveLength(2);
    const stopped = loop.stop();
    finish?.();
    await stopped;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(starts).toHaveLength(2);
  });

  it('cancels a running evaluation when stopped', async () => {
    let seen: AbortSignal | undefined;
    const loop = startEvaluationLoop({
      intervalMs: 1000,
      evaluate: (signal) => {
        seen = signal;
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      },
    });
    await loop.stop();
    expect(seen?.aborted).toBe(true);
  });
});
