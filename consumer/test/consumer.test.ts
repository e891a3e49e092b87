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

/**
 * Timers on a clock that only the test moves: the schedule's next tick, and every time the breaker and
 * the log lines measure, happen when the test calls `nextTick()`, however busy the machine is.
 */
function manualTimers() {
  let now = 0;
  let pending: { at: number; callback: () => void } | undefined;
  const timers: Timers = {
    now: () => now,
    setTimeout: (callback, ms) => (pending = { at: now + ms, callback }),
    clearTimeout: () => (pending = undefined),
  };
  return {
    timers,
    /** Moves the clock to the next tick and fires it. */
    nextTick() {
      const due = pending;
      if (!due) throw new Error('no tick is scheduled');
      pending = undefined;
      now = Math.max(now, due.at);
      due.callback();
    },
    /** The wall clock, for the times /stats and the log lines show. */
    wallClock: () => Date.UTC(2026, 11, 1) + now,
  };
}

async function start(
  env: Record<string, string>,
  options: { producer?: Server; logger?: CaptureLogger; timers?: Timers } = {},
) {
  const logger = options.logger ?? new CaptureLogger('info');
  const registry = new Registry();
  const clock = manualTimers();
  const timers = options.timers ?? clock.timers;
  // Generous request timeouts: a loaded machine must not turn a refusal or an answer into a timeout.
  const config = parseConsumerConfig({ POLL_INTERVAL_MS: '1000', REQUEST_TIMEOUT_MS: '900', ...env });
  const consumer = createConsumer({ config, logger, registry, timers, now: clock.wallClock });
  running.push({ consumer, ...(options.producer ? { producer: options.producer } : {}) });
  const { port } = await listen(consumer.server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  /** Fires the next tick and waits until its poll is recorded. */
  const poll = async () => {
    const before = pollsRecorded(consumer);
    clock.nextTick();
    await waitFor('the poll to be recorded', () => pollsRecorded(consumer) > before);
  };
  return { consumer, logger, registry, base, poll, nextTick: () => clock.nextTick() };
}

/** Every poll recorded, sent or held back. */
function pollsRecorded(consumer: Consumer): number {
  const { sent, heldBack } = consumer.history.polls;
  return sent + heldBack;
}

/** Starts polling (tick 0 goes out at once) and waits until the first poll is recorded. */
async function startPolling(consumer: Consumer): Promise<void> {
  consumer.start();
  await waitFor('the first poll', () => pollsRecorded(consumer) === 1);
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

/** A page on /events: every snapshot it is sent, the first when it connects and one after each sent poll. */
function subscribe(url: string): { snapshots: DashboardSnapshot[]; close: () => void } {
  const snapshots: DashboardSnapshot[] = [];
  let raw = '';
  const page = request(url, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      raw += chunk;
      for (let end = raw.indexOf('\n\n'); end >= 0; end = raw.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(raw.slice(0, end))?.[1];
        raw = raw.slice(end + 2);
        if (data !== undefined) snapshots.push(JSON.parse(data) as DashboardSnapshot);
      }
    });
  });
  page.on('error', () => {});
  page.end();
  return { snapshots, close: () => page.destroy() };
}

/** The first event of /events: the snapshot a page gets when it connects. */
async function firstEvent(url: string): Promise<DashboardSnapshot> {
  const page = subscribe(url);
  await waitFor('the first event', () => page.snapshots.length > 0);
  page.close();
  return page.snapshots[0] as DashboardSnapshot;
}

describe('createConsumer', () => {
  it('polls the producer, logs each number, and serves the same tally on /stats, /metrics and the dashboard', async () => {
    const producer = await startProducer(number(73));
    const { consumer, logger, registry, base, poll } = await start(
      { PRODUCER_URL: producer.url },
      { producer: producer.server },
    );
    await startPolling(consumer);
    consumer.start(); // a second start changes nothing
    await poll();
    await poll();

    const received = logger.entries.filter((entry) => entry.message === 'Received number: 73');
    expect(received).toHaveLength(3);
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
    expect(snapshot.polls.ok).toBe(3);
    expect(snapshot.source).toEqual({ producerUrl: producer.url, pollIntervalMs: 1000 });

    // Stopped, nothing changes any more: /metrics and /stats read the same record.
    await consumer.stop();
    const tally = consumer.history.stats();
    const metrics = await registry.metrics();
    expect(metrics).toContain(`fogpair_consumer_polls_total{outcome="ok"} ${tally.successes}`);
    expect(metrics).toContain(`fogpair_consumer_answers_total{instance="replica-1"} ${tally.successes}`);
    expect(tally.successes).toBe(3);
    expect(metrics).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('opens the breaker on a producer that is not there, holds polls back, and says so once', async () => {
    const port = await closedPort();
    const { consumer, logger, registry, base, poll } = await start({
      PRODUCER_URL: `http://127.0.0.2:${port}/number`,
      BREAKER_FAILURE_THRESHOLD: '2',
      RETRY_MAX_ATTEMPTS: '1',
    });
    await startPolling(consumer);
    await poll(); // the second failure opens the breaker
    await poll();
    await poll();

    const refused = `connection refused by 127.0.0.2:${port} (producer not up yet?)`;
    // The probe is due 5 intervals after the start of the poll that opened the breaker.
    expect(logger.at('warn')).toEqual([
      { level: 'warn', message: `Poll failed: ${refused}`, fields: { kind: 'refused' } },
      {
        level: 'warn',
        message: `Circuit breaker open after 2 failed polls (${refused}): no requests until the probe in 5.0 s`,
        fields: { kind: 'refused', failedPolls: 2, nextProbeInMs: 5000 },
      },
    ]);
    const stats = (await getJson(`${base}/stats`)).body as PollStatsSnapshot;
    expect(stats).toMatchObject({
      polls: 2,
      failures: 2,
      failuresByKind: { refused: 2 },
      breakerRejections: 2,
      breaker: { state: 'open', opens: 1 },
    });
    const metrics = await registry.metrics();
    expect(metrics).toContain('fogpair_consumer_breaker_state{state="open"} 1');
    expect(metrics).toContain('fogpair_consumer_polls_total{outcome="refused"} 2');
    // Held-back polls are counted, but took no time: only the two sent polls are in the latency histogram.
    expect(metrics).toContain('fogpair_consumer_poll_duration_seconds_count 2');
    const snapshot = await firstEvent(`${base}/events`);
    expect(snapshot.breaker).toEqual({ state: 'open' });
    expect(snapshot.errors).toHaveLength(2);
  });

  it('never shows the breaker open without the failure that opened it, on the dashboard or /stats', async () => {
    const port = await closedPort();
    const { consumer, base, poll } = await start({
      PRODUCER_URL: `http://127.0.0.2:${port}/number`,
      BREAKER_FAILURE_THRESHOLD: '3',
      BREAKER_RESET_MS: '2000',
      RETRY_MAX_ATTEMPTS: '1',
    });
    const page = subscribe(`${base}/events`);
    await waitFor('the first snapshot', () => page.snapshots.length === 1);
    const stats: PollStatsSnapshot[] = [];
    const look = async () => stats.push((await getJson(`${base}/stats`)).body as PollStatsSnapshot);
    await startPolling(consumer);
    await look();
    // Opens at the third failure, probes two ticks later (and fails), probes again two ticks after that.
    for (let tick = 1; tick <= 6; tick++) {
      await poll();
      await look();
    }
    await waitFor('the page to see every sent poll', () => page.snapshots.at(-1)?.polls.failed === 5);
    page.close();

    // Every view that shows the breaker open shows the three failures that opened it.
    const pageViews = page.snapshots.map(({ breaker, polls, errors }) => [breaker.state, polls.failed, errors.length]);
    expect(pageViews).toEqual([
      ['closed', 0, 0],
      ['closed', 1, 1],
      ['closed', 2, 2],
      ['open', 3, 3],
      ['open', 4, 4], // the first probe failed
      ['open', 5, 5], // and the second
    ]);
    expect(stats.map(({ breaker, failures }) => [breaker.state, failures])).toEqual([
      ['closed', 1],
      ['closed', 2],
      ['open', 3],
      ['open', 3], // held back
      ['open', 4],
      ['open', 4],
      ['open', 5],
    ]);
    expect(consumer.history.stats().breaker).toEqual({ state: 'open', opens: 3 });
  });

  it('probes once the reset period is over, closes the breaker on an answer, and says the producer is back', async () => {
    let healthy = false;
    const producer = await startProducer((request, response) => {
      if (healthy) number(8)(request, response);
      else response.writeHead(503).end();
    });
    const { consumer, logger, registry, poll } = await start(
      { PRODUCER_URL: producer.url, BREAKER_FAILURE_THRESHOLD: '2', RETRY_MAX_ATTEMPTS: '1' },
      { producer: producer.server },
    );
    await startPolling(consumer);
    await poll();
    expect(consumer.history.breaker).toBe('open');
    const requestsWhenOpened = producer.requests();
    healthy = true;
    for (let tick = 2; tick <= 5; tick++) await poll();
    expect(consumer.history.polls).toMatchObject({ ok: 0, heldBack: 4 });
    await poll();
    // The probe, and nothing else, went out 5 intervals after the poll that opened the breaker.
    expect(producer.requests()).toBe(requestsWhenOpened + 1);
    expect(logger.messages('info')).toEqual(['Producer is back after 6 s (6 polls missed)', 'Received number: 8']);
    expect(consumer.history.stats()).toMatchObject({ breaker: { state: 'closed', opens: 1 } });
    expect(await registry.metrics()).toContain('fogpair_consumer_breaker_state{state="closed"} 1');
  });

  it('logs a poll that fails unexpectedly once, at error level, and polls on', async () => {
    const producer = await startProducer(number(5));
    const fault = new Error('a bug in the reporting');
    let faults = 0;
    const logger = new CaptureLogger('info');
    const info = logger.info.bind(logger);
    logger.info = (message, fields) => {
      if (message.startsWith('Received number') && faults++ === 0) throw fault;
      info(message, fields);
    };
    const { consumer, nextTick } = await start({ PRODUCER_URL: producer.url }, { producer: producer.server, logger });
    consumer.start();
    await waitFor('the error line', () => logger.at('error').length === 1);
    nextTick();
    await waitFor('the next poll', () => consumer.history.polls.ok === 2);
    nextTick();
    await waitFor('the poll after it', () => consumer.history.polls.ok === 3);
    expect(logger.at('error')).toEqual([
      { level: 'error', message: 'Poll failed unexpectedly; polling goes on', fields: { tick: 0, error: fault } },
    ]);
    expect(logger.messages('info')).toEqual(['Received number: 5', 'Received number: 5']);
  });

  it('cuts a long instance name once, where it is read: the log line, /stats and the dashboard show the same name', async () => {
    let served = 0;
    const producer = await startProducer((request, response) =>
      number(7, `${served++}-${'x'.repeat(8 * 1024)}`)(request, response),
    );
    const { consumer, logger, base, poll } = await start({ PRODUCER_URL: producer.url }, { producer: producer.server });
    await startPolling(consumer);
    await poll();
    const cut = `1-${'x'.repeat(61)}…`;
    expect(logger.at('info')[1]?.fields['producer']).toBe(cut);
    const stats = (await getJson(`${base}/stats`)).body as PollStatsSnapshot;
    expect(Object.keys(stats.answersByInstance)).toEqual([`0-${'x'.repeat(61)}…`, cut]);
    expect((await firstEvent(`${base}/events`)).latest?.instance).toBe(cut);
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
