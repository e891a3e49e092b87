import { CaptureLogger } from '../../shared/test/support/capture-logger';
import { createFailureReporter, isSummaryPoint } from '../src/failure-reporter';
import type { Failure } from '../src/failure-reporter';

const REFUSED: Failure = { kind: 'refused', reason: 'connection refused by producer:5000 (producer not up yet?)' };
const TIMEOUT: Failure = { kind: 'timeout', reason: 'no answer from producer:5000 within 2000 ms' };
const POLL_MS = 3000;

function setUp() {
  const logger = new CaptureLogger();
  let clock = 1_000_000;
  const reporter = createFailureReporter(logger, () => clock);
  /** One poll every 3 s, as the consumer does by default. */
  const poll = (outcome: Failure | 'ok') => {
    if (outcome === 'ok') reporter.success();
    else reporter.failure(outcome);
    clock += POLL_MS;
  };
  return { logger, reporter, poll };
}

describe('isSummaryPoint', () => {
  it.each([10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 1e4, 1e5, 2e6, 5e7])('is true at %d', (attempts) => {
    expect(isSummaryPoint(attempts)).toBe(true);
  });

  it.each([1, 2, 5, 9, 11, 15, 30, 40, 99, 101, 150, 250, 999, 1001, 3000])('is false at %d', (attempts) => {
    expect(isSummaryPoint(attempts)).toBe(false);
  });

  it('says a dozen lines over a day of failures every 3 s', () => {
    const pollsPerDay = (24 * 3600 * 1000) / POLL_MS;
    let points = 0;
    for (let attempts = 1; attempts <= pollsPerDay; attempts++) if (isSummaryPoint(attempts)) points++;
    expect(points).toBe(11); // 10 20 50 100 200 500 1000 2000 5000 10000 20000
  });
});

describe('createFailureReporter', () => {
  it('warns about the first failure at once, naming its cause', () => {
    const { logger, poll } = setUp();
    poll(REFUSED);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'Poll failed: connection refused by producer:5000 (producer not up yet?)',
        fields: { kind: 'refused' },
      },
    ]);
  });

  it('summarises an identical failure only at 10, 20, 50, 100, … attempts', () => {
    const { logger, poll } = setUp();
    for (let i = 0; i < 120; i++) poll(REFUSED);
    expect(logger.messages()).toEqual([
      `Poll failed: ${REFUSED.reason}`,
      `Still failing after 10 attempts (27 s): ${REFUSED.reason}`,
      `Still failing after 20 attempts (57 s): ${REFUSED.reason}`,
      `Still failing after 50 attempts (147 s): ${REFUSED.reason}`,
      `Still failing after 100 attempts (297 s): ${REFUSED.reason}`,
    ]);
    expect(logger.entries.every((entry) => entry.level === 'warn')).toBe(true);
    expect(logger.entries[4]?.fields).toEqual({ kind: 'refused', attempts: 100 });
  });

  it('warns at once when the failure changes, and counts the new one from 1', () => {
    const { logger, poll } = setUp();
    for (let i = 0; i < 5; i++) poll(REFUSED);
    for (let i = 0; i < 10; i++) poll(TIMEOUT);
    expect(logger.messages()).toEqual([
      `Poll failed: ${REFUSED.reason}`,
      `Poll failed: ${TIMEOUT.reason}`,
      `Still failing after 10 attempts (27 s): ${TIMEOUT.reason}`,
    ]);
  });

  it('treats the same kind with another reason as a different failure', () => {
    const { logger, poll } = setUp();
    poll({ kind: 'http_error', reason: 'producer answered HTTP 503 Service Unavailable' });
    poll({ kind: 'http_error', reason: 'producer answered HTTP 500 Internal Server Error' });
    expect(logger.messages()).toHaveLength(2);
  });

  it('says when the producer is back, after how long and how many polls were missed', () => {
    const { logger, poll } = setUp();
    for (let i = 0; i < 4; i++) poll(REFUSED);
    for (let i = 0; i < 3; i++) poll(TIMEOUT);
    poll('ok');
    expect(logger.at('info')).toEqual([
      {
        level: 'info',
        message: 'Producer is back after 21 s (7 polls missed)',
        fields: { missedPolls: 7, failedPolls: 7, seconds: 21 },
      },
    ]);
  });

  it('says nothing on success when nothing had failed', () => {
    const { logger, poll } = setUp();
    poll('ok');
    poll('ok');
    expect(logger.entries).toEqual([]);
  });

  it('starts afresh after a recovery: the same failure is reported again at once', () => {
    const { logger, poll } = setUp();
    poll(REFUSED);
    poll('ok');
    poll(REFUSED);
    poll(REFUSED);
    poll('ok');
    expect(logger.messages()).toEqual([
      `Poll failed: ${REFUSED.reason}`,
      'Producer is back after 3 s (1 poll missed)',
      `Poll failed: ${REFUSED.reason}`,
      'Producer is back after 6 s (2 polls missed)',
    ]);
  });
});
