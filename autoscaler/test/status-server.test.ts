import { Registry } from 'prom-client';
import request from 'supertest';
import type { AutoscalerStatus } from '../src/autoscaler';
import { createStatusServer } from '../src/status-server';

const STATUS: AutoscalerStatus = {
  dryRun: false,
  tolerance: 0.1,
  scaleDownWindowMs: 120_000,
  scaleUpMaxStep: 4,
  lastEvaluationAt: '2026-12-01T18:00:00.000Z',
  services: {},
  decisions: [],
};

function server(alive = true) {
  const registry = new Registry();
  registry.setDefaultLabels({});
  return createStatusServer({ status: () => STATUS, isAlive: () => alive, metrics: registry });
}

describe('the status server', () => {
  it('answers /status with the status as JSON', async () => {
    const response = await request(server()).get('/status').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual(STATUS);
  });

  it('answers /healthz 200 while evaluations come, 503 when they stall', async () => {
    await request(server()).get('/healthz').expect(200, { status: 'ok' });
    await request(server(false)).get('/healthz').expect(503, { status: 'evaluation loop stalled' });
  });

  it('answers /metrics in the Prometheus text format', async () => {
    const response = await request(server()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('answers unknown paths 404 and other methods 405, as JSON', async () => {
    const missing = await request(server()).get('/nope').expect(404);
    expect(missing.body).toEqual({
      error: {
        status: 404,
        code: 'not_found',
        message: 'No such path: /nope. Try GET /status, GET /metrics or GET /healthz',
      },
    });
    const wrong = await request(server()).post('/status').expect(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
  });
});
