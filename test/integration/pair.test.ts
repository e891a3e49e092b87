import { hostname } from 'node:os';
import { ProducerAnswerSchema, SERVED_BY_HEADER } from '@fogpair/shared';
import { ProcessPool, freePort } from '../support/service-process';
import type { Entry, ServiceProcess } from '../support/service-process';

const FAST = { POLL_INTERVAL_MS: '200', REQUEST_TIMEOUT_MS: '150' };
const pool = new ProcessPool();
afterEach(() => pool.stopAll());

async function startProducer(port: number, entry?: Entry): Promise<ServiceProcess> {
  const producer = pool.start('producer', { PORT: String(port), HOST: '127.0.0.1' }, entry);
  await producer.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
  return producer;
}

async function startConsumer(producerPort: number, entry?: Entry, env: Record<string, string> = {}) {
  const statusPort = await freePort();
  const consumer = pool.start(
    'consumer',
    {
      PRODUCER_URL: `http://127.0.0.1:${producerPort}/number`,
      STATUS_PORT: String(statusPort),
      STATUS_HOST: '127.0.0.1',
      ...FAST,
      ...env,
    },
    entry,
  );
  await consumer.waitForLog('the status server', (line) => line.message.startsWith('Status on'));
  return { consumer, statusPort };
}

describe.each<Entry>(['main', 'bundle'])('the pair over loopback (%s entry)', (entry) => {
  it('serves numbers that the consumer validates, logs and counts', async () => {
    const port = await freePort();
    await startProducer(port, entry);
    const { consumer, statusPort } = await startConsumer(port, entry);

    const response = await fetch(`http://127.0.0.1:${port}/number`);
    expect(response.status).toBe(200);
    expect(response.headers.get(SERVED_BY_HEADER)).toBe(hostname());
    expect(ProducerAnswerSchema.safeParse(await response.json()).success).toBe(true);

    await consumer.waitFor('three received numbers', () => consumer.received().length >= 3);
    for (const line of consumer.received()) {
      expect(line.level).toBe('info');
      expect(line.message).toBe(`Received number: ${String(line.number)}`);
      expect(ProducerAnswerSchema.safeParse({ number: line.number }).success).toBe(true);
      expect(line.producer).toBe(hostname());
      expect(typeof line.ms).toBe('number');
    }

    const stats = (await (await fetch(`http://127.0.0.1:${statusPort}/stats`)).json()) as {
      successes: number;
      answersByInstance: Record<string, number>;
    };
    expect(stats.successes).toBeGreaterThanOrEqual(3);
    expect(stats.answersByInstance[hostname()]).toBe(stats.successes);
    expect((await fetch(`http://127.0.0.1:${statusPort}/healthz`)).status).toBe(200);
  });
});

describe('the consumer rides out a missing producer', () => {
  it('reports a producer that is not up yet once, and picks up numbers when it starts', async () => {
    const port = await freePort();
    // Every failed poll at debug too; a timeout long enough that a refusal on a busy machine stays one.
    const { consumer } = await startConsumer(port, 'main', {
      LOG_LEVEL: 'debug',
      POLL_INTERVAL_MS: '500',
      REQUEST_TIMEOUT_MS: '450',
    });
    const refused = (level: string) =>
      consumer
        .logs()
        .filter((line) => line.level === level && line.message.startsWith('Poll failed: connection refused'));
    // Several polls fail while the producer is away, but the log says it once.
    await consumer.waitFor('three refused polls', () => refused('debug').length >= 3);
    expect(refused('warn')).toHaveLength(1);

    await startProducer(port);
    await consumer.waitForLog('the recovery line', (line) => line.message.startsWith('Producer is back after'));
    await consumer.waitFor('a number after recovery', () => consumer.received().length >= 1);
    expect(consumer.stderr.join('')).toBe('');
  });

  it('survives the producer being killed and restarted on the same port', async () => {
    const port = await freePort();
    const producer = await startProducer(port);
    const { consumer } = await startConsumer(port);
    await consumer.waitFor('a first number', () => consumer.received().length >= 1);

    await producer.stop('SIGKILL');
    await consumer.waitForLog('the outage', (line) => line.level === 'warn' && line.message.startsWith('Poll failed'));
    const receivedBeforeRestart = consumer.received().length;

    await startProducer(port);
    await consumer.waitFor('numbers again', () => consumer.received().length > receivedBeforeRestart);
    expect(consumer.logs().some((line) => line.message.startsWith('Producer is back after'))).toBe(true);
    expect(consumer.running).toBe(true);
  });
});
