import { Agent as HttpAgent, createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import axios from 'axios';
import nock from 'nock';
import { MAX_ANSWER_BYTES, MAX_INSTANCE_CHARS, excerpt, fetchNumber } from '../src/fetch-number';
import type { FetchResult } from '../src/poll-result';

const ORIGIN = 'http://producer:5000';
const URL = `${ORIGIN}/number`;

/** Created as main.ts creates it: a new connection per poll, no proxy. */
const http = axios.create({
  httpAgent: new HttpAgent({ keepAlive: false }),
  httpsAgent: new HttpsAgent({ keepAlive: false }),
  proxy: false,
});

function fetchFrom(url = URL, timeoutMs = 1000, signal?: AbortSignal): Promise<FetchResult> {
  return fetchNumber({ http, url, timeoutMs, ...(signal ? { signal } : {}) });
}

/** Narrows a result to a failure, failing the test with the result if it succeeded. */
function failure(result: FetchResult): Extract<FetchResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

/** A producer on a loopback port, reachable past nock. */
async function loopbackProducer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  nock.enableNetConnect(`127.0.0.1:${port}`);
  return {
    url: `http://127.0.0.1:${port}/number`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.disableNetConnect();
  expect(pending).toEqual([]);
});
afterAll(() => {
  nock.enableNetConnect();
  // nock patches Node's http module, which jest shares between the test files of a worker.
  nock.restore();
});

describe('fetchNumber, success', () => {
  it('returns the number, the instance that served it, and the latency', async () => {
    nock(ORIGIN).get('/number').reply(200, { number: 73 }, { 'x-served-by': '4f1c2a9e' });
    const clock = [1000, 1004.4];
    const result = await fetchNumber({ http, url: URL, timeoutMs: 1000, now: () => clock.shift() ?? 0 });
    expect(result).toEqual({ ok: true, number: 73, instance: '4f1c2a9e', ms: 4 });
  });

  it.each([1, 180])('accepts the range end %d', async (number) => {
    nock(ORIGIN).get('/number').reply(200, { number }, { 'x-served-by': 'p' });
    expect(await fetchFrom()).toMatchObject({ ok: true, number });
  });

  it('names a producer that does not name itself by its address (ip:port)', async () => {
    const { url, port, close } = await loopbackProducer((_request, response) => response.end('{"number":5}'));
    try {
      expect(await fetchFrom(url)).toEqual({
        ok: true,
        number: 5,
        instance: `127.0.0.1:${port}`,
        ms: expect.any(Number) as number,
      });
    } finally {
      await close();
    }
  });

  it('cuts a long instance name to 64 characters, so that a hostile producer cannot make it cost memory', async () => {
    const hostile = `${'a'.repeat(100)}${'x'.repeat(8 * 1024)}`;
    nock(ORIGIN).get('/number').reply(200, { number: 5 }, { 'x-served-by': hostile });
    const result = await fetchFrom();
    expect(result).toMatchObject({ ok: true, instance: `${'a'.repeat(MAX_INSTANCE_CHARS - 1)}…` });
    expect(result.ok && result.instance.length).toBe(MAX_INSTANCE_CHARS);
  });

  it.each([
    [MAX_INSTANCE_CHARS, 'a'.repeat(MAX_INSTANCE_CHARS)],
    [MAX_INSTANCE_CHARS + 1, `${'a'.repeat(MAX_INSTANCE_CHARS - 1)}…`],
  ])('names a producer that sends a name of %i characters %j', async (length, instance) => {
    nock(ORIGIN)
      .get('/number')
      .reply(200, { number: 5 }, { 'x-served-by': 'a'.repeat(length) });
    expect(await fetchFrom()).toMatchObject({ ok: true, instance });
  });

  it('ignores fields it does not know, so the producer can add some', async () => {
    nock(ORIGIN).get('/number').reply(200, { number: 9, servedAt: 'now' });
    expect(await fetchFrom()).toMatchObject({ ok: true, number: 9 });
  });
});

describe('fetchNumber, network failures', () => {
  it('reports a refused connection (nothing listening on the port)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    nock.enableNetConnect(`127.0.0.1:${port}`);

    const result = failure(await fetchFrom(`http://127.0.0.1:${port}/number`));
    expect(result.kind).toBe('refused');
    expect(result.reason).toBe(`connection refused by 127.0.0.1:${port} (producer not up yet?)`);
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('reports a host name that does not resolve (%s)', async (code) => {
    nock(ORIGIN)
      .get('/number')
      .replyWithError(Object.assign(new Error(`getaddrinfo ${code} producer`), { code }));
    const result = failure(await fetchFrom());
    expect(result.kind).toBe('dns');
    expect(result.reason).toBe(
      `cannot resolve host name "producer" (${code}: is the producer running, and is the service name right?)`,
    );
  });

  it('reports a reset connection', async () => {
    nock(ORIGIN)
      .get('/number')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(failure(await fetchFrom())).toMatchObject({
      kind: 'reset',
      reason: 'connection to producer:5000 was reset before the answer was complete',
    });
  });

  it('reports any other network error with its code and message', async () => {
    nock(ORIGIN)
      .get('/number')
      .replyWithError(Object.assign(new Error('connect EHOSTUNREACH 10.0.0.9:5000'), { code: 'EHOSTUNREACH' }));
    expect(failure(await fetchFrom())).toMatchObject({
      kind: 'network',
      reason: 'request to producer:5000 failed: EHOSTUNREACH: connect EHOSTUNREACH 10.0.0.9:5000',
    });
  });

  it('times out when no answer arrives within the deadline, and says how long it waited', async () => {
    nock(ORIGIN).get('/number').delay(300).reply(200, { number: 1 });
    const result = failure(await fetchFrom(URL, 50));
    expect(result.kind).toBe('timeout');
    expect(result.reason).toBe('no answer from producer:5000 within 50 ms');
    expect(result.ms).toBeGreaterThanOrEqual(45);
  });

  it('times out a producer that drips its answer, never idle for long (a total deadline)', async () => {
    // One byte every 10 ms for 300 ms: an idle timeout of 50 ms would never fire.
    nock(ORIGIN)
      .get('/number')
      .reply(200, () => {
        const body = new PassThrough();
        body.write('{"number":');
        let sent = 0;
        const drip = setInterval(() => {
          if (++sent < 30) body.write(' ');
          else {
            clearInterval(drip);
            body.end('1}');
          }
        }, 10);
        return body;
      });
    expect(failure(await fetchFrom(URL, 50))).toMatchObject({ kind: 'timeout' });
  });

  it('ends the request promptly when the caller aborts, without waiting for the answer', async () => {
    // Were the abort ignored, the delayed answer would arrive and the fetch would succeed.
    nock(ORIGIN).get('/number').delay(300).reply(200, { number: 1 });
    const controller = new AbortController();
    const pending = fetchFrom(URL, 10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const result = failure(await pending);
    expect(result.kind).toBe('network');
    expect(result.reason).toMatch(/cancel/i);
  });
});

describe('fetchNumber, answers that are not a number', () => {
  it.each([
    [503, 'Service Unavailable'],
    [404, 'Not Found'],
    [500, 'Internal Server Error'],
  ])('reports HTTP %d with its status and a short excerpt of the body', async (status, text) => {
    const body = JSON.stringify({ error: { status, code: 'x', message: 'nope' } });
    nock(ORIGIN).get('/number').reply(status, body);
    const result = failure(await fetchFrom());
    expect(result).toMatchObject({ kind: 'http_error', status });
    expect(result.reason).toBe(`producer answered HTTP ${status} ${text}: ${JSON.stringify(body)}`);
  });

  it('reports an error status with an empty body without a trailing excerpt', async () => {
    nock(ORIGIN).get('/number').reply(502);
    expect(failure(await fetchFrom())).toMatchObject({
      kind: 'http_error',
      status: 502,
      reason: 'producer answered HTTP 502 Bad Gateway',
    });
  });

  it('does not follow a redirect: the producer never sends one', async () => {
    nock(ORIGIN).get('/number').reply(302, '', { Location: 'http://elsewhere.test/' });
    expect(failure(await fetchFrom())).toMatchObject({ kind: 'http_error', status: 302 });
  });

  it('reports an HTML page (e.g. a proxy error page) as not JSON', async () => {
    nock(ORIGIN).get('/number').reply(200, '<html>\n  <body>502 Bad Gateway</body>\n</html>', {
      'Content-Type': 'text/html',
    });
    expect(failure(await fetchFrom())).toMatchObject({
      kind: 'not_json',
      reason: 'answer is not JSON: "<html> <body>502 Bad Gateway</body> </html>"',
    });
  });

  it('reports an empty body as not JSON', async () => {
    nock(ORIGIN).get('/number').reply(200, '');
    expect(failure(await fetchFrom())).toMatchObject({ kind: 'not_json', reason: 'answer is not JSON: (empty body)' });
  });

  it.each([
    ['{"number":"7"}', 'a string'],
    ['{"number":0}', 'below the range'],
    ['{"number":181}', 'above the range'],
    ['{"number":7.5}', 'not whole'],
    ['{"value":7}', 'missing the field'],
    ['[7]', 'an array'],
    ['7', 'a bare number'],
    ['null', 'null'],
  ])('reports %s (%s) as breaking the contract, quoting the body', async (body) => {
    nock(ORIGIN).get('/number').reply(200, body, { 'Content-Type': 'application/json' });
    const result = failure(await fetchFrom());
    expect(result.kind).toBe('invalid');
    expect(result.reason).toMatch(/^answer breaks the contract \(.+\): /);
    expect(result.reason.endsWith(`: ${JSON.stringify(body)}`)).toBe(true);
  });

  it('drops an answer larger than 64 KiB', async () => {
    const padding = 'x'.repeat(MAX_ANSWER_BYTES);
    nock(ORIGIN).get('/number').reply(200, `{"number":7,"padding":"${padding}"}`);
    expect(failure(await fetchFrom())).toMatchObject({
      kind: 'too_large',
      reason: `answer is larger than ${MAX_ANSWER_BYTES} bytes, dropped`,
    });
  });

  it('stops reading an endless answer soon after 64 KiB: the producer gets to send a small part of it', async () => {
    // 256 MB offered, written only as fast as the consumer takes it; counted until the consumer hangs up.
    const OFFERED = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    let producerHungUp: () => void = () => {};
    const hungUp = new Promise<void>((resolve) => {
      producerHungUp = resolve;
    });
    const { url, close } = await loopbackProducer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"number":7,"padding":"');
      const pump = () => {
        while (written < OFFERED && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end('"}');
      };
      response.on('close', () => producerHungUp());
      pump();
    });
    try {
      expect(failure(await fetchFrom(url, 10_000))).toMatchObject({ kind: 'too_large' });
      await hungUp;
      // What the socket buffers on both sides hold at most, far below what was offered.
      expect(written).toBeLessThan(16 * 1024 * 1024);
      expect(written).toBeGreaterThan(MAX_ANSWER_BYTES);
    } finally {
      await close();
    }
  });

  it('accepts an answer just under the limit', async () => {
    const body = `{"number":7,"padding":"${'x'.repeat(MAX_ANSWER_BYTES - 100)}"}`;
    nock(ORIGIN).get('/number').reply(200, body);
    expect(await fetchFrom()).toMatchObject({ ok: true, number: 7 });
  });
});

describe('excerpt', () => {
  it('quotes a short body on one line', () => {
    expect(excerpt('a\n\tb')).toBe('"a b"');
  });

  it('cuts a long body and says how long it was', () => {
    const long = 'y'.repeat(500);
    expect(excerpt(long)).toBe(`"${'y'.repeat(60)}" … (500 chars)`);
  });

  it('names an empty body', () => {
    expect(excerpt('')).toBe('(empty body)');
  });
});
