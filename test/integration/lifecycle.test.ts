import { Agent, createServer, request } from 'node:http';
import { EXIT_CONFIG, closeServer, listen } from '@fogpair/shared';
import { ProcessPool, freePort } from '../support/service-process';

const pool = new ProcessPool();
afterEach(() => pool.stopAll());

/**
 * A stop that does not finish within SHUTDOWN_TIMEOUT_MS exits 1, so exit code 0 is the proof that a
 * service stopped in time. Here the timeout is long enough for any machine, however busy, and whatever a
 * test shows the service does not wait for (an idle keep-alive client, a request to a hanging producer)
 * would last longer: waiting for it would end in exit code 1, not in a slow 0.
 */
const STOP_WITHIN = { SHUTDOWN_TIMEOUT_MS: '20000' };
const LONGER_THAN_THE_TIMEOUT_MS = 30_000;

function stoppedCleanly(service: { logs(): { message: string }[] }, signal: NodeJS.Signals): void {
  const messages = service.logs().map((line) => line.message);
  const received = messages.findIndex((message) => message.startsWith(`Received ${signal}, shutting down`));
  expect(received).toBeGreaterThanOrEqual(0);
  expect(messages.slice(received + 1)).toEqual(['Stopped']);
}

async function startPair() {
  const port = await freePort();
  const statusPort = await freePort();
  const producer = pool.start('producer', {
    PORT: String(port),
    HOST: '127.0.0.1',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(LONGER_THAN_THE_TIMEOUT_MS),
    ...STOP_WITHIN,
  });
  await producer.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
  const consumer = pool.start('consumer', {
    PRODUCER_URL: `http://127.0.0.1:${port}/number`,
    STATUS_PORT: String(statusPort),
    STATUS_HOST: '127.0.0.1',
    ...STOP_WITHIN,
  });
  await consumer.waitFor('a number', () => consumer.received().length >= 1);
  return { producer, consumer, port, statusPort };
}

describe.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])('%s', (signal) => {
  it('ends both services with exit code 0, in time', async () => {
    const { producer, consumer } = await startPair();

    const consumerExit = await consumer.stop(signal);
    const producerExit = await producer.stop(signal);

    expect(consumerExit).toMatchObject({ code: 0, signal: null });
    expect(producerExit).toMatchObject({ code: 0, signal: null });
    stoppedCleanly(consumer, signal);
    stoppedCleanly(producer, signal);
  });
});

describe('the grace period after SIGTERM', () => {
  const GRACE_MS = 1000;

  function get(port: number, path: string) {
    return new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, agent: new Agent({ keepAlive: true }) }, (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
        );
      })
        .on('error', reject)
        .end();
    });
  }

  it('keeps the producer serving, not ready and with Connection: close, then exits 0', async () => {
    const port = await freePort();
    const producer = pool.start('producer', {
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      ...STOP_WITHIN,
    });
    await producer.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
    expect(await get(port, '/readyz')).toEqual({ status: 200, connection: 'keep-alive' });

    const stopped = producer.stop('SIGTERM');
    await producer.waitForLog('the shutdown line', (line) => line.message.startsWith('Received SIGTERM'));
    expect(await get(port, '/readyz')).toEqual({ status: 503, connection: 'close' });
    expect(await get(port, '/number')).toEqual({ status: 200, connection: 'close' });

    const exit = await stopped;
    expect(exit.code).toBe(0);
    // Measured from the signal here, and from its arrival there: a busy machine can only make it longer.
    expect(exit.ms).toBeGreaterThanOrEqual(GRACE_MS);
    expect(producer.logs().map((line) => line.message)).toContain(
      `Received SIGTERM, shutting down after a grace period of ${GRACE_MS} ms`,
    );
    stoppedCleanly(producer, 'SIGTERM');
  });

  it('is skipped on SIGINT, so that Ctrl-C in a terminal stops at once', async () => {
    const port = await freePort();
    const producer = pool.start('producer', {
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: String(LONGER_THAN_THE_TIMEOUT_MS),
      ...STOP_WITHIN,
    });
    await producer.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
    const exit = await producer.stop('SIGINT');
    expect(exit.code).toBe(0);
    expect(producer.logs().map((line) => line.message)).toContain('Received SIGINT, shutting down');
    stoppedCleanly(producer, 'SIGINT');
  });
});

it('does not let an idle keep-alive client hold the producer open', async () => {
  const { producer, port } = await startPair();
  const agent = new Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/number', agent }, (response) => {
      response.resume();
      response.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
  expect(agent.freeSockets).not.toEqual({});

  // The client keeps its idle socket for longer than the producer may take to stop.
  const exit = await producer.stop('SIGTERM');
  agent.destroy();
  expect(exit.code).toBe(0);
  stoppedCleanly(producer, 'SIGTERM');
});

it('a consumer stopped while its producer hangs aborts the request and exits 0', async () => {
  let requests = 0;
  const hanging = createServer(() => requests++); // reads the request, never answers
  const { port } = await listen(hanging, 0, '127.0.0.1');
  try {
    const consumer = pool.start('consumer', {
      PRODUCER_URL: `http://127.0.0.1:${port}/number`,
      // The request would wait longer than the consumer may take to stop.
      POLL_INTERVAL_MS: String(2 * LONGER_THAN_THE_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(LONGER_THAN_THE_TIMEOUT_MS),
      STATUS_PORT: '0',
      STATUS_HOST: '127.0.0.1',
      ...STOP_WITHIN,
    });
    // Tick 0 polls at once, while the consumer starts.
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(consumer.running).toBe(true);
    const exit = await consumer.stop('SIGTERM');
    expect(exit.code).toBe(0);
    stoppedCleanly(consumer, 'SIGTERM');
    expect(consumer.logs().filter((line) => line.message.startsWith('Poll failed'))).toEqual([]);
  } finally {
    hanging.closeAllConnections();
    await closeServer(hanging);
  }
});

describe('invalid configuration', () => {
  it.each([
    [
      'producer',
      { PORT: 'abc' },
      'Invalid configuration: PORT must be a TCP port number between 0 and 65535 (0 picks a free port) (got "abc")',
    ],
    [
      'producer',
      { LOG_LEVEL: 'verbose' },
      'Invalid configuration: LOG_LEVEL must be one of error, warn, info, debug (got "verbose")',
    ],
    [
      'consumer',
      { POLL_INTERVAL_MS: '3s' },
      'Invalid configuration: POLL_INTERVAL_MS must be a whole number of milliseconds >= 100 (got "3s")',
    ],
    [
      'consumer',
      { PRODUCER_URL: 'producer:5000' },
      'Invalid configuration: PRODUCER_URL must be an http:// or https:// URL',
    ],
    [
      'consumer',
      { REQUEST_TIMEOUT_MS: '5000' },
      'Invalid configuration: REQUEST_TIMEOUT_MS must be below POLL_INTERVAL_MS (3000)',
    ],
  ] as const)('%s with %j exits 78 naming the variable', async (service, env, expected) => {
    const started = pool.start(service, { STATUS_PORT: '0', ...env });
    const exit = await started.exited;
    expect(exit.code).toBe(EXIT_CONFIG);
    expect(started.stderr.join('\n')).toContain(expected);
    expect(started.stderr.join('\n')).not.toMatch(/^\s+at /m);
    expect(started.stdout).toEqual([]);
  });

  it('reports every problem at once', async () => {
    const started = pool.start('consumer', { POLL_INTERVAL_MS: '-1', STATUS_PORT: '99999', LOG_FORMAT: 'xml' });
    expect((await started.exited).code).toBe(EXIT_CONFIG);
    const lines = started.stderr.filter((line) => line.startsWith('Invalid configuration: '));
    expect(lines.map((line) => line.split(' ')[2])).toEqual(['POLL_INTERVAL_MS', 'STATUS_PORT', 'LOG_FORMAT']);
  });
});

it('a port already in use stops the producer with a clear line and exit code 1', async () => {
  const { port } = await startPair();
  const second = pool.start('producer', { PORT: String(port), HOST: '127.0.0.1' });
  expect((await second.exited).code).toBe(1);
  expect(second.logs().some((line) => line.level === 'error' && line.message.includes('EADDRINUSE'))).toBe(true);
});

it('logs one readable line per event by default', async () => {
  const port = await freePort();
  const producer = pool.start('producer', { PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'pretty' });
  await producer.waitFor('the listening line', () => producer.stdout.some((line) => line.includes('listening')));
  expect(producer.stdout[0]).toMatch(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info {2}producer: Producer listening on http:\/\/127\.0\.0\.1:\d+\/number port=\d+/,
  );
});
