import { problemLines } from '../../test/support/config-problems';
import { parseConsumerConfig } from '../src/config';

const problemsOf = (env: Record<string, string>) => problemLines(() => parseConsumerConfig(env));

const URL_EXPECTED = 'must be an http:// or https:// URL, e.g. http://producer:5000/number';
const PORT_EXPECTED = 'must be a TCP port number between 0 and 65535 (0 picks a free port)';
const HOST_EXPECTED = 'must be a host name or IP address to listen on, e.g. 0.0.0.0';
const INTERVAL_EXPECTED = 'must be a whole number of milliseconds >= 100';
const TIMEOUT_EXPECTED = 'must be a whole number of milliseconds >= 10';

describe('parseConsumerConfig', () => {
  it('works without any variable set, with the documented defaults', () => {
    expect(parseConsumerConfig({})).toEqual({
      producerUrl: 'http://producer:5000/number',
      pollIntervalMs: 3000,
      requestTimeoutMs: 2000,
      retryMaxAttempts: 3,
      retryBaseDelayMs: 100,
      breakerFailureThreshold: 5,
      breakerResetMs: 15_000,
      breakerProbeAfterMs: 15_000,
      breakerHalfOpenAfterMs: 13_500,
      pollBudgetMs: 2900,
      livenessMs: 8000,
      dashboardMaxStreamsPerAddress: 8,
      statusPort: 8080,
      statusHost: '0.0.0.0',
      logLevel: 'info',
      logFormat: 'pretty',
      shutdownGraceMs: 3000,
      shutdownTimeoutMs: 5000,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000, maxConnections: 512 },
    });
  });

  it('treats blank values as unset', () => {
    const blank = {
      PRODUCER_URL: '',
      POLL_INTERVAL_MS: ' ',
      REQUEST_TIMEOUT_MS: '',
      STATUS_PORT: '',
      STATUS_HOST: '',
      LOG_LEVEL: '',
      LOG_FORMAT: '',
      SHUTDOWN_TIMEOUT_MS: '',
      DASHBOARD_MAX_STREAMS_PER_ADDRESS: '',
    };
    expect(parseConsumerConfig(blank)).toEqual(parseConsumerConfig({}));
  });

  it('reads every variable', () => {
    expect(
      parseConsumerConfig({
        PRODUCER_URL: 'http://localhost:5001/number',
        POLL_INTERVAL_MS: '500',
        REQUEST_TIMEOUT_MS: '250',
        RETRY_MAX_ATTEMPTS: '2',
        RETRY_BASE_DELAY_MS: '50',
        BREAKER_FAILURE_THRESHOLD: '3',
        BREAKER_RESET_MS: '4000',
        STATUS_PORT: '0',
        STATUS_HOST: '::1',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        SHUTDOWN_GRACE_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '100',
        DASHBOARD_MAX_STREAMS_PER_ADDRESS: '2',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
        HTTP_MAX_CONNECTIONS: '32',
      }),
    ).toEqual({
      producerUrl: 'http://localhost:5001/number',
      pollIntervalMs: 500,
      requestTimeoutMs: 250,
      retryMaxAttempts: 2,
      retryBaseDelayMs: 50,
      breakerFailureThreshold: 3,
      breakerResetMs: 4000,
      breakerProbeAfterMs: 4000,
      breakerHalfOpenAfterMs: 3750,
      pollBudgetMs: 450,
      livenessMs: 1250,
      dashboardMaxStreamsPerAddress: 2,
      statusPort: 0,
      statusHost: '::1',
      logLevel: 'warn',
      logFormat: 'json',
      shutdownGraceMs: 0,
      shutdownTimeoutMs: 100,
      http: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 500, maxConnections: 32 },
    });
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(parseConsumerConfig({}))).toBe(true);
  });

  it.each([
    ['PRODUCER_URL', 'producer:5000/number', URL_EXPECTED],
    ['PRODUCER_URL', 'ftp://producer/number', URL_EXPECTED],
    ['PRODUCER_URL', 'http//producer', URL_EXPECTED],
    ['POLL_INTERVAL_MS', '3s', INTERVAL_EXPECTED],
    ['POLL_INTERVAL_MS', '99', INTERVAL_EXPECTED],
    ['POLL_INTERVAL_MS', '3000.5', INTERVAL_EXPECTED],
    // Above setTimeout's limit (2^31 - 1 ms) Node would fire every millisecond instead.
    ['POLL_INTERVAL_MS', '2147483648', 'must be at most 2147483647 milliseconds'],
    ['REQUEST_TIMEOUT_MS', 'soon', TIMEOUT_EXPECTED],
    ['REQUEST_TIMEOUT_MS', '9', TIMEOUT_EXPECTED],
    ['STATUS_PORT', '80800', PORT_EXPECTED],
    ['STATUS_PORT', 'http', PORT_EXPECTED],
    ['STATUS_HOST', '0.0.0.0/0', HOST_EXPECTED],
    ['LOG_LEVEL', 'trace', 'must be one of error, warn, info, debug'],
    ['LOG_FORMAT', 'logfmt', 'must be one of pretty, json'],
    ['SHUTDOWN_TIMEOUT_MS', '-1', 'must be a whole number of milliseconds >= 100'],
    ['DASHBOARD_MAX_STREAMS_PER_ADDRESS', '0', 'must be a whole number >= 1'],
    ['DASHBOARD_MAX_STREAMS_PER_ADDRESS', 'few', 'must be a whole number >= 1'],
    ['DASHBOARD_MAX_STREAMS_PER_ADDRESS', '65', 'must be at most 64'],
  ])('rejects %s=%j with a line naming it, the value and what was expected', (variable, value, expected) => {
    expect(problemLines(() => parseConsumerConfig({ [variable]: value }))).toEqual([
      `Invalid configuration: ${variable} ${expected} (got ${JSON.stringify(value)})`,
    ]);
  });

  describe('REQUEST_TIMEOUT_MS below POLL_INTERVAL_MS, so that polls never overlap', () => {
    it.each([
      ['1000', '1000'],
      ['1000', '1500'],
    ])('rejects POLL_INTERVAL_MS=%s with REQUEST_TIMEOUT_MS=%s', (interval, timeout) => {
      expect(
        problemLines(() => parseConsumerConfig({ POLL_INTERVAL_MS: interval, REQUEST_TIMEOUT_MS: timeout })),
      ).toEqual([
        `Invalid configuration: REQUEST_TIMEOUT_MS must be below POLL_INTERVAL_MS (${interval}), so that polls never overlap (got "${timeout}")`,
      ]);
    });

    // Unset, the timeout is derived from the interval, so a short POLL_INTERVAL_MS alone is valid.
    it.each([
      ['100', 66],
      ['2000', 1333],
      ['3000', 2000],
      ['60000', 2000],
    ])('derives the unset timeout from POLL_INTERVAL_MS=%s: %d ms', (interval, timeout) => {
      expect(parseConsumerConfig({ POLL_INTERVAL_MS: interval }).requestTimeoutMs).toBe(timeout);
    });

    it('accepts a timeout just below the interval', () => {
      expect(parseConsumerConfig({ POLL_INTERVAL_MS: '1000', REQUEST_TIMEOUT_MS: '999' }).requestTimeoutMs).toBe(999);
    });

    it('is not checked against a value that is itself invalid', () => {
      expect(problemLines(() => parseConsumerConfig({ POLL_INTERVAL_MS: '3s', REQUEST_TIMEOUT_MS: '5000' }))).toEqual([
        `Invalid configuration: POLL_INTERVAL_MS ${INTERVAL_EXPECTED} (got "3s")`,
      ]);
    });
  });

  it('reports all problems at once', () => {
    const lines = problemLines(() =>
      parseConsumerConfig({
        PRODUCER_URL: 'producer',
        POLL_INTERVAL_MS: '3s',
        REQUEST_TIMEOUT_MS: '2s',
        STATUS_PORT: '-8080',
        STATUS_HOST: 'a b',
        LOG_LEVEL: 'x',
      }),
    );
    expect(lines.map((line) => line.split(' ')[2])).toEqual([
      'PRODUCER_URL',
      'POLL_INTERVAL_MS',
      'REQUEST_TIMEOUT_MS',
      'STATUS_PORT',
      'STATUS_HOST',
      'LOG_LEVEL',
    ]);
  });
});

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

describe('durations derived from the interval, computed once', () => {
  it('ends every poll before the next tick, with up to 100 ms to spare', () => {
    expect(parseConsumerConfig({}).pollBudgetMs).toBe(2900);
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '200' }).pollBudgetMs).toBe(180);
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '100' }).pollBudgetMs).toBe(90);
  });

  it('sends the probe on the last tick within the reset period', () => {
    expect(parseConsumerConfig({ BREAKER_RESET_MS: '15000' }).breakerProbeAfterMs).toBe(15_000);
    expect(parseConsumerConfig({ BREAKER_RESET_MS: '16500' }).breakerProbeAfterMs).toBe(15_000);
    expect(parseConsumerConfig({ BREAKER_RESET_MS: '3000' }).breakerProbeAfterMs).toBe(3000);
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '200', BREAKER_RESET_MS: '999' }).breakerProbeAfterMs).toBe(800);
  });

  it('lets the probe through from half an interval before its tick, so that a timer early or late keeps it there', () => {
    expect(parseConsumerConfig({ BREAKER_RESET_MS: '16500' }).breakerHalfOpenAfterMs).toBe(15_000 - 1500);
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '200', BREAKER_RESET_MS: '200' }).breakerHalfOpenAfterMs).toBe(100);
  });

  it('calls the poll loop stalled after two missed ticks and a whole attempt', () => {
    expect(parseConsumerConfig({}).livenessMs).toBe(2 * 3000 + 2000);
    expect(parseConsumerConfig({ POLL_INTERVAL_MS: '200', REQUEST_TIMEOUT_MS: '100' }).livenessMs).toBe(500);
  });
});
