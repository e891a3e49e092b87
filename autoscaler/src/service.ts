import type { Server } from 'node:http';
import Dockerode from 'dockerode';
import { Registry } from 'prom-client';
import {
  HTTP_SERVER_DEFAULTS,
  answerClientErrorsWithJson,
  applyHttpServerLimits,
  closeServer,
  collectRuntimeMetrics,
  createStatusServer,
  healthRoute,
  jsonRoute,
  metricsRoute,
} from '@fogpair/shared';
import type { Logger } from '@fogpair/shared';
import { createAutoscaler } from './autoscaler';
import type { Autoscaler } from './autoscaler';
import { AutoscalerState } from './autoscaler-state';
import type { AutoscalerConfig } from './config';
import { startEvaluationLoop } from './evaluation-loop';
import type { EvaluationLoop } from './evaluation-loop';
import { LABEL } from './labels';
import { createAutoscalerMetrics } from './metrics';
import { createPrometheusClient } from './prometheus';
import type { PrometheusClient } from './prometheus';
import { createDockerSwarmApi } from './swarm';
import type { SwarmApi } from './swarm';

/** A Docker API call that takes longer than this fails (and is tried again at the next evaluation). */
export const DOCKER_TIMEOUT_MS = 10_000;

export interface AutoscalerServiceOptions {
  config: AutoscalerConfig;
  logger: Logger;
  /** The Docker API; dockerode on `config.dockerSocket` by default. */
  swarm?: SwarmApi;
  /** Prometheus; the platform's fetch on `config.prometheusUrl` by default. */
  prometheus?: PrometheusClient;
  now?: () => number;
}

export interface AutoscalerService {
  readonly autoscaler: Autoscaler;
  /** /healthz, /status, /metrics; not listening yet. */
  readonly server: Server;
  readonly registry: Registry;
  /** Starts evaluating: at once, then every EVALUATION_INTERVAL_MS. */
  start(): void;
  /** Ends the evaluations (a running one is cancelled, an update already sent finishes) and closes the server. */
  stop(): Promise<void>;
}

/** The autoscaler, its metrics and its status server, wired; main.ts adds the environment, the port and the signals. */
export function createAutoscalerService({
  config,
  logger,
  swarm,
  prometheus,
  now,
}: AutoscalerServiceOptions): AutoscalerService {
  const registry = new Registry();
  collectRuntimeMetrics(registry);
  const state = new AutoscalerState();
  const metrics = createAutoscalerMetrics(registry, state);
  const autoscaler = createAutoscaler({
    swarm:
      swarm ??
      createDockerSwarmApi(new Dockerode({ socketPath: config.dockerSocket, timeout: DOCKER_TIMEOUT_MS }), {
        autoscaleLabel: LABEL.enable,
      }),
    prometheus:
      prometheus ??
      createPrometheusClient({
        baseUrl: config.prometheusUrl,
        timeoutMs: config.prometheusTimeoutMs,
        onQuery: (seconds) => metrics.prometheusQuery(seconds),
      }),
    logger,
    state,
    settings: config,
    ...(now && { now }),
  });

  let loop: EvaluationLoop | undefined;
  // An evaluation waits at most for the Docker calls and the Prometheus queries of a service or two.
  const stalledAfterMs = 2 * config.evaluationIntervalMs + 2 * (DOCKER_TIMEOUT_MS + config.prometheusTimeoutMs);
  const server = createStatusServer({
    routes: {
      '/healthz': healthRoute(
        () => loop === undefined || performance.now() - loop.lastActivity() < stalledAfterMs,
        'evaluation loop stalled',
      ),
      '/status': jsonRoute(() => autoscaler.status()),
      '/metrics': metricsRoute(registry),
    },
    tryPaths: ['GET /status', 'GET /metrics', 'GET /healthz'],
    prettyJson: true,
  });
  applyHttpServerLimits(server, HTTP_SERVER_DEFAULTS);
  answerClientErrorsWithJson(server);

  return {
    autoscaler,
    server,
    registry,
    start() {
      loop ??= startEvaluationLoop({
        intervalMs: config.evaluationIntervalMs,
        evaluate: (signal) => autoscaler.evaluate(signal),
      });
    },
    async stop() {
      await loop?.stop();
      if (server.listening) await closeServer(server);
    },
  };
}
