import { problemLines } from '../../test/support/config-problems';
import { parseAutoscalerConfig } from '../src/config';

describe('parseAutoscalerConfig', () => {
  it('works without any variable set, with the documented defaults', () => {
    expect(parseAutoscalerConfig({})).toEqual({
      prometheusUrl: 'http://prometheus:9090',
      prometheusTimeoutMs: 5000,
      dockerSocket: '/var/run/docker.sock',
      evaluationIntervalMs: 15_000,
      scaleDownWindowMs: 120_000,
      tolerance: 0.1,
      scaleUpMaxStep: 4,
      rateWindow: '1m',
      dryRun: false,
      statusPort: 8081,
      statusHost: '0.0.0.0',
      logLevel: 'info',
      logFormat: 'pretty',
      shutdownTimeoutMs: 5000,
    });
  });

  it('treats blank values as unset', () => {
    const blank = { PROMETHEUS_URL: '', TOLERANCE: ' ', RATE_WINDOW: '', DRY_RUN: '', DOCKER_SOCKET: '' };
    expect(parseAutoscalerConfig(blank)).toEqual(parseAutoscalerConfig({}));
  });

  it('reads every variable', () => {
    const config = parseAutoscalerConfig({
      PROMETHEUS_URL: 'http://127.0.0.1:9091',
      PROMETHEUS_TIMEOUT_MS: '700',
      DOCKER_SOCKET: '/run/user/1000/docker.sock',
      EVALUATION_INTERVAL_MS: '1000',
      SCALE_DOWN_WINDOW_MS: '0',
      TOLERANCE: '0.05',
      SCALE_UP_MAX_STEP: '2',
      RATE_WINDOW: '30s',
      DRY_RUN: 'TRUE',
      STATUS_PORT: '0',
      STATUS_HOST: '127.0.0.1',
    });
    expect(config).toMatchObject({
      prometheusUrl: 'http://127.0.0.1:9091/',
      prometheusTimeoutMs: 700,
      dockerSocket: '/run/user/1000/docker.sock',
      evaluationIntervalMs: 1000,
      scaleDownWindowMs: 0,
      tolerance: 0.05,
      scaleUpMaxStep: 2,
      rateWindow: '30s',
      dryRun: true,
      statusPort: 0,
      statusHost: '127.0.0.1',
    });
  });

  it('derives the query timeout from a short interval', () => {
    expect(parseAutoscalerConfig({ EVALUATION_INTERVAL_MS: '2000' }).prometheusTimeoutMs).toBe(1000);
  });

  it('names every variable that is wrong, and what it expects', () => {
    expect(
      problemLines(() =>
        parseAutoscalerConfig({
          PROMETHEUS_URL: 'prometheus:9090',
          DOCKER_SOCKET: 'docker.sock',
          TOLERANCE: '10%',
          RATE_WINDOW: '1 minute',
          DRY_RUN: 'yes',
          SCALE_UP_MAX_STEP: '0',
        }),
      ),
    ).toEqual([
      'Invalid configuration: PROMETHEUS_URL must be an http:// or https:// URL, e.g. http://producer:5000/number (got "prometheus:9090")',
      'Invalid configuration: DOCKER_SOCKET must be an absolute path to a unix socket, e.g. /var/run/docker.sock (got "docker.sock")',
      'Invalid configuration: TOLERANCE must be a fraction between 0 and 0.9, e.g. 0.1 for 10 % (got "10%")',
      'Invalid configuration: SCALE_UP_MAX_STEP must be a whole number >= 1 (got "0")',
      'Invalid configuration: RATE_WINDOW must be a Prometheus duration such as 30s, 1m or 2m30s (got "1 minute")',
      'Invalid configuration: DRY_RUN must be one of false, true (got "yes")',
    ]);
  });

  it('refuses a query timeout that does not fit in the interval', () => {
    expect(
      problemLines(() => parseAutoscalerConfig({ EVALUATION_INTERVAL_MS: '1000', PROMETHEUS_TIMEOUT_MS: '1000' })),
    ).toEqual([
      'Invalid configuration: PROMETHEUS_TIMEOUT_MS must be below EVALUATION_INTERVAL_MS (1000), so that evaluations never overlap (got "1000")',
    ]);
  });
});
