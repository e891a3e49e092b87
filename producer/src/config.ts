import * as z from 'zod';
import { checkHttpServerEnv, commonEnv, envVar, httpServerEnv, httpServerLimitsOf, parseEnv } from '@fogpair/shared';
import type { HttpServerLimits, LogFormat, LogLevel } from '@fogpair/shared';

export interface ProducerConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** After SIGTERM: serve, reporting not ready, this long before closing (SIGINT: none). */
  readonly shutdownGraceMs: number;
  readonly shutdownTimeoutMs: number;
  readonly http: HttpServerLimits;
}

/** The variables the producer reads; the docs check compares docs/configuration.md with it. */
export const ProducerEnvSchema = z
  .object({
    PORT: envVar.port(5000),
    HOST: envVar.host('0.0.0.0'),
    ...commonEnv,
    ...httpServerEnv,
  })
  .superRefine(checkHttpServerEnv);

export function parseProducerConfig(env: Readonly<Record<string, string | undefined>>): ProducerConfig {
  const vars = parseEnv(ProducerEnvSchema, env);
  return Object.freeze({
    port: vars.PORT,
    host: vars.HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    http: httpServerLimitsOf(vars),
  });
}
