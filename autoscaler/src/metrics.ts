import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AutoscalerState, Evaluation } from './autoscaler-state';

export interface AutoscalerMetrics {
  /** The time a Prometheus query took; everything else is read from the state at scrape time. */
  prometheusQuery(seconds: number): void;
}

/** Per service, from its last evaluation: name, help, value. */
const REPLICA_GAUGES: readonly [string, string, (evaluation: Evaluation) => number][] = [
  [
    'fogpair_autoscaler_current_replicas',
    'Replicas in the service spec, as last read from the Docker API',
    ({ observation }) => observation.current,
  ],
  [
    'fogpair_autoscaler_ready_replicas',
    'Tasks running (healthy, when the image has a health check): the capacity the policy divides the load by',
    ({ observation }) => observation.ready,
  ],
  [
    'fogpair_autoscaler_desired_replicas',
    'Replicas the last evaluation decided on (equal to current when it held)',
    ({ decision }) => decision.to,
  ],
  [
    'fogpair_autoscaler_placeable_replicas',
    'Replicas the eligible nodes can hold (max_replicas_per_node x eligible nodes; +Inf without that limit)',
    ({ observation }) => observation.placeable,
  ],
];

/**
 * The autoscaler's metrics on `registry` (never the global one, so tests stay apart). Replica counts,
 * decisions and errors are read from `state` when Prometheus scrapes, so they cannot disagree with
 * /status; a service that is no longer autoscaled has no replica series.
 */
export function createAutoscalerMetrics(registry: Registry, state: AutoscalerState): AutoscalerMetrics {
  const registers = [registry];
  for (const [name, help, value] of REPLICA_GAUGES) {
    new Gauge({
      name,
      help,
      labelNames: ['service'],
      registers,
      collect() {
        this.reset();
        for (const evaluation of state.latest()) this.set({ service: evaluation.service }, value(evaluation));
      },
    });
  }
  new Counter({
    name: 'fogpair_autoscaler_decisions_total',
    help: 'Evaluations by service, direction (up, down, none) and reason',
    labelNames: ['service', 'direction', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const { service, direction, reason, count } of state.decisionCounts()) {
        this.inc({ service, direction, reason }, count);
      }
    },
  });
  const queryDuration = new Gauge({
    name: 'fogpair_autoscaler_prometheus_query_duration_seconds',
    help: 'Duration of the last Prometheus query, answered or not',
    registers,
  });
  new Counter({
    name: 'fogpair_autoscaler_docker_errors_total',
    help: 'Docker API calls that failed (listing services, tasks or nodes, or scaling)',
    registers,
    collect() {
      this.reset();
      this.inc(state.errors.docker);
    },
  });
  new Counter({
    name: 'fogpair_autoscaler_internal_errors_total',
    help: 'Evaluations of a service that failed on an error of the autoscaler itself (a bug: see its error log line)',
    registers,
    collect() {
      this.reset();
      this.inc(state.errors.internal);
    },
  });

  return { prometheusQuery: (seconds) => queryDuration.set(seconds) };
}
