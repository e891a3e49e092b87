import { problemLines } from '../../shared/test/support/config-problems';
import { parseConsumerConfig } from '../src/config';

const problemsOf = (env: Record<string, string>) => problemLines(() => parseConsumerConfig(env));

describe('retry and breaker configuration', () => {
  it('has defaults that work without any variable, the reset being 5 poll intervals', () => {
    expect(parseConsumerConfig({})).toMatchObject({
      retryMaxAttempts: 3,
      retryBaseDelayMs: 100,
      breakerFailureThreshold: 5,
      breakerResetMs: 15_000,
    });
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '200', REQUEST_TIMEOUT_MS: '100' }).breakerResetMs).toBe(1000);
    expect(parseConsumerConfig({ BREAKER_RESET_MS: '60000' }).breakerResetMs).toBe(60_000);
  });

  it('names the variable, the value and what was expected', () => {
    expect(problemsOf({ RETRY_MAX_ATTEMPTS: 'many', BREAKER_FAILURE_THRESHOLD: '0' })).toEqual([
      'Invalid configuration: RETRY_MAX_ATTEMPTS must be a whole number >= 1 (got "many")',
      'Invalid configuration: BREAKER_FAILURE_THRESHOLD must be a whole number >= 1 (got "0")',
    ]);
    expect(problemsOf({ RETRY_MAX_ATTEMPTS: '11' })).toEqual([
      'Invalid configuration: RETRY_MAX_ATTEMPTS must be at most 10 (got "11")',
    ]);
    expect(problemsOf({ RETRY_BASE_DELAY_MS: '1.5' })).toEqual([
      'Invalid configuration: RETRY_BASE_DELAY_MS must be a whole number of milliseconds >= 1 (got "1.5")',
    ]);
  });

  it('refuses a reset period shorter than one poll interval', () => {
    expect(problemsOf({ BREAKER_RESET_MS: '1000' })).toEqual([
      'Invalid configuration: BREAKER_RESET_MS must be at least POLL_INTERVAL_MS (3000): probes go out on poll ticks (got "1000")',
    ]);
  });
});
