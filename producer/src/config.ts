import * as z from 'zod';
import { commonEnv, envVar, parseEnv } from '@fogpair/shared';
import type { LogFormat, LogLevel } from '@fogpair/shared';

export interface ProducerConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly shutdownTimeoutMs: number;
}

const ProducerEnvSchema = z.object({
  PORT: envVar.port(5000),
  HOST: envVar.host('0.0.0.0'),
  ...commonEnv,
});

export function parseProducerConfig(env: Readonly<Record<string, string | undefined>>): ProducerConfig {
  const vars = parseEnv(ProducerEnvSchema, env);
  return Object.freeze({
    port: vars.PORT,
    host: vars.HOST,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  });
}
