import * as z from 'zod';

export interface ConfigProblem {
  variable: string;
  value: string | undefined;
  expected: string;
}

/** A user's configuration mistake: reported as one line per problem, without a stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem({ variable, value, expected }: ConfigProblem): string {
  const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
  return `Invalid configuration: ${variable} ${expected} (${got})`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** What a parser returns for a value it rejects, when the rejection needs its own words. */
class Rejection {
  constructor(readonly expected: string) {}
}

/**
 * One environment variable: unset or blank means the default, so compose files can pass `${VAR:-}`
 * through. `expected` completes the sentence "VAR ...", e.g. "must be a TCP port (0-65535)".
 */
function variable<T>(fallback: T, expected: string, parse: (raw: string) => T | Rejection | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = parse(raw.trim());
      if (value === undefined || value instanceof Rejection) {
        ctx.addIssue({ code: 'custom', message: value instanceof Rejection ? value.expected : expected });
        return z.NEVER;
      }
      return value;
    });
}

export interface IntegerOptions {
  min: number;
  max?: number;
  /** e.g. "milliseconds": "must be a whole number of milliseconds >= 100" */
  unit?: string;
}

/** Longer delays overflow Node's timers, which then fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const envVar = {
  /** A fallback of `undefined` lets the service derive the default from other variables. */
  integer<F extends number | undefined>(fallback: F, { min, max = Number.MAX_SAFE_INTEGER, unit }: IntegerOptions) {
    const what = unit ? `a whole number of ${unit}` : 'a whole number';
    return variable<number | F>(fallback, `must be ${what} >= ${min}`, (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      if (value < min) return undefined;
      return value <= max ? value : new Rejection(`must be at most ${max}${unit ? ` ${unit}` : ''}`);
    });
  },

  port(fallback: number) {
    return variable(fallback, 'must be a TCP port number between 0 and 65535 (0 picks a free port)', (raw) => {
      if (!/^\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value <= 65535 ? value : undefined;
    });
  },

  oneOf<const T extends string>(fallback: T, values: readonly T[]) {
    return variable(fallback, `must be one of ${values.join(', ')}`, (raw) =>
      values.find((value) => value === raw.toLowerCase()),
    );
  },

  httpUrl(fallback: string) {
    return variable(fallback, 'must be an http:// or https:// URL, e.g. http://producer:5000/number', (raw) => {
      if (!URL.canParse(raw)) return undefined;
      const url = new URL(raw);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
    });
  },

  host(fallback: string) {
    return variable(fallback, 'must be a host name or IP address to listen on, e.g. 0.0.0.0', (raw) =>
      /^[\w.:-]+$/.test(raw) ? raw : undefined,
    );
  },

  /** A plain decimal (no exponent, no unit) in [min, max]; `expected` completes "VAR …" in the user's terms. */
  decimal(fallback: number, { min, max, expected }: { min: number; max: number; expected: string }) {
    return variable(fallback, expected, (raw) => {
      if (!/^-?\d*\.?\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    });
  },

  /** An absolute path, e.g. of a unix socket: `what` is "a unix socket". */
  absolutePath(fallback: string, what: string) {
    return variable(fallback, `must be an absolute path to ${what}, e.g. ${fallback}`, (raw) =>
      raw.startsWith('/') ? raw : undefined,
    );
  },

  /** A Prometheus duration such as 30s, 1m or 1m30s (whole units, largest first, as PromQL accepts them). */
  prometheusDuration(fallback: string) {
    return variable(fallback, 'must be a Prometheus duration such as 30s, 1m or 2m30s', (raw) =>
      PROMETHEUS_DURATION.test(raw) && /\d/.test(raw) ? raw : undefined,
    );
  },
};

const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/**
 * Parses the variables named by `schema` from `env`. Throws a ConfigError listing every problem, in
 * the order of the schema, so that one run tells the user everything that is wrong.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      return { variable: name, value: env[name], expected: issue.message };
    }),
  );
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;

/** Variables every service reads. */
export const commonEnv = {
  LOG_LEVEL: envVar.oneOf('info', LOG_LEVELS),
  LOG_FORMAT: envVar.oneOf('pretty', LOG_FORMATS),
  SHUTDOWN_TIMEOUT_MS: envVar.integer(5000, { min: 100, max: 60_000, unit: 'milliseconds' }),
};

/**
 * The edge of every entry point: parse once, and on a user's mistake print one line per problem to
 * stderr and exit with EX_CONFIG (78), which tells an orchestrator this is not a crash to retry fast.
 */
export function loadConfigOrExit<T>(parse: (env: Env) => T, env: Env = process.env): T {
  try {
    return parse(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

export const EXIT_CONFIG = 78;
