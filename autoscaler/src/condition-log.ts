import type { Logger, LogFields, LogLevel } from '@fogpair/shared';

/**
 * Logs a lasting condition once when it begins and once when it ends, not at every evaluation:
 * "Prometheus does not answer" is one line, not one every 15 s, even if its wording changes meanwhile
 * (a timeout, then a refused connection).
 */
export class ConditionLog {
  /** Raised conditions, by key, with the cause they were raised for. */
  private readonly active = new Map<string, string | undefined>();

  constructor(private readonly logger: Logger) {}

  /**
   * The condition `key` holds: logs `message` if it did not hold before, or if it held for another
   * `cause` (e.g. a label fixed one way and broken another; without a cause, any wording is the same).
   */
  raise(key: string, level: LogLevel, message: string, fields?: LogFields, { cause }: { cause?: string } = {}): void {
    if (this.active.has(key) && this.active.get(key) === cause) return;
    this.active.set(key, cause);
    this.logger[level](message, fields);
  }

  /** The condition `key` is over: logs `message` (if given) only when it was raised. */
  clear(key: string, message?: string, fields?: LogFields): void {
    if (!this.active.delete(key)) return;
    if (message) this.logger.info(message, fields);
  }

  /** Forgets every condition whose key starts with `prefix`, without logging. */
  forget(prefix: string): void {
    for (const key of [...this.active.keys()]) if (key.startsWith(prefix)) this.active.delete(key);
  }

  isRaised(key: string): boolean {
    return this.active.has(key);
  }
}
