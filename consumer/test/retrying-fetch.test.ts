import axios from 'axios';
import nock from 'nock';
import { fetchNumber } from '../src/fetch-number';
import type { FetchResult } from '../src/fetch-number';
import { createRetryingFetch, isTransient } from '../src/retrying-fetch';
import type { FetchAttempt } from '../src/retrying-fetch';
import { CaptureLogger } from '../../shared/test/support/capture-logger';

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

const budget = (ms: number) => ({ signal: new AbortController().signal, deadlineAt: performance.now() + ms });

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

  it('waits a random delay below base × 2^(retry - 1) before each retry', async () => {
    const { attempt } = scripted(refused);
    const { fetch, delays } = retrying(attempt, { maxAttempts: 5, baseDelayMs: 20 });
    await fetch(budget(5000));
    expect(delays).toHaveLength(4);
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(20 * 2 ** index);
    });
  });

  it('sends no retry that would not finish before the poll deadline', async () => {
    let clock = 0;
    const attempt: FetchAttempt = (_signal, timeoutMs) => {
      clock += timeoutMs; // every attempt times out
      return Promise.resolve(timeout);
    };
    const { fetch } = retrying(attempt, { maxAttempts: 10, requestTimeoutMs: 100, now: () => clock });
    // 250 ms of budget: two whole attempts of 100 ms fit, a third does not.
    const result = await fetch({ signal: new AbortController().signal, deadlineAt: 250 });
    expect(result).toMatchObject({ ok: false, kind: 'timeout', attempts: 2 });
    expect(clock).toBeLessThanOrEqual(250);
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
