import { inspect } from 'node:util';
import winston from 'winston';
import type { LOG_FORMATS, LOG_LEVELS } from './config';

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Readonly<Record<string, unknown>>;

/** The narrow logging interface the services depend on; tests pass their own. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stdout by default, because that is what `docker compose logs` collects. */
  stream?: NodeJS.WritableStream;
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLogger({ service, level, format, stream = process.stdout }: LoggerOptions): Logger {
  const lineFormat = format === 'json' ? jsonLine : prettyLine;
  const winstonLogger = winston.createLogger({
    levels: LEVELS,
    level,
    defaultMeta: { service },
    format: winston.format.combine(winston.format.timestamp(), lineFormat),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- winston's typings mix two copies of TransportStream
    transports: [new winston.transports.Stream({ stream })],
  });
  const log = (lvl: LogLevel) => (message: string, fields?: LogFields) => {
    winstonLogger.log(lvl, message, { ...fields });
  };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    isLevelEnabled: (lvl) => LEVELS[lvl] <= LEVELS[level],
  };
}

const jsonLine = winston.format.printf(({ timestamp, level, message, ...fields }) =>
  JSON.stringify({ timestamp, level, message, ...serializable(fields) }),
);

/** `2026-11-23T11:34:00.123Z info  consumer: Received number: 73 producer=4f1c ms=4` */
const prettyLine = winston.format.printf(({ timestamp, level, message, service, ...fields }) => {
  const extra = Object.entries(serializable(fields))
    .map(([key, value]) => `${key}=${formatValue(value)}`)
    .join(' ');
  // A line break inside a message would make one event look like two to `grep` and log shippers.
  const text = String(message).replace(/\r?\n/g, '\\n');
  const head = `${String(timestamp)} ${level.padEnd(5)} ${String(service)}: ${text}`;
  return extra ? `${head} ${extra}` : head;
});

/** Errors become their message (and stack at the `stack` key), so a line never loses its cause. */
function serializable(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = value instanceof Error ? (value.stack ?? value.message) : value;
  }
  return out;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null) return inspect(value, { breakLength: Infinity, depth: 3 });
  return String(value);
}

/** Hides credentials in URLs before they reach a log line. */
export function redactUrl(href: string): string {
  if (!URL.canParse(href)) return href;
  const url = new URL(href);
  if (url.username) url.username = '***';
  if (url.password) url.password = '***';
  return url.href;
}
