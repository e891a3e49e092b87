import axios from 'axios';
import nock from 'nock';
import { fetchNumber } from '../src/fetch-number';
import { FAILURE_KINDS } from '../src/poll-result';
import type { FetchResult } from '../src/poll-result';
import { createRetryingFetch, isTransient } from '../src/retrying-fetch';
import type { FetchAttempt } from '../src/retrying-fetch';
import { CaptureLogger } from '../../test/support/capture-logger';

// nock patches Node's http module, which jest shares between the test files of a worker.
afterAll(() => nock.restore());

const refused: FetchResult = { ok: false, kind: 'refused', reason: 'connection refused by producer:5000', ms: 1 };
const unavailable: FetchResult = {
  ok: false,
  kind: 'http_error',
  status: 503,
  reason: 'producer answered HTTP 503',
  ms: 1,
};
const notFound: FetchResult = {
  ok: false,
  kind: 'http_error',
  status: 404,
  reason: 'producer answered HTTP 404',
  ms: 1,
};
const invalid: FetchResult = { ok: false, kind: 'invalid', reason: 'answer breaks the contract', ms: 1 };
const timeout: FetchResult = { ok: false, kind: 'timeout', reason: 'no answer within 100 ms', ms: 100 };
const answer: FetchResult = { ok: true, number: 42, instance: 'a1', ms: 1 };

/** Answers from a script, one per attempt, and records the timeout each attempt was given. */
function scripted(...results: FetchResult[]) {
  const timeouts: number[] = [];
  const attempt: FetchAttempt = (_signal, timeoutMs) => {
    timeouts.push(timeoutMs);
    const next = results[Math.min(timeouts.length - 1, results.length - 1)];
    if (!next) throw new Error('empty script');
    return Promise.resolve(next);
  };
  return { attempt, timeouts };
}

function retrying(attempt: FetchAttempt, overrides: Partial<Parameters<typeof createRetryingFetch>[0]> = {}) {
  const logger = new CaptureLogger();
  const delays: number[] = [];
  const fetch = createRetryingFetch({
    attempt,
    maxAttempts: 3,
    baseDelayMs: 5,
    requestTimeoutMs: 100,
    logger,
    onRetry: (_failure, delayMs) => delays.push(delayMs),
    ...overrides,
  });
  return { fetch, logger, delays };
}

const budget = (ms: number) => ({ signal: new AbortController().signal, budgetMs: ms });

describe('isTransient', () => {
  it('retries what may pass a moment later and nothing that would fail the same way again', () => {
    expect([refused, unavailable, timeout].map(isTransient)).toEqual([true, true, true]);
    expect([notFound, invalid, answer].map(isTransient)).toEqual([false, false, false]);
    const reset: FetchResult = { ok: false, kind: 'reset', reason: 'reset', ms: 1 };
    const badGateway: FetchResult = { ...unavailable, status: 502 };
    const gatewayTimeout: FetchResult = { ...unavailable, status: 504 };
    const serverError: FetchResult = { ...unavailable, status: 500 };
    expect([reset, badGateway, gatewayTimeout, serverError].map(isTransient)).toEqual([true, true, true, false]);
  });

  it('decides for every failure kind', () => {
    const decided = Object.fromEntries(
      FAILURE_KINDS.map((kind) => [kind, isTransient({ ok: false, kind, reason: kind, ms: 1, status: 503 })]),
    );
    expect(decided).toEqual({
      refused: true,
      dns: false,
      timeout: true,
      reset: true,
      network: false,
      http_error: true,
      not_json: false,
      invalid: false,
      too_large: false,
    });
  });
});

describe('createRetryingFetch', () => {
  it('retries a refused connection and returns the answer of the next attempt', async () => {
    const { attempt, timeouts } = scripted(refused, answer);
    const { fetch } = retrying(attempt);
    const result = await fetch(budget(1000));
    expect(result).toMatchObject({ ok: true, number: 42, attempts: 2 });
    expect(timeouts).toEqual([100, 100]);
  });

  it('gives up after the configured attempts and returns the last failure', async () => {
    const { attempt, timeouts } = scripted(unavailable);
    const { fetch, logger } = retrying(attempt);
    const result = await fetch(budget(1000));
    expect(result).toMatchObject({ ok: false, kind: 'http_error', status: 503, attempts: 3 });
    expect(timeouts).toHaveLength(3);
    expect(logger.messages('debug')).toEqual([
      expect.stringMatching(/^Retrying in \d+ ms \(attempt 2 of 3\): producer answered HTTP 503$/),
      expect.stringMatching(/^Retrying in \d+ ms \(attempt 3 of 3\): producer answered HTTP 503$/),
    ]);
  });

  it.each([
    ['a contract violation', invalid],
    ['a 404', notFound],
  ])('does not retry %s', async (_name, failure) => {
    const { attempt, timeouts } = scripted(failure, answer);
    const { fetch, delays } = retrying(attempt);
    expect(await fetch(budget(1000))).toMatchObject({ ok: false, attempts: 1 });
    expect(timeouts).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  describe('backoff, on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    /** Every attempt fails as `failure`, after `attemptMs` of fake time; records when each started. */
    function timedAttempts(failure: FetchResult, attemptMs = 0) {
      const startedAt: number[] = [];
      const attempt: FetchAttempt = () => {
        startedAt.push(Date.now());
        if (attemptMs === 0) return Promise.resolve(failure);
        return new Promise((resolve) => setTimeout(() => resolve(failure), attemptMs));
      };
      return { attempt, startedAt };
    }

    it('waits base × 2^(retry - 1) × random before each retry: exactly, and really', async () => {
      const { attempt, startedAt } = timedAttempts(refused);
      // Full jitter: the delay is random × the exponential ceiling; pinned at 0.5 it is half of it.
      const { fetch, delays } = retrying(attempt, {
        maxAttempts: 5,
        baseDelayMs: 20,
        now: Date.now,
        random: () => 0.5,
      });
      let result: unknown;
      void fetch(budget(5000)).then((value) => (result = value));
      await jest.advanceTimersByTimeAsync(149);
      expect(result).toBeUndefined(); // still waiting before the 5th attempt
      await jest.advanceTimersByTimeAsync(1);
      expect(result).toMatchObject({ ok: false, kind: 'refused', attempts: 5, ms: 150 });
      expect(delays).toEqual([10, 20, 40, 80]);
      expect(startedAt).toEqual([0, 10, 30, 70, 150]);
    });

    it('spreads the delay over [0, ceiling) with the random source', async () => {
      const draws = [0, 0.999];
      const { attempt, startedAt } = timedAttempts(unavailable);
      const { fetch, delays } = retrying(attempt, {
        maxAttempts: 3,
        baseDelayMs: 100,
        now: Date.now,
        random: () => draws.shift() ?? 0,
      });
      const pending = fetch(budget(5000));
      await jest.advanceTimersByTimeAsync(1000);
      await pending;
      expect(delays).toEqual([0, 199]);
      expect(startedAt).toEqual([0, 0, 199]);
    });

    it('shortens a delay so that a whole attempt still fits in the budget, and then stops', async () => {
      const { attempt, startedAt } = timedAttempts(timeout, 100);
      const { fetch, delays } = retrying(attempt, {
        maxAttempts: 10,
        baseDelayMs: 1000,
        requestTimeoutMs: 100,
        now: Date.now,
        random: () => 0.5,
      });
      const pending = fetch(budget(350));
      await jest.advanceTimersByTimeAsync(1000);
      // 500 ms of backoff would pass the budget: 150 ms leaves room for the second attempt, none for a third.
      expect(await pending).toMatchObject({ ok: false, kind: 'timeout', attempts: 2, ms: 350 });
      expect(delays).toEqual([150]);
      expect(startedAt).toEqual([0, 250]);
    });
  });

  it('sends no retry that would not finish before the poll deadline', async () => {
    let clock = 0;
    const attempt: FetchAttempt = (_signal, timeoutMs) => {
      clock += timeoutMs; // every attempt times out
      return Promise.resolve(timeout);
    };
    const { fetch } = retrying(attempt, { maxAttempts: 10, requestTimeoutMs: 100, now: () => clock, random: () => 0 });
    // 250 ms of budget: two whole attempts of 100 ms fit, a third does not.
    const result = await fetch({ signal: new AbortController().signal, budgetMs: 250 });
    expect(result).toMatchObject({ ok: false, kind: 'timeout', attempts: 2, ms: 200 });
    expect(clock).toBe(200);
  });

  it('makes a single attempt when the poll asks for one (a breaker probe)', async () => {
    const { attempt, timeouts } = scripted(refused, answer);
    const { fetch } = retrying(attempt);
    expect(await fetch({ ...budget(1000), maxAttempts: 1 })).toMatchObject({ ok: false, attempts: 1 });
    expect(timeouts).toHaveLength(1);
  });

  it('retries a real 503 from the producer over HTTP and reports the answer', async () => {
    const scope = nock('http://producer:5000')
      .get('/number')
      .reply(503, 'busy')
      .get('/number')
      .reply(200, { number: 7 }, { 'x-served-by': 'b2' });
    const http = axios.create({ proxy: false });
    const { fetch } = retrying((signal, timeoutMs) =>
      fetchNumber({ http, url: 'http://producer:5000/number', timeoutMs, signal }),
    );
    expect(await fetch(budget(1000))).toMatchObject({ ok: true, number: 7, instance: 'b2', attempts: 2 });
    expect(scope.isDone()).toBe(true);
  });
});
