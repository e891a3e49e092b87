import Dockerode from 'dockerode';
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  answerClientErrorsWithJson,
  closeServer,
  createLogger,
  handleLifecycle,
  listen,
  loadConfigOrExit,
  redactUrl,
} from '@fogpair/shared';
import { createAutoscaler } from './autoscaler';
import { parseAutoscalerConfig } from './config';
import { startEvaluationLoop } from './evaluation-loop';
import { LABEL } from './labels';
import { createAutoscalerMetrics } from './metrics';
import { createPrometheusClient } from './prometheus';
import { createStatusServer } from './status-server';
import { createDockerSwarmApi } from './swarm';

/** A Docker API call that takes longer than this fails (and is tried again at the next evaluation). */
const DOCKER_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit(parseAutoscalerConfig);
  const logger = createLogger({ service: 'autoscaler', level: config.logLevel, format: config.logFormat });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createAutoscalerMetrics(registry);
  const docker = new Dockerode({ socketPath: config.dockerSocket, timeout: DOCKER_TIMEOUT_MS });
  const prometheus = createPrometheusClient({
    baseUrl: config.prometheusUrl,
    timeoutMs: config.prometheusTimeoutMs,
    onQuery: (seconds) => metrics.prometheusQuery(seconds),
  });
  const autoscaler = createAutoscaler({
    swarm: createDockerSwarmApi(docker, { autoscaleLabel: LABEL.enable }),
    prometheus,
    logger,
    metrics,
    settings: config,
  });

  const loop = startEvaluationLoop({
    intervalMs: config.evaluationIntervalMs,
    evaluate: (signal) => autoscaler.evaluate(signal),
  });
  // An evaluation waits at most for the Docker calls and the Prometheus queries of each service.
  const stalledAfterMs = 2 * config.evaluationIntervalMs + 2 * (DOCKER_TIMEOUT_MS + config.prometheusTimeoutMs);
  const statusServer = createStatusServer({
    status: () => autoscaler.status(),
    isAlive: () => performance.now() - loop.lastActivity() < stalledAfterMs,
    metrics: registry,
  });
  answerClientErrorsWithJson(statusServer);

  handleLifecycle({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    stop: async () => {
      await loop.stop();
      await closeServer(statusServer);
    },
  });

  logger.info(
    `Autoscaler evaluating every ${config.evaluationIntervalMs} ms${config.dryRun ? ' (DRY_RUN: deciding, not scaling)' : ''}`,
    {
      prometheus: redactUrl(config.prometheusUrl),
      dockerSocket: config.dockerSocket,
      tolerance: config.tolerance,
      scaleDownWindowMs: config.scaleDownWindowMs,
      scaleUpMaxStep: config.scaleUpMaxStep,
      rateWindow: config.rateWindow,
      node: process.version,
    },
  );
  const address = await listen(statusServer, config.statusPort, config.statusHost).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(`Cannot listen on ${config.statusHost}:${config.statusPort}: ${code ?? String(error)}`, {
      hint: code === 'EADDRINUSE' ? 'another process uses this port; set STATUS_PORT' : undefined,
    });
    process.exit(1);
  });
  logger.info(`Status on http://${address.host}:${address.port}/status`, { port: address.port });
}

void main();
