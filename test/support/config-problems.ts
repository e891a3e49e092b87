import { ConfigError } from '@fogpair/shared';

/** The lines a user reads on stderr when `parse` rejects the environment. */
export function problemLines(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}
