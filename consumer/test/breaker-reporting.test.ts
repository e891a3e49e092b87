import { createFailureReporter } from '../src/failure-reporter';
import { CaptureLogger } from '../../shared/test/support/capture-logger';

const timeout = { kind: 'timeout', reason: 'no answer from producer:5000 within 2000 ms' } as const;
const refused = { kind: 'refused', reason: 'connection refused by producer:5000' } as const;

describe('failure reporter with a circuit breaker', () => {
  it('tells an outage in a few lines: first failure, breaker open, cause change, recovery', () => {
    const logger = new CaptureLogger();
    let clock = 0;
    const reporter = createFailureReporter(logger, () => clock);
    for (let poll = 0; poll < 4; poll++, clock += 3000) reporter.failure(timeout);
    reporter.breakerOpened(timeout, 15_000);
    for (let poll = 0; poll < 4; poll++, clock += 3000) reporter.rejected();
    reporter.probeFailed(timeout, 15_000); // same cause: nothing new to say
    for (let poll = 0; poll < 4; poll++, clock += 3000) reporter.rejected();
    reporter.probeFailed(refused, 15_000); // the producer was frozen, now it is gone
    for (let poll = 0; poll < 4; poll++, clock += 3000) reporter.rejected();
    clock += 3000;
    reporter.success();

    expect(logger.entries.map((entry) => `${entry.level} ${entry.message}`)).toEqual([
      'warn Poll failed: no answer from producer:5000 within 2000 ms',
      'warn Circuit breaker open after 5 failed polls (no answer from producer:5000 within 2000 ms): no requests until the probe in 15 s',
      'warn Probe failed: connection refused by producer:5000; next probe in 15 s',
      'info Producer is back after 51 s (19 polls missed)',
    ]);
  });

  it('summarises a long outage at 10, 20, 50, … failed polls, with the next probe', () => {
    const logger = new CaptureLogger();
    const reporter = createFailureReporter(logger, () => 0);
    reporter.breakerOpened(timeout, 900);
    for (let probe = 2; probe <= 20; probe++) reporter.probeFailed(timeout, 900);
    expect(logger.messages('warn')).toEqual([
      'Circuit breaker open after 1 failed poll (no answer from producer:5000 within 2000 ms): no requests until the probe in 0.9 s',
      'Still failing after 10 attempts (0 s): no answer from producer:5000 within 2000 ms; next probe in 0.9 s',
      'Still failing after 20 attempts (0 s): no answer from producer:5000 within 2000 ms; next probe in 0.9 s',
    ]);
  });

  it('counts polls the breaker held back as missed, without a line each', () => {
    const logger = new CaptureLogger();
    const reporter = createFailureReporter(logger, () => 0);
    reporter.rejected();
    reporter.rejected();
    reporter.success();
    expect(logger.messages('info')).toEqual(['Producer is back after 0 s (2 polls missed)']);
  });
});
