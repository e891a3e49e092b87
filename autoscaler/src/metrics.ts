import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Decision } from './policy';
import type { ServiceObservation } from './policy';

export interface AutoscalerMetrics {
  /** The numbers of one evaluation: current, ready, desired and placeable replicas. */
  evaluated(service: string, observation: ServiceObservation, desired: number): void;
  decision(service: string, decision: Decision): void;
  /** A service no longer autoscaled: its series go away. */
  forget(service: string): void;
  prometheusQuery(seconds: number): void;
  dockerError(): void;
}

/** The autoscaler's metrics on `registry` (never the global one, so tests stay apart). */
export function createAutoscalerMetrics(registry: Registry): AutoscalerMetrics {
  const registers = [registry];
  const labelNames = ['service'] as const;
  const current = new Gauge({
    name: 'fogpair_autoscaler_current_replicas',
    help: 'Replicas in the service spec, as last read from the Docker API',
    labelNames,
    registers,
  });
  const ready = new Gauge({
    name: 'fogpair_autoscaler_ready_replicas',
    help: 'Tasks running (healthy, when the image has a health check): the capacity the policy divides the load by',
    labelNames,
    registers,
  });
  const desired = new Gauge({
    name: 'fogpair_autoscaler_desired_replicas',
    help: 'Replicas the last evaluation decided on (equal to current when it held)',
    labelNames,
    registers,
  });
  const placeable = new Gauge({
    name: 'fogpair_autoscaler_placeable_replicas',
    help: 'Replicas the eligible nodes can hold (max_replicas_per_node x eligible nodes; +Inf without that limit)',
    labelNames,
    registers,
  });
  const decisions = new Counter({
    name: 'fogpair_autoscaler_decisions_total',
    help: 'Evaluations by service, direction (up, down, none) and reason',
    labelNames: ['service', 'direction', 'reason'],
    registers,
  });
  const queryDuration = new Gauge({
    name: 'fogpair_autoscaler_prometheus_query_duration_seconds',
    help: 'Duration of the last Prometheus query, answered or not',
    registers,
  });
  const dockerErrors = new Counter({
    name: 'fogpair_autoscaler_docker_errors_total',
    help: 'Docker API calls that failed (listing services, tasks or nodes, or scaling)',
    registers,
  });
  dockerErrors.inc(0);

  return {
    evaluated(service, observation, desiredReplicas) {
      current.set({ service }, observation.current);
      ready.set({ service }, observation.ready);
      desired.set({ service }, desiredReplicas);
      placeable.set({ service }, observation.placeable);
    },
    decision(service, decision) {
      decisions.inc({ service, direction: decision.direction, reason: decision.reason });
    },
    forget(service) {
      for (const gauge of [current, ready, desired, placeable]) gauge.remove({ service });
    },
    prometheusQuery: (seconds) => queryDuration.set(seconds),
    dockerError: () => dockerErrors.inc(),
  };
}
