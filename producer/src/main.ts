import { createServer } from 'node:http';
import { hostname } from 'node:os';
import {
  METRICS_MAX_AGE_MS,
  answerClientErrorsWithJson,
  applyHttpServerLimits,
  closeServer,
  collectRuntimeMetrics,
  createLogger,
  handleLifecycle,
  listenOrExit,
  loadConfigOrExit,
} from '@fogpair/shared';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { parseProducerConfig } from './config';
import { createProducerMetrics } from './metrics';
import { cryptoRandomInteger } from './random';

async function main(): Promise<void> {
  const config = loadConfigOrExit(parseProducerConfig);
  const logger = createLogger({ service: 'producer', level: config.logLevel, format: config.logFormat });
  let ready = false;
  const registry = new Registry();
  collectRuntimeMetrics(registry);
  const app = createApp({
    random: cryptoRandomInteger,
    logger,
    instance: hostname(),
    isReady: () => ready,
    metrics: createProducerMetrics(registry, { maxAgeMs: METRICS_MAX_AGE_MS }),
  });
  const server = createServer(app);
  answerClientErrorsWithJson(server);
  applyHttpServerLimits(server, config.http);

  handleLifecycle({
    logger,
    graceMs: config.shutdownGraceMs,
    timeoutMs: config.shutdownTimeoutMs,
    stop: async (_signal, graceMs) => {
      // Not ready first, so that health checks and load balancers stop sending traffic.
      ready = false;
      await closeServer(server, { graceMs });
    },
  });

  const address = await listenOrExit(server, { port: config.port, host: config.host, portVariable: 'PORT', logger });
  ready = true;
  logger.info(`Producer listening on http://${address.host}:${address.port}/number`, {
    port: address.port,
    instance: hostname(),
    node: process.version,
  });
}

void main();
