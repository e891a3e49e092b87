import fc from 'fast-check';
import request from 'supertest';
import { Registry } from 'prom-client';
import { ErrorBodySchema } from '@fogpair/shared';
import type { Logger } from '@fogpair/shared';
import { createApp } from '../src/app';
import { createProducerMetrics } from '../src/metrics';

const errors: unknown[] = [];
const logger: Logger = {
  error: (_message, fields) => errors.push(fields),
  warn: () => {},
  info: () => {},
  debug: () => {},
  isLevelEnabled: () => false,
};
const app = createApp({
  random: (min) => min,
  logger,
  instance: 'fuzz',
  isReady: () => true,
  metrics: createProducerMetrics(new Registry()),
});

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace', 'lock', 'search'] as const;
type Method = (typeof METHODS)[number];

const segment = fc.oneof(
  fc.constantFrom('number', 'healthz', 'readyz', 'metrics', 'NUMBER', '..', '.', '', '%', '%2F', '%00', '%ZZ', '~'),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.stringMatching(/^[\w.~!$&'()*+,;=:@%-]{0,20}$/),
);
const path = fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`);
const query = fc.option(
  fc.dictionary(fc.stringMatching(/^[\w[\].-]{1,10}$/), fc.string({ maxLength: 20 }).map(encodeURIComponent), {
    maxKeys: 5,
  }),
  { nil: undefined },
);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((name) => !RESERVED_HEADERS.has(name));
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const headers = fc.dictionary(headerName, headerValue, { maxKeys: 6 });
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);

function send(method: Method, target: string, extraHeaders: Record<string, string>) {
  const pending = request(app)[method](target);
  for (const [name, value] of Object.entries(extraHeaders)) void pending.set(name, value);
  return pending;
}

describe('producer robustness (property-based)', () => {
  it('answers any path, method, headers and query without a 5xx, and every error in the one JSON shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, query, headers, async (method, target, params, extra) => {
        const search = params
          ? `?${Object.entries(params)
              .map(([k, v]) => `${k}=${v}`)
              .join('&')}`
          : '';
        const response = await send(method, target + search, extra);
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400 && method !== 'head') {
          expect(response.headers['content-type']).toMatch(/^application\/json/);
          expect(ErrorBodySchema.safeParse(response.body).success).toBe(true);
          expect((response.body as { error: { status: number } }).error.status).toBe(response.status);
        }
      }),
      { numRuns: 400 },
    );
    expect(errors).toEqual([]);
  });

  it('answers malformed bodies sent to a GET route in the one JSON shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.string({ maxLength: 200 }),
        async (contentType, body) => {
          const response = await request(app).post('/number').set('content-type', contentType).send(body);
          expect(response.status).toBe(405);
          expect(ErrorBodySchema.safeParse(response.body).success).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
