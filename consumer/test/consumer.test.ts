import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { closeServer, listen } from '@fogpair/shared';
import { CaptureLogger } from '../../test/support/capture-logger';
import { parseConsumerConfig } from '../src/config';
import { createConsumer } from '../src/consumer';
import type { Consumer } from '../src/consumer';
import type { DashboardSnapshot } from '../src/dashboard/dashboard-model';
import type { Timers } from '../src/fixed-rate-schedule';
import type { PollStatsSnapshot } from '../src/poll-history';

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

/** A producer on a loopback port that answers as the test says. */
async function startProducer(answer: Answer): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((incoming, response) => {
    requests++;
    answer(incoming, response);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${port}/number`, requests: () => requests };
}

const number =
  (value: number, servedBy = 'replica-1'): Answer =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': servedBy });
    response.end(JSON.stringify({ number: value }));
  };

/** A port nothing listens on, on an address the status servers do not use. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0, '127.0.0.2');
  await closeServer(server);
  return port;
}

const running: { consumer: Consumer; producer?: Server }[] = [];
afterEach(async () => {
  for (const { consumer, producer } of running.splice(0)) {
    await consumer.stop().catch(() => {});
    if (producer) await closeServer(producer);
  }
});

async function start(env: Record<string, string>, options: { timers?: Timers; producer?: Server } = {}) {
  const logger = new CaptureLogger('info');
  const registry = new Registry();
  const config = parseConsumerConfig({ POLL_INTERVAL_MS: '200', REQUEST_TIMEOUT_MS: '150', ...env });
  const consumer = createConsumer({ config, logger, registry, ...(options.timers ? { timers: options.timers } : {}) });
  running.push({ consumer, ...(options.producer ? { producer: options.producer } : {}) });
  const { port } = await listen(consumer.server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  return { consumer, logger, registry, base };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** The first event of /events: the snapshot a page gets when it connects. */
function firstEvent(url: string): Promise<DashboardSnapshot> {
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let raw = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw += chunk;
        const data = /^data: (.*)$/m.exec(raw)?.[1];
        if (data !== undefined) {
          response.destroy();
          resolve(JSON.parse(data) as DashboardSnapshot);
        }
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('createConsumer', () => {
  it('polls the producer, logs each number, and serves the same tally on /stats, /metrics and the dashboard', async () => {
    const producer = await startProducer(number(73));
    const { consumer, logger, registry, base } = await start(
      { PRODUCER_URL: producer.url, POLL_INTERVAL_MS: '400', REQUEST_TIMEOUT_MS: '300' },
      { producer: producer.server },
    );
    consumer.start();
    await waitFor('three numbers', () => consumer.history.polls.ok >= 3);
    consumer.start(); // a second start changes nothing

    const received = logger.entries.filter((entry) => entry.message === 'Received number: 73');
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received[0]?.fields).toMatchObject({ number: 73, producer: 'replica-1' });

    const stats = await getJson(`${base}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ lastNumber: 73, numbers: { min: 73, max: 73 } });
    const served = stats.body as PollStatsSnapshot;
    expect(served.answersByInstance).toEqual({ 'replica-1': served.successes });
    const scraped = await fetch(`${base}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('fogpair_consumer_last_number 73');

    const snapshot = await firstEvent(`${base}/events`);
    expect(snapshot.latest).toMatchObject({ number: 73, instance: 'replica-1' });
    expect(snapshot.polls.ok).toBeGreaterThanOrEqual(served.successes);
    expect(snapshot.source).toEqual({ producerUrl: producer.url, pollIntervalMs: 400 });

    // Stopped, nothing changes any more: /metrics and /stats read the same record.
    await consumer.stop();
    const tally = consumer.history.stats();
    const metrics = await registry.metrics();
    expect(metrics).toContain(`fogpair_consumer_polls_total{outcome="ok"} ${tally.successes}`);
    expect(metrics).toContain(`fogpair_consumer_answers_total{instance="replica-1"} ${tally.successes}`);
    expect(metrics).toContain(`fogpair_consumer_polls_total{outcome="timeout"} ${tally.failuresByKind.timeout ?? 0}`);
    expect(metrics).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('opens the breaker on a producer that is not there, holds polls back, and says so once', async () => {
    const port = await closedPort();
    const { consumer, logger, registry, base } = await start({
      PRODUCER_URL: `http://127.0.0.2:${port}/number`,
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_RESET_MS: '1000',
      RETRY_MAX_ATTEMPTS: '1',
    });
    consumer.start();
    await waitFor('polls held back', () => consumer.history.polls.heldBack >= 2);

    const refused = `connection refused by 127.0.0.2:${port} (producer not up yet?)`;
    // The probe is due 5 intervals after the start of the poll that opened the breaker: 1000 ms, less a refusal's few ms.
    expect(logger.messages('warn')).toEqual([
      `Poll failed: ${refused}`,
      expect.stringMatching(
        /^Circuit breaker open after 2 failed polls \(connection refused by .*\): no requests until the probe in (0\.\d|1\.0) s$/,
      ),
    ]);
    const nextProbeInMs = Number(logger.at('warn')[1]?.fields['nextProbeInMs']);
    expect(nextProbeInMs).toBeGreaterThan(800);
    expect(nextProbeInMs).toBeLessThanOrEqual(1000);
    const stats = (await getJson(`${base}/stats`)).body as PollStatsSnapshot;
    expect(stats).toMatchObject({
      polls: 2,
      failures: 2,
      failuresByKind: { refused: 2 },
      breaker: { state: 'open', opens: 1 },
    });
    expect(stats.breakerRejections).toBeGreaterThanOrEqual(2);
    const metrics = await registry.metrics();
    expect(metrics).toContain('fogpair_consumer_breaker_state{state="open"} 1');
    expect(metrics).toContain('fogpair_consumer_polls_total{outcome="refused"} 2');
    // Held-back polls are counted, but took no time: only the two sent polls are in the latency histogram.
    expect(metrics).toContain('fogpair_consumer_poll_duration_seconds_count 2');
    const snapshot = await firstEvent(`${base}/events`);
    expect(snapshot.breaker).toEqual({ state: 'open' });
    expect(snapshot.errors).toHaveLength(2);
  });

  it('probes once the reset period is over, closes the breaker on an answer, and says the producer is back', async () => {
    let healthy = false;
    const producer = await startProducer((request, response) => {
      if (healthy) number(8)(request, response);
      else response.writeHead(503).end();
    });
    const { consumer, logger, registry } = await start(
      {
        PRODUCER_URL: producer.url,
        BREAKER_FAILURE_THRESHOLD: '2',
        BREAKER_RESET_MS: '1000',
        RETRY_MAX_ATTEMPTS: '1',
      },
      { producer: producer.server },
    );
    consumer.start();
    await waitFor('the breaker to open', () => consumer.history.breaker === 'open');
    const requestsWhenOpened = producer.requests();
    healthy = true;
    await waitFor('the recovery', () => consumer.history.polls.ok >= 1);
    // The probe, and nothing else, went out 5 intervals after the poll that opened the breaker: the 4
    // ticks in between were held back (or skipped, on a machine too busy to keep time).
    expect(producer.requests()).toBe(requestsWhenOpened + 1);
    const { breakerRejections, skippedTicks } = consumer.history.stats();
    expect(breakerRejections + skippedTicks).toBe(4);
    expect(logger.messages('info')).toEqual([
      expect.stringMatching(new RegExp(`^Producer is back after [12] s \\(${2 + breakerRejections} polls missed\\)$`)),
      'Received number: 8',
    ]);
    expect(consumer.history.stats()).toMatchObject({ breaker: { state: 'closed', opens: 1 } });
    expect(await registry.metrics()).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('answers /healthz with 503 once no tick has come for the liveness period', async () => {
    let now = 0;
    // Timers that never fire on their own: only tick 0 runs, then time passes without a tick.
    const timers: Timers = { now: () => now, setTimeout: () => undefined, clearTimeout: () => {} };
    const producer = await startProducer(number(5));
    const { consumer, base } = await start(
      { PRODUCER_URL: producer.url, POLL_INTERVAL_MS: '1000', REQUEST_TIMEOUT_MS: '500' },
      { timers, producer: producer.server },
    );
    consumer.start();
    now = 2 * 1000 + 500 - 1;
    expect((await getJson(`${base}/healthz`)).status).toBe(200);
    now = 2 * 1000 + 500;
    expect(await getJson(`${base}/healthz`)).toEqual({ status: 503, body: { status: 'poll loop stalled' } });
  });

  it('answers in compact JSON, and names the dashboard, /stats, /metrics and /healthz in a 404', async () => {
    const { consumer, base } = await start({});
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('{"status":"ok"}');
    expect(await (await fetch(`${base}/stats`)).text()).toBe(JSON.stringify(consumer.history.stats()));
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(
      JSON.stringify({
        error: {
          status: 404,
          code: 'not_found',
          message: 'No such path: /nope. Try GET / (dashboard), GET /stats, GET /metrics or GET /healthz',
        },
      }),
    );
  });

  it('counts the ticks the process slept through as skipped, on /stats and /metrics', async () => {
    let now = 0;
    let pending: (() => void) | undefined;
    const timers: Timers = {
      now: () => now,
      setTimeout: (callback) => (pending = callback),
      clearTimeout: () => (pending = undefined),
    };
    const producer = await startProducer(number(5));
    const { consumer, registry } = await start(
      { PRODUCER_URL: producer.url, POLL_INTERVAL_MS: '1000', REQUEST_TIMEOUT_MS: '500' },
      { timers, producer: producer.server },
    );
    consumer.start();
    await waitFor('the first number', () => consumer.history.polls.ok === 1);
    now = 3500; // frozen through ticks 1 and 2
    pending?.();
    await waitFor('the poll of tick 3', () => consumer.history.polls.ok === 2);
    expect(consumer.history.stats().skippedTicks).toBe(2);
    expect(await registry.metrics()).toContain('fogpair_consumer_polls_total{outcome="skipped"} 2');
  });

  it('on stop, drops the poll in flight without counting or logging it, and closes the status server', async () => {
    const producer = await startProducer(() => {}); // never answers
    const { consumer, logger } = await start(
      { PRODUCER_URL: producer.url, POLL_INTERVAL_MS: '1000', REQUEST_TIMEOUT_MS: '900' },
      { producer: producer.server },
    );
    consumer.start();
    await waitFor('the request', () => producer.requests() === 1);
    const stopping = consumer.stop();
    await stopping;
    expect(consumer.server.listening).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(consumer.history.polls).toMatchObject({ sent: 0, ok: 0, failed: 0 });
    expect(logger.entries).toEqual([]);
    producer.server.closeAllConnections();
  });

  it('names a producer that sends no x-served-by header by its address', async () => {
    const producer = await startProducer((_request, response) => response.end('{"number":9}'));
    const { consumer } = await start({ PRODUCER_URL: producer.url }, { producer: producer.server });
    consumer.start();
    await waitFor('a number', () => consumer.history.polls.ok >= 1);
    const { port } = producer.server.address() as AddressInfo;
    expect(consumer.history.latest?.instance).toBe(`127.0.0.1:${port}`);
  });
});
