import { CaptureLogger } from '../../test/support/capture-logger';
import { createPollReporter, isSummaryPoint } from '../src/poll-reporter';
import type { FailureKind, PollResult } from '../src/poll-result';

interface Cause {
  kind: FailureKind;
  reason: string;
}

const REFUSED: Cause = { kind: 'refused', reason: 'connection refused by producer:5000 (producer not up yet?)' };
const TIMEOUT: Cause = { kind: 'timeout', reason: 'no answer from producer:5000 within 2000 ms' };
const POLL_MS = 3000;

const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;
const answer = (number = 5, fields: Partial<PollResult> = {}): PollResult =>
  ({ ok: true, number, instance: 'p', ms: 4, ...sent, ...fields }) as PollResult;
/** A failed poll that left the breaker closed. */
const failed = (cause: Cause): PollResult => ({ ok: false, ...cause, ms: 1, ...sent });
/** A failed poll that opened the breaker, or a failed probe that opened it again. */
const opened = (cause: Cause, nextProbeInMs: number, probe = false): PollResult => ({
  ok: false,
  ...cause,
  ms: 1,
  attempts: 1,
  probe,
  breaker: 'open',
  nextProbeInMs,
});
const heldBack: PollResult = {
  ok: false,
  kind: 'breaker_open',
  reason: 'circuit breaker is open',
  ms: 0,
  attempts: 0,
  nextProbeInMs: 1000,
};

function setUp() {
  const logger = new CaptureLogger('info');
  let clock = 1_000_000;
  const reporter = createPollReporter(logger, () => clock);
  /** One poll every 3 s, as the consumer does by default. */
  const poll = (outcome: Cause | 'ok') => {
    reporter.report(outcome === 'ok' ? answer() : failed(outcome));
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

describe('createPollReporter, failures while the breaker is closed', () => {
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
      { level: 'info', message: 'Received number: 5', fields: { number: 5, producer: 'p', ms: 4 } },
    ]);
  });

  it('says nothing more than the number on success when nothing had failed', () => {
    const { logger, poll } = setUp();
    poll('ok');
    poll('ok');
    expect(logger.messages()).toEqual(['Received number: 5', 'Received number: 5']);
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
      'Received number: 5',
      `Poll failed: ${REFUSED.reason}`,
      'Producer is back after 6 s (2 polls missed)',
      'Received number: 5',
    ]);
  });
});

describe('createPollReporter, answers', () => {
  it('logs "Received number: N" with the number, the producer and the latency', () => {
    const logger = new CaptureLogger('info');
    createPollReporter(logger).report(answer(73, { instance: '4f1c' }));
    expect(logger.entries).toEqual([
      { level: 'info', message: 'Received number: 73', fields: { number: 73, producer: '4f1c', ms: 4 } },
    ]);
  });

  it('adds the attempts to the line when the answer took a retry', () => {
    const logger = new CaptureLogger('info');
    createPollReporter(logger).report(answer(5, { attempts: 2 }));
    expect(logger.entries).toEqual([
      { level: 'info', message: 'Received number: 5', fields: { number: 5, producer: 'p', ms: 4, attempts: 2 } },
    ]);
  });

  it('repeats a failure at debug level, with its attempts and time', () => {
    const logger = new CaptureLogger('debug');
    createPollReporter(logger).report(failed(TIMEOUT));
    expect(logger.entries).toEqual([
      { level: 'warn', message: `Poll failed: ${TIMEOUT.reason}`, fields: { kind: 'timeout' } },
      { level: 'debug', message: `Poll failed: ${TIMEOUT.reason}`, fields: { kind: 'timeout', ms: 1, attempts: 1 } },
    ]);
  });
});

describe('createPollReporter with a circuit breaker', () => {
  it('tells an outage in a few lines: first failure, breaker open, cause change, recovery', () => {
    const logger = new CaptureLogger('info');
    let clock = 0;
    const reporter = createPollReporter(logger, () => clock);
    const poll = (result: PollResult) => {
      reporter.report(result);
      clock += 3000;
    };
    for (let i = 0; i < 4; i++) poll(failed(TIMEOUT));
    poll(opened(TIMEOUT, 15_000));
    for (let i = 0; i < 4; i++) poll(heldBack);
    poll(opened(TIMEOUT, 15_000, true)); // same cause: nothing new to say
    for (let i = 0; i < 4; i++) poll(heldBack);
    poll(opened(REFUSED, 15_000, true)); // the producer was frozen, now it is gone
    for (let i = 0; i < 4; i++) poll(heldBack);
    poll(answer(9, { probe: true }));

    expect(logger.entries.map((entry) => `${entry.level} ${entry.message}`)).toEqual([
      'warn Poll failed: no answer from producer:5000 within 2000 ms',
      'warn Circuit breaker open after 5 failed polls (no answer from producer:5000 within 2000 ms): no requests until the probe in 15 s',
      'warn Probe failed: connection refused by producer:5000 (producer not up yet?); next probe in 15 s',
      'info Producer is back after 57 s (19 polls missed)',
      'info Received number: 9',
    ]);
  });

  it('summarises a long outage at 10, 20, 50, … failed polls, with the next probe', () => {
    const logger = new CaptureLogger('info');
    const reporter = createPollReporter(logger, () => 0);
    reporter.report(opened(TIMEOUT, 900));
    for (let probe = 2; probe <= 20; probe++) reporter.report(opened(TIMEOUT, 900, true));
    expect(logger.messages('warn')).toEqual([
      'Circuit breaker open after 1 failed poll (no answer from producer:5000 within 2000 ms): no requests until the probe in 0.9 s',
      'Still failing after 10 attempts (0 s): no answer from producer:5000 within 2000 ms; next probe in 0.9 s',
      'Still failing after 20 attempts (0 s): no answer from producer:5000 within 2000 ms; next probe in 0.9 s',
    ]);
  });

  it('counts polls the breaker held back as missed, without a line each', () => {
    const logger = new CaptureLogger('info');
    const reporter = createPollReporter(logger, () => 0);
    reporter.report(heldBack);
    reporter.report(heldBack);
    expect(logger.entries).toEqual([]);
    reporter.report(answer());
    expect(logger.messages('info')).toEqual(['Producer is back after 0 s (2 polls missed)', 'Received number: 5']);
  });

  it('says the probe is due in seconds, with a decimal for short waits', () => {
    const logger = new CaptureLogger('info');
    createPollReporter(logger, () => 0).report(opened(REFUSED, 12_991));
    expect(logger.messages()).toEqual([
      `Circuit breaker open after 1 failed poll (${REFUSED.reason}): no requests until the probe in 13 s`,
    ]);
  });
});
