// Starting the producer and the consumer as real processes on loopback, in any log format: what
// the integration tests, the fault drills and the docs check share.
import type { ProcessPool, ServiceProcess } from './service-process';

/** Polls fast enough that the breaker opens within a second: 3 failed polls of 200 ms, 100 ms each. */
export const FAST_POLLING = {
  POLL_INTERVAL_MS: '200',
  REQUEST_TIMEOUT_MS: '100',
  BREAKER_FAILURE_THRESHOLD: '3',
} as const;

/** A node process can take seconds to start on a busy 2-core machine, and more when many start at once. */
const START_TIMEOUT_MS = 30_000;

/** A producer on loopback (a free port unless `env` names one), once it has logged its port. */
export async function startProducer(
  pool: ProcessPool,
  env: Record<string, string> = {},
): Promise<{ producer: ServiceProcess; port: number }> {
  const producer = pool.start('producer', { PORT: '0', HOST: '127.0.0.1', ...env });
  return { producer, port: await producer.loggedPort(START_TIMEOUT_MS) };
}

/** A consumer polling `producerUrl`, its status server on a free loopback port, once it has logged it. */
export async function startConsumer(
  pool: ProcessPool,
  producerUrl: string,
  env: Record<string, string> = {},
): Promise<{ consumer: ServiceProcess; statusPort: number }> {
  const consumer = pool.start('consumer', {
    PRODUCER_URL: producerUrl,
    STATUS_PORT: '0',
    STATUS_HOST: '127.0.0.1',
    ...env,
  });
  return { consumer, statusPort: await consumer.loggedPort(START_TIMEOUT_MS) };
}

/** Both, the consumer polling the producer; `env` goes to both, `consumerEnv` to the consumer only. */
export async function startPair(
  pool: ProcessPool,
  { env = {}, consumerEnv = {} }: { env?: Record<string, string>; consumerEnv?: Record<string, string> } = {},
) {
  const { producer, port } = await startProducer(pool, env);
  const { consumer, statusPort } = await startConsumer(pool, `http://127.0.0.1:${String(port)}/number`, {
    ...env,
    ...consumerEnv,
  });
  return { producer, port, consumer, statusPort };
}
