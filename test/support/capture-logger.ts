import type { LogFields, LogLevel, Logger } from '@fogpair/shared';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** A Logger that keeps what it is told, for tests that assert what a user would read. */
export class CaptureLogger implements Logger {
  readonly entries: LogEntry[] = [];

  constructor(private readonly level: LogLevel = 'debug') {}

  error(message: string, fields?: LogFields): void {
    this.record('error', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.record('warn', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.record('info', message, fields);
  }

  debug(message: string, fields?: LogFields): void {
    this.record('debug', message, fields);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return SEVERITY[level] <= SEVERITY[this.level];
  }

  /** Entries at exactly `level`. */
  at(level: LogLevel): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }

  messages(level?: LogLevel): string[] {
    return (level ? this.at(level) : this.entries).map((entry) => entry.message);
  }

  private record(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (this.isLevelEnabled(level)) this.entries.push({ level, message, fields });
  }
}
