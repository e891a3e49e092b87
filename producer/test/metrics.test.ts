import { Registry } from 'prom-client';
import request from 'supertest';
import type { Logger } from '@fogpair/shared';
import { createApp } from '../src/app';
import { createProducerMetrics } from '../src/metrics';

const quietLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  isLevelEnabled: () => false,
};

function appWithMetrics() {
  const registry = new Registry();
  const app = createApp({
    random: () => 7,
    logger: quietLogger,
    instance: 'test-1',
    isReady: () => true,
    metrics: createProducerMetrics(registry),
  });
  return { app, registry };
}

describe('producer metrics', () => {
  it('serves Prometheus text at GET /metrics', async () => {
    const { app } = appWithMetrics();
    const response = await request(app).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.text).toContain('# TYPE fogpair_producer_requests_total counter');
    expect(response.text).toContain('# TYPE fogpair_producer_request_duration_seconds histogram');
  });

  it('counts requests by route and status, and the numbers served', async () => {
    const { app, registry } = appWithMetrics();
    await request(app).get('/number').expect(200);
    await request(app).get('/number').expect(200);
    await request(app).post('/number').expect(405);
    await request(app).get('/healthz').expect(200);
    const text = await registry.metrics();
    expect(text).toContain('fogpair_producer_requests_total{route="/number",status="200"} 2');
    expect(text).toContain('fogpair_producer_requests_total{route="/number",status="405"} 1');
    expect(text).toContain('fogpair_producer_requests_total{route="/healthz",status="200"} 1');
    expect(text).toContain('fogpair_producer_request_duration_seconds_count{route="/number"} 3');
    expect(text).toContain('fogpair_producer_numbers_served_total 2');
  });

  it('labels every unknown path "unmatched", never with the path itself', async () => {
    const { app, registry } = appWithMetrics();
    for (const path of ['/a', '/b/c', '/number/extra', '/%2e%2e/etc/passwd']) await request(app).get(path).expect(404);
    const text = await registry.metrics();
    expect(text).toContain('fogpair_producer_requests_total{route="unmatched",status="404"} 4');
    expect(text).not.toMatch(/route="\/(a|b|%2e)/);
  });

  it('has no /metrics route when the app is built without metrics', async () => {
    const app = createApp({ random: () => 7, logger: quietLogger, instance: 'x', isReady: () => true });
    await request(app).get('/metrics').expect(404);
  });
});
