import { createServer } from 'node:http';
import { hostname } from 'node:os';
import {
  answerClientErrorsWithJson,
  closeServer,
  createLogger,
  handleLifecycle,
  listen,
  loadConfigOrExit,
} from '@fogpair/shared';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from './app';
import { parseProducerConfig } from './config';
import { createProducerMetrics } from './metrics';
import { cryptoRandomInteger } from './random';

async function main(): Promise<void> {
  const config = loadConfigOrExit(parseProducerConfig);
  const logger = createLogger({ service: 'producer', level: config.logLevel, format: config.logFormat });
  let ready = false;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = createApp({
    random: cryptoRandomInteger,
    logger,
    instance: hostname(),
    isReady: () => ready,
    metrics: createProducerMetrics(registry),
  });
  const server = createServer(app);
  answerClientErrorsWithJson(server);

  handleLifecycle({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    stop: async () => {
      ready = false;
      await closeServer(server);
    },
  });

  const address = await listen(server, config.port, config.host).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(`Cannot listen on ${config.host}:${config.port}: ${code ?? String(error)}`, {
      hint: code === 'EADDRINUSE' ? 'another process uses this port; set PORT' : undefined,
    });
    process.exit(1);
  });
  ready = true;
  logger.info(`Producer listening on http://${address.host}:${address.port}/number`, {
    port: address.port,
    instance: hostname(),
    node: process.version,
  });
}

void main();
