/**
 * The autoscaler as it runs, on fakes at its two boundaries: the real controller, Docker adapter
 * (dockerode over a unix socket) and Prometheus client, against a fake Docker engine and a fake
 * Prometheus HTTP API, on a fake clock that moves only when a test says so.
 */
import Dockerode from 'dockerode';
import { Registry } from 'prom-client';
import type { LogLevel, Logger } from '@fogpair/shared';
import { CaptureLogger } from '../../test/support/capture-logger';
import { FakeDockerApi, THREE_NODES, runningTasks, serviceJson } from '../../test/support/fake-docker-api';
import type { ServiceOptions } from '../../test/support/fake-docker-api';
import { createAutoscaler } from '../src/autoscaler';
import type { AutoscalerOptions, AutoscalerSettings } from '../src/autoscaler';
import { AutoscalerState } from '../src/autoscaler-state';
import { LABEL } from '../src/labels';
import { createAutoscalerMetrics } from '../src/metrics';
import { createPrometheusClient } from '../src/prometheus';
import { createDockerSwarmApi } from '../src/swarm';

export const SETTINGS: AutoscalerSettings = {
  tolerance: 0.1,
  scaleUpMaxStep: 4,
  scaleDownWindowMs: 120_000,
  rateWindow: '1m',
  dryRun: false,
};

export const PROMETHEUS_URL = 'http://prometheus:9090';

/** What the fake Prometheus answers to one query: a number, or a way of having none. */
export type PrometheusAnswer = number | 'refused' | 'no samples' | 'NaN';

/**
 * Prometheus's `/api/v1/query` as a fetch function: the request rate and CPU as set, and `up` as the
 * number of running tasks unless set.
 */
export class FakePrometheus {
  rps: PrometheusAnswer = 0;
  cpu: PrometheusAnswer = 0;
  up: PrometheusAnswer | undefined;
  readonly queries: string[] = [];

  constructor(private readonly runningTasks: () => number) {}

  readonly fetch: typeof fetch = async (_url, init) => {
    await Promise.resolve();
    const query = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get('query') ?? '';
    this.queries.push(query);
    const answer = query.includes('process_cpu_seconds_total')
      ? this.cpu
      : query.startsWith('sum(up')
        ? (this.up ?? this.runningTasks())
        : this.rps;
    if (answer === 'refused') {
      throw Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.1.9:9090'), { code: 'ECONNREFUSED' }),
      });
    }
    const result = answer === 'no samples' ? [] : [{ metric: {}, value: [1_796_148_000, String(answer)] }];
    return Response.json({ status: 'success', data: { resultType: 'vector', result } });
  };
}

export interface FakeClusterOptions {
  settings?: Partial<AutoscalerSettings>;
  service?: ServiceOptions;
  logLevel?: LogLevel;
  /** Instead of the CaptureLogger at `logLevel`, e.g. the real one writing JSON. */
  logger?: Logger;
  policy?: AutoscalerOptions['policy'];
}

export interface FakeCluster {
  readonly docker: FakeDockerApi;
  readonly prometheus: FakePrometheus;
  readonly logger: CaptureLogger;
  readonly registry: Registry;
  readonly autoscaler: ReturnType<typeof createAutoscaler>;
  /** One evaluation, then the clock moves on by `advanceMs`. */
  readonly evaluate: (advanceMs?: number) => Promise<void>;
  /** The replica counts the autoscaler's accepted updates set, in order. */
  readonly scaled: () => number[];
  /** What `docker service scale` by a person leaves behind. */
  readonly setReplicas: (replicas: number) => void;
  readonly setLabels: (labels: Record<string, string>) => void;
  /** The value of one series on /metrics, e.g. `fogpair_autoscaler_docker_errors_total`. */
  readonly metric: (series: string) => Promise<number | undefined>;
  readonly close: () => Promise<void>;
}

/** One producer service (1 replica, max 3, target 150 req/s) on three nodes; the fake clock at 2026-12-01T18:00Z. */
export async function startFakeCluster({
  settings = {},
  service = {},
  logLevel = 'debug',
  logger: ownLogger,
  policy,
}: FakeClusterOptions = {}): Promise<FakeCluster> {
  const json = serviceJson(service);
  const docker = new FakeDockerApi({
    services: [json],
    tasks: runningTasks(json.ID, json.Spec.Mode.Replicated.Replicas),
    nodes: THREE_NODES,
  });
  await docker.listen();
  const prometheus = new FakePrometheus(
    () => docker.state.tasks.filter((task) => task.ServiceID === json.ID && task.Status.State === 'running').length,
  );
  const logger = new CaptureLogger(logLevel);
  const registry = new Registry();
  const state = new AutoscalerState(5);
  const metrics = createAutoscalerMetrics(registry, state);
  let now = Date.parse('2026-12-01T18:00:00Z');
  const autoscaler = createAutoscaler({
    swarm: createDockerSwarmApi(new Dockerode({ socketPath: docker.socketPath }), { autoscaleLabel: LABEL.enable }),
    prometheus: createPrometheusClient({
      baseUrl: PROMETHEUS_URL,
      timeoutMs: 5000,
      fetch: prometheus.fetch,
      onQuery: (seconds) => metrics.prometheusQuery(seconds),
    }),
    logger: ownLogger ?? logger,
    state,
    settings: { ...SETTINGS, ...settings },
    now: () => now,
    ...(policy && { policy }),
  });
  const producer = () => {
    const found = docker.state.services[0];
    if (!found) throw new Error('the fake engine has no service');
    return found;
  };

  return {
    docker,
    prometheus,
    logger,
    registry,
    autoscaler,
    evaluate: async (advanceMs = 15_000) => {
      await autoscaler.evaluate();
      now += advanceMs;
    },
    scaled: () =>
      docker.updates().flatMap((update) => {
        if (update.status !== 200) return [];
        const replicas = (update.body as { Mode?: { Replicated?: { Replicas?: number } } }).Mode?.Replicated?.Replicas;
        return replicas === undefined ? [] : [replicas];
      }),
    setReplicas: (replicas) => {
      const spec = producer();
      spec.Spec.Mode = { Replicated: { Replicas: replicas } };
      spec.Version = { Index: spec.Version.Index + 1 };
      docker.state.tasks = [
        ...docker.state.tasks.filter((task) => task.ServiceID !== spec.ID),
        ...runningTasks(spec.ID, replicas),
      ];
    },
    setLabels: (labels) => {
      const spec = producer();
      spec.Spec.Labels = { ...spec.Spec.Labels, ...labels };
      spec.Version = { Index: spec.Version.Index + 1 };
    },
    metric: async (series) => {
      const text = await registry.metrics();
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    },
    close: () => docker.close(),
  };
}
