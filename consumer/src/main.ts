import {
  METRICS_MAX_AGE_MS,
  createLogger,
  handleLifecycle,
  listenOrExit,
  loadConfigOrExit,
  redactUrl,
} from '@fogpair/shared';
import { parseConsumerConfig } from './config';
import { createConsumer } from './consumer';

/** The edge: the environment, the status port and the signals. Everything else is createConsumer(). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(parseConsumerConfig);
  const logger = createLogger({ service: 'consumer', level: config.logLevel, format: config.logFormat });
  const consumer = createConsumer({ config, logger, metricsMaxAgeMs: METRICS_MAX_AGE_MS });

  handleLifecycle({
    logger,
    graceMs: config.shutdownGraceMs,
    timeoutMs: config.shutdownTimeoutMs,
    stop: (_signal, graceMs) => consumer.stop(graceMs),
  });

  logger.info(`Consumer polling ${redactUrl(config.producerUrl)} every ${config.pollIntervalMs} ms`, {
    timeoutMs: config.requestTimeoutMs,
    retryMaxAttempts: config.retryMaxAttempts,
    breakerFailureThreshold: config.breakerFailureThreshold,
    breakerResetMs: config.breakerResetMs,
    node: process.version,
  });
  consumer.start();
  const address = await listenOrExit(consumer.server, {
    port: config.statusPort,
    host: config.statusHost,
    portVariable: 'STATUS_PORT',
    logger,
  });
  const base = `http://${address.host}:${address.port}`;
  logger.info(`Status on ${base}/stats, dashboard on ${base}/`, { port: address.port });
}

void main();
