import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios from 'axios';
import { Registry } from 'prom-client';
import {
  answerClientErrorsWithJson,
  applyHttpServerLimits,
  cachedExposition,
  closeServer,
  collectRuntimeMetrics,
  createLogger,
  handleLifecycle,
  listen,
  loadConfigOrExit,
  parseHttpServerConfig,
  redactUrl,
} from '@fogpair/shared';
import { parseConsumerConfig } from './config';
import { createDashboard } from './dashboard/dashboard';
import { createFailureReporter } from './failure-reporter';
import { fetchNumber } from './fetch-number';
import { startFixedRateSchedule } from './fixed-rate-schedule';
import { createConsumerMetrics } from './metrics';
import { pollProducer } from './poll-producer';
import { PollStats } from './poll-stats';
import { createProducerCircuit } from './producer-circuit';
import { createRetryingFetch } from './retrying-fetch';
import { createStatusServer } from './status-server';

async function main(): Promise<void> {
  const config = loadConfigOrExit(parseConsumerConfig);
  const serving = loadConfigOrExit(parseHttpServerConfig);
  const logger = createLogger({ service: 'consumer', level: config.logLevel, format: config.logFormat });
  // A new connection per poll: Swarm balances connections, not requests, so with keep-alive every
  // poll would go to the same producer replica.
  const http = axios.create({
    httpAgent: new HttpAgent({ keepAlive: false }),
    httpsAgent: new HttpsAgent({ keepAlive: false }),
    proxy: false,
    // The only adapter in the bundle (scripts/bundle.mjs leaves out fetch, HTTP/2 and proxy agents).
    adapter: 'http',
  });
  const registry = new Registry();
  collectRuntimeMetrics(registry);
  const metrics = createConsumerMetrics(registry);
  const stats = new PollStats();
  const reporter = createFailureReporter(logger);
  const shutdown = new AbortController();
  const dashboard = createDashboard({
    producerUrl: redactUrl(config.producerUrl),
    pollIntervalMs: config.pollIntervalMs,
    breaker: () => ({ state: circuit.state() }),
  });
  let lastTickAt = performance.now();

  // A poll: attempts with retries (cockatiel) inside a circuit breaker (opossum).
  const fetchWithRetries = createRetryingFetch({
    attempt: (signal, timeoutMs) => fetchNumber({ http, url: config.producerUrl, timeoutMs, signal }),
    maxAttempts: config.retryMaxAttempts,
    baseDelayMs: config.retryBaseDelayMs,
    requestTimeoutMs: config.requestTimeoutMs,
    logger,
    onRetry: () => metrics.retry(),
  });
  const circuit = createProducerCircuit({
    call: fetchWithRetries,
    failureThreshold: config.breakerFailureThreshold,
    resetMs: config.breakerResetMs,
    pollIntervalMs: config.pollIntervalMs,
    onStateChange: (state) => {
      metrics.breakerState(state);
      stats.recordBreakerState(state);
      dashboard.refresh();
    },
  });

  const schedule = startFixedRateSchedule({
    intervalMs: config.pollIntervalMs,
    onTick: () => {
      lastTickAt = performance.now();
    },
    onSkip: (tick, reason) => {
      stats.recordSkip();
      metrics.poll('skipped');
      logger.debug(`Skipped tick ${tick}: ${reason === 'busy' ? 'previous poll still running' : 'process was paused'}`);
    },
    run: async () => {
      const outcome = await pollProducer({
        fetch: (signal) => circuit.poll(signal),
        stats,
        reporter,
        metrics,
        logger,
        signal: shutdown.signal,
      });
      // Polls held back by the open breaker would push the cause out of the page's last errors.
      if (outcome && (outcome.ok || outcome.kind !== 'breaker_open')) dashboard.record(outcome);
    },
  });

  const statusServer = createStatusServer({
    stats: () => stats.snapshot(),
    isAlive: () => performance.now() - lastTickAt < 2 * config.pollIntervalMs + config.requestTimeoutMs,
    metrics: cachedExposition(registry),
    routes: dashboard.routes,
  });
  answerClientErrorsWithJson(statusServer);
  applyHttpServerLimits(statusServer, serving.http);

  handleLifecycle({
    logger,
    graceMs: serving.shutdownGraceMs,
    timeoutMs: config.shutdownTimeoutMs,
    stop: async (_signal, graceMs) => {
      schedule.stop();
      shutdown.abort();
      circuit.shutdown();
      dashboard.close();
      await closeServer(statusServer, { graceMs });
    },
  });

  logger.info(`Consumer polling ${redactUrl(config.producerUrl)} every ${config.pollIntervalMs} ms`, {
    timeoutMs: config.requestTimeoutMs,
    retryMaxAttempts: config.retryMaxAttempts,
    breakerFailureThreshold: config.breakerFailureThreshold,
    breakerResetMs: config.breakerResetMs,
    node: process.version,
  });
  const address = await listen(statusServer, config.statusPort, config.statusHost).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(`Cannot listen on ${config.statusHost}:${config.statusPort}: ${code ?? String(error)}`, {
      hint: code === 'EADDRINUSE' ? 'another process uses this port; set STATUS_PORT' : undefined,
    });
    process.exit(1);
  });
  const base = `http://${address.host}:${address.port}`;
  logger.info(`Status on ${base}/stats, dashboard on ${base}/`, { port: address.port });
}

void main();
