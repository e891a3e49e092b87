import * as z from 'zod';
import {
  MAX_TIMER_MS,
  checkHttpServerEnv,
  commonEnv,
  envVar,
  httpServerEnv,
  httpServerLimitsOf,
  parseEnv,
} from '@fogpair/shared';
import type { HttpServerLimits, LogFormat, LogLevel } from '@fogpair/shared';

export interface ConsumerConfig {
  readonly producerUrl: string;
  readonly pollIntervalMs: number;
  /** Deadline of one HTTP attempt; retries of a poll share a budget that ends before the next tick. */
  readonly requestTimeoutMs: number;
  readonly retryMaxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerResetMs: number;
  /** The probe goes out this long after the poll that opened the breaker: the last tick within breakerResetMs. */
  readonly breakerProbeAfterMs: number;
  /** The breaker lets a poll through from this long after the poll that opened it: half an interval before the probe's tick. */
  readonly breakerHalfOpenAfterMs: number;
  /** One poll, retries included, ends this long after it started: before the next tick, with room to spare. */
  readonly pollBudgetMs: number;
  /** /healthz turns 503 when no tick has come for this long. */
  readonly livenessMs: number;
  /** Live dashboards (SSE streams) open at once from one client address; 64 in all. */
  readonly dashboardMaxStreamsPerAddress: number;
  readonly statusPort: number;
  readonly statusHost: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** After SIGTERM: the status server serves on this long before closing (SIGINT: none). */
  readonly shutdownGraceMs: number;
  readonly shutdownTimeoutMs: number;
  /** Timeouts and the connection cap of the status server. */
  readonly http: HttpServerLimits;
}

/** Unset, the breaker probes again after this many poll intervals. */
const BREAKER_RESET_INTERVALS = 5;

/** How long one poll may take: it must end before the next tick, with a little room to spare. */
function pollBudgetMs(pollIntervalMs: number): number {
  return pollIntervalMs - Math.min(100, Math.ceil(pollIntervalMs / 10));
}

/** Unset, an attempt may take 2 s, or two thirds of a shorter interval, so that it fits. */
function defaultRequestTimeoutMs(pollIntervalMs: number): number {
  return Math.min(2000, Math.floor((pollIntervalMs * 2) / 3));
}

/** Live dashboards open at once, from all addresses together: each holds a socket. */
export const MAX_DASHBOARD_STREAMS = 64;

/** The variables the consumer reads; the docs check compares docs/configuration.md with it. */
export const ConsumerEnvSchema = z
  .object({
    PRODUCER_URL: envVar.httpUrl('http://producer:5000/number'),
    POLL_INTERVAL_MS: envVar.integer(3000, { min: 100, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    REQUEST_TIMEOUT_MS: envVar.integer(undefined, { min: 10, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    RETRY_MAX_ATTEMPTS: envVar.integer(3, { min: 1, max: 10 }),
    RETRY_BASE_DELAY_MS: envVar.integer(100, { min: 1, max: 60_000, unit: 'milliseconds' }),
    BREAKER_FAILURE_THRESHOLD: envVar.integer(5, { min: 1, max: 1000 }),
    BREAKER_RESET_MS: envVar.integer(undefined, { min: 100, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    STATUS_PORT: envVar.port(8080),
    STATUS_HOST: envVar.host('0.0.0.0'),
    DASHBOARD_MAX_STREAMS_PER_ADDRESS: envVar.integer(8, { min: 1, max: MAX_DASHBOARD_STREAMS }),
    ...commonEnv,
    ...httpServerEnv,
  })
  .superRefine((vars, ctx) => {
    checkHttpServerEnv(vars, ctx);
    if (vars.REQUEST_TIMEOUT_MS !== undefined && vars.REQUEST_TIMEOUT_MS >= vars.POLL_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REQUEST_TIMEOUT_MS'],
        message: `must be below POLL_INTERVAL_MS (${vars.POLL_INTERVAL_MS}), so that polls never overlap`,
      });
    }
    if (vars.BREAKER_RESET_MS !== undefined && vars.BREAKER_RESET_MS < vars.POLL_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['BREAKER_RESET_MS'],
        message: `must be at least POLL_INTERVAL_MS (${vars.POLL_INTERVAL_MS}): probes go out on poll ticks`,
      });
    }
  });

export function parseConsumerConfig(env: Readonly<Record<string, string | undefined>>): ConsumerConfig {
  const vars = parseEnv(ConsumerEnvSchema, env);
  const pollIntervalMs = vars.POLL_INTERVAL_MS;
  const requestTimeoutMs = vars.REQUEST_TIMEOUT_MS ?? defaultRequestTimeoutMs(pollIntervalMs);
  const breakerResetMs = vars.BREAKER_RESET_MS ?? BREAKER_RESET_INTERVALS * pollIntervalMs;
  // Polls go out on ticks only; BREAKER_RESET_MS >= POLL_INTERVAL_MS makes this at least one tick.
  const breakerProbeAfterMs = Math.floor(breakerResetMs / pollIntervalMs) * pollIntervalMs;
  return Object.freeze({
    producerUrl: vars.PRODUCER_URL,
    pollIntervalMs,
    requestTimeoutMs,
    retryMaxAttempts: vars.RETRY_MAX_ATTEMPTS,
    retryBaseDelayMs: vars.RETRY_BASE_DELAY_MS,
    breakerFailureThreshold: vars.BREAKER_FAILURE_THRESHOLD,
    breakerResetMs,
    breakerProbeAfterMs,
    // Half an interval early, so that a timer firing a little early or late never moves the probe to another tick.
    breakerHalfOpenAfterMs: breakerProbeAfterMs - pollIntervalMs / 2,
    pollBudgetMs: pollBudgetMs(pollIntervalMs),
    // Two missed ticks and a whole attempt: a slow poll alone never makes the consumer look dead.
    livenessMs: 2 * pollIntervalMs + requestTimeoutMs,
    dashboardMaxStreamsPerAddress: vars.DASHBOARD_MAX_STREAMS_PER_ADDRESS,
    statusPort: vars.STATUS_PORT,
    statusHost: vars.STATUS_HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    http: httpServerLimitsOf(vars),
  });
}
