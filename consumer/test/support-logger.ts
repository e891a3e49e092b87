import type { Logger, LogLevel } from '@fogpair/shared';

export interface LoggedLine {
  level: LogLevel;
  message: string;
  fields: Readonly<Record<string, unknown>> | undefined;
}

/** A Logger that keeps its lines, for assertions on what a user would read. */
export function recordingLogger(): Logger & { lines: LoggedLine[]; at(level: LogLevel): string[] } {
  const lines: LoggedLine[] = [];
  const log = (level: LogLevel) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    at: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    isLevelEnabled: () => true,
  };
}
