import * as z from 'zod';
import { MAX_TIMER_MS, commonEnv, envVar, parseEnv } from '@fogpair/shared';
import type { LogFormat, LogLevel } from '@fogpair/shared';

export interface ConsumerConfig {
  readonly producerUrl: string;
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs: number;
  readonly statusPort: number;
  readonly statusHost: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly shutdownTimeoutMs: number;
}

const ConsumerEnvSchema = z
  .object({
    PRODUCER_URL: envVar.httpUrl('http://producer:5000/number'),
    POLL_INTERVAL_MS: envVar.integer(3000, { min: 100, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    REQUEST_TIMEOUT_MS: envVar.integer(2000, { min: 10, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    STATUS_PORT: envVar.port(8080),
    STATUS_HOST: envVar.host('0.0.0.0'),
    ...commonEnv,
  })
  .superRefine((vars, ctx) => {
    if (vars.REQUEST_TIMEOUT_MS >= vars.POLL_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REQUEST_TIMEOUT_MS'],
        message: `must be below POLL_INTERVAL_MS (${vars.POLL_INTERVAL_MS}), so that polls never overlap`,
      });
    }
  });

export function parseConsumerConfig(env: Readonly<Record<string, string | undefined>>): ConsumerConfig {
  const vars = parseEnv(ConsumerEnvSchema, env);
  return Object.freeze({
    producerUrl: vars.PRODUCER_URL,
    pollIntervalMs: vars.POLL_INTERVAL_MS,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    statusPort: vars.STATUS_PORT,
    statusHost: vars.STATUS_HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  });
}
