import { Agent as HttpAgent } from 'node:http';
import type { Server } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios from 'axios';
import type { AxiosInstance } from 'axios';
import { Registry } from 'prom-client';
import {
  answerClientErrorsWithJson,
  applyHttpServerLimits,
  cachedExposition,
  closeServer,
  collectRuntimeMetrics,
  createStatusServer,
  healthRoute,
  jsonRoute,
  metricsRoute,
  redactUrl,
} from '@fogpair/shared';
import type { Logger } from '@fogpair/shared';
import { MAX_DASHBOARD_STREAMS } from './config';
import type { ConsumerConfig } from './config';
import { createDashboard } from './dashboard/dashboard';
import { fetchNumber } from './fetch-number';
import { realTimers, startFixedRateSchedule } from './fixed-rate-schedule';
import type { FixedRateSchedule, Timers } from './fixed-rate-schedule';
import { createConsumerMetrics } from './metrics';
import { createPollBreaker } from './poll-breaker';
import { PollHistory } from './poll-history';
import { createPollReporter } from './poll-reporter';
import type { PollResult } from './poll-result';
import { createRetryingFetch } from './retrying-fetch';

export interface ConsumerOptions {
  config: ConsumerConfig;
  logger: Logger;
  /** The client for the producer; by default a new connection per poll. */
  http?: AxiosInstance;
  /** Where the metrics go; by default a new registry with Node's runtime metrics. */
  registry?: Registry;
  /** How old a rendering of /metrics may be; 0 (the default) renders every time. */
  metricsMaxAgeMs?: number;
  timers?: Timers;
  /** The wall clock, for the times /stats and the dashboard show. */
  now?: () => number;
}

export interface Consumer {
  /** Health, statistics, metrics and the dashboard; not listening yet. */
  readonly server: Server;
  /** What the consumer has seen; /stats, the dashboard and /metrics read it. */
  readonly history: PollHistory;
  /** Starts polling: at once, then every interval. */
  start(): void;
  /**
   * Stops polling (a poll in flight is dropped, not counted), ends the live dashboards, and closes the
   * server after serving on for `graceMs` with `Connection: close`.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A new connection per poll: Swarm balances connections, not requests, so with keep-alive every poll
 * would go to the same producer replica.
 */
export function createProducerHttpClient(): AxiosInstance {
  return axios.create({
    httpAgent: new HttpAgent({ keepAlive: false }),
    httpsAgent: new HttpsAgent({ keepAlive: false }),
    proxy: false,
    // The only adapter in the bundle (scripts/bundle.mjs leaves out fetch, HTTP/2 and proxy agents).
    adapter: 'http',
  });
}

/**
 * The consumer, wired: a poll on every tick goes through the circuit breaker (cockatiel), which lets
 * it through to the retries (cockatiel), each attempt one GET (axios). Each poll's result, which says
 * the breaker's state after it, is handed to one place, which records it in the history, logs it and
 * tells the open dashboards.
 */
export function createConsumer({
  config,
  logger,
  http = createProducerHttpClient(),
  registry = defaultRegistry(),
  metricsMaxAgeMs = 0,
  timers = realTimers,
  now = Date.now,
}: ConsumerOptions): Consumer {
  const history = new PollHistory({ now });
  const metrics = createConsumerMetrics(registry, history);
  const reporter = createPollReporter(logger, now);
  const dashboard = createDashboard({
    history,
    producerUrl: redactUrl(config.producerUrl),
    pollIntervalMs: config.pollIntervalMs,
    maxClients: MAX_DASHBOARD_STREAMS,
    maxClientsPerAddress: config.dashboardMaxStreamsPerAddress,
  });
  const shutdown = new AbortController();

  const breaker = createPollBreaker({
    call: createRetryingFetch({
      attempt: (signal, timeoutMs) => fetchNumber({ http, url: config.producerUrl, timeoutMs, signal }),
      maxAttempts: config.retryMaxAttempts,
      baseDelayMs: config.retryBaseDelayMs,
      requestTimeoutMs: config.requestTimeoutMs,
      logger,
    }),
    failureThreshold: config.breakerFailureThreshold,
    probeAfterMs: config.breakerProbeAfterMs,
    halfOpenAfterMs: config.breakerHalfOpenAfterMs,
    pollBudgetMs: config.pollBudgetMs,
    now: () => timers.now(),
  });

  /** The one place a poll's result goes, the breaker's state with it. */
  const handOff = (result: PollResult) => {
    history.record(result);
    reporter.report(result);
    // Polls held back by the open breaker would push the cause out of the page's last errors.
    if (result.ok || result.kind !== 'breaker_open') {
      metrics.observePollDuration(result.ms / 1000);
      dashboard.pollRecorded();
    }
  };

  let lastTickAt = timers.now();
  const server = createStatusServer({
    routes: {
      '/healthz': healthRoute(() => timers.now() - lastTickAt < config.livenessMs, 'poll loop stalled'),
      '/stats': jsonRoute(() => history.stats()),
      '/metrics': metricsRoute(metricsMaxAgeMs > 0 ? cachedExposition(registry, metricsMaxAgeMs) : registry),
      ...dashboard.routes,
    },
    tryPaths: ['GET / (dashboard)', 'GET /stats', 'GET /metrics', 'GET /healthz'],
  });
  answerClientErrorsWithJson(server);
  applyHttpServerLimits(server, config.http);

  let schedule: FixedRateSchedule | undefined;
  return {
    server,
    history,
    start() {
      if (schedule) return;
      lastTickAt = timers.now();
      schedule = startFixedRateSchedule({
        intervalMs: config.pollIntervalMs,
        timers,
        onTick: () => {
          lastTickAt = timers.now();
        },
        onSkip: (tick, reason) => {
          history.recordSkip();
          logger.debug(
            `Skipped tick ${tick}: ${reason === 'busy' ? 'previous poll still running' : 'process was paused'}`,
          );
        },
        run: async () => {
          const result = await breaker.poll(shutdown.signal);
          // A poll cut short by shutdown is neither counted nor logged.
          if (!shutdown.signal.aborted) handOff(result);
        },
        onError: (error, tick) => logger.error('Poll failed unexpectedly; polling goes on', { tick, error }),
      });
    },
    async stop(graceMs = 0) {
      schedule?.stop();
      shutdown.abort();
      dashboard.close();
      await closeServer(server, { graceMs });
    },
  };
}

function defaultRegistry(): Registry {
  const registry = new Registry();
  collectRuntimeMetrics(registry);
  return registry;
}
