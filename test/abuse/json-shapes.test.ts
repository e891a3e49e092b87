// Issue 9, item 6: every answer has the JSON error shape, including the ones Node writes itself.
// Before: HTTP/1.1 without Host → 400 with an empty body; `Expect: bogus` → 417 empty; CONNECT →
// connection dropped without an answer.
import { ErrorBodySchema } from '@fogpair/shared';
import { ProcessPool, rawExchange, startConsumer, startProducer } from './support';
import type { Started } from './support';

const pool = new ProcessPool();
const services: Record<'producer' | 'consumer', Started | undefined> = { producer: undefined, consumer: undefined };

beforeAll(async () => {
  services.producer = await startProducer(pool);
  services.consumer = await startConsumer(pool, `http://127.0.0.1:${services.producer.port}/number`);
});
afterAll(() => pool.stopAll());

const PROBES = [
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['Expect: bogus', 'GET / HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n\r\n', 417],
  ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 501],
  ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n', 400],
  ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400],
  ['32 kB of headers', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(32 * 1024)}\r\n\r\n`, 431],
] as const;

describe.each(['producer', 'consumer'] as const)('%s', (name) => {
  it.each(PROBES)('answers %s with %s and the JSON error shape, then closes', async (_what, bytes, status) => {
    const port = services[name]?.port ?? 0;
    const answer = await rawExchange(port, bytes);
    expect(answer.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers.connection).toBe('close');
    expect(ErrorBodySchema.parse(JSON.parse(answer.body)).error.status).toBe(status);
  });
});
