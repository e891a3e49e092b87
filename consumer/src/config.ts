import * as z from 'zod';
import { MAX_TIMER_MS, commonEnv, envVar, parseEnv } from '@fogpair/shared';
import type { LogFormat, LogLevel } from '@fogpair/shared';

export interface ConsumerConfig {
  readonly producerUrl: string;
  readonly pollIntervalMs: number;
  /** Deadline of one HTTP attempt; retries of a poll share a budget that ends before the next tick. */
  readonly requestTimeoutMs: number;
  readonly retryMaxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerResetMs: number;
  readonly statusPort: number;
  readonly statusHost: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly shutdownTimeoutMs: number;
}

/** Unset, the breaker probes again after this many poll intervals. */
const BREAKER_RESET_INTERVALS = 5;

/** Unset, an attempt may take 2 s, or two thirds of a shorter interval, so that it fits. */
function defaultRequestTimeoutMs(pollIntervalMs: number): number {
  return Math.min(2000, Math.floor((pollIntervalMs * 2) / 3));
}

const ConsumerEnvSchema = z
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
    ...commonEnv,
  })
  .superRefine((vars, ctx) => {
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
  return Object.freeze({
    producerUrl: vars.PRODUCER_URL,
    pollIntervalMs: vars.POLL_INTERVAL_MS,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS ?? defaultRequestTimeoutMs(vars.POLL_INTERVAL_MS),
    retryMaxAttempts: vars.RETRY_MAX_ATTEMPTS,
    retryBaseDelayMs: vars.RETRY_BASE_DELAY_MS,
    breakerFailureThreshold: vars.BREAKER_FAILURE_THRESHOLD,
    breakerResetMs: vars.BREAKER_RESET_MS ?? BREAKER_RESET_INTERVALS * vars.POLL_INTERVAL_MS,
    statusPort: vars.STATUS_PORT,
    statusHost: vars.STATUS_HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  });
}
