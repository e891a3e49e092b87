import * as z from 'zod';
import { MAX_TIMER_MS, commonEnv, envVar, parseEnv } from '@fogpair/shared';
import type { LogFormat, LogLevel } from '@fogpair/shared';

export interface AutoscalerConfig {
  readonly prometheusUrl: string;
  /** Deadline of one Prometheus query; below the evaluation interval (unset: 5 s or half the interval). */
  readonly prometheusTimeoutMs: number;
  readonly dockerSocket: string;
  readonly evaluationIntervalMs: number;
  /** Scale-down uses the highest recommendation of this long a past. */
  readonly scaleDownWindowMs: number;
  /** Relative band around the target inside which nothing changes, e.g. 0.1 for ±10 %. */
  readonly tolerance: number;
  /** A scale-up adds at most max(current, this many) replicas in one step. */
  readonly scaleUpMaxStep: number;
  /** The PromQL range of rate(), e.g. "1m". */
  readonly rateWindow: string;
  readonly dryRun: boolean;
  readonly statusPort: number;
  readonly statusHost: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly shutdownTimeoutMs: number;
}

/** The autoscaler's variables and their defaults (the docs are checked against them). */
export const AutoscalerEnvSchema = z
  .object({
    PROMETHEUS_URL: envVar.httpUrl('http://prometheus:9090'),
    PROMETHEUS_TIMEOUT_MS: envVar.integer(undefined, { min: 100, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    DOCKER_SOCKET: envVar.absolutePath('/var/run/docker.sock', 'a unix socket'),
    EVALUATION_INTERVAL_MS: envVar.integer(15_000, { min: 100, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    SCALE_DOWN_WINDOW_MS: envVar.integer(120_000, { min: 0, max: MAX_TIMER_MS, unit: 'milliseconds' }),
    TOLERANCE: envVar.decimal(0.1, {
      min: 0,
      max: 0.9,
      expected: 'must be a fraction between 0 and 0.9, e.g. 0.1 for 10 %',
    }),
    SCALE_UP_MAX_STEP: envVar.integer(4, { min: 1, max: 1000 }),
    RATE_WINDOW: envVar.prometheusDuration('1m'),
    DRY_RUN: envVar.oneOf('false', ['false', 'true']),
    STATUS_PORT: envVar.port(8081),
    STATUS_HOST: envVar.host('0.0.0.0'),
    ...commonEnv,
  })
  .superRefine((vars, ctx) => {
    if (vars.PROMETHEUS_TIMEOUT_MS !== undefined && vars.PROMETHEUS_TIMEOUT_MS >= vars.EVALUATION_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROMETHEUS_TIMEOUT_MS'],
        message: `must be below EVALUATION_INTERVAL_MS (${vars.EVALUATION_INTERVAL_MS}), so that evaluations never overlap`,
      });
    }
  });

export function parseAutoscalerConfig(env: Readonly<Record<string, string | undefined>>): AutoscalerConfig {
  const vars = parseEnv(AutoscalerEnvSchema, env);
  return Object.freeze({
    prometheusUrl: vars.PROMETHEUS_URL,
    prometheusTimeoutMs: vars.PROMETHEUS_TIMEOUT_MS ?? Math.min(5000, Math.floor(vars.EVALUATION_INTERVAL_MS / 2)),
    dockerSocket: vars.DOCKER_SOCKET,
    evaluationIntervalMs: vars.EVALUATION_INTERVAL_MS,
    scaleDownWindowMs: vars.SCALE_DOWN_WINDOW_MS,
    tolerance: vars.TOLERANCE,
    scaleUpMaxStep: vars.SCALE_UP_MAX_STEP,
    rateWindow: vars.RATE_WINDOW,
    dryRun: vars.DRY_RUN === 'true',
    statusPort: vars.STATUS_PORT,
    statusHost: vars.STATUS_HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  });
}
