// The situations the docs show, played with the built services as real processes on loopback. Each
// resolves with every line the programs printed; the samples are then held to those lines.
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOSTILE_ANSWERS, startHostileProducer } from '../support/hostile-producer';
import { FAST_POLLING, startConsumer, startPair } from '../support/pair';
import { freePort } from '../support/service-process';
import type { ProcessPool, ServiceProcess } from '../support/service-process';

/** As the samples were made: the images' NODE_ENV, and readable logs (the default format). */
export const AS_DOCUMENTED = { NODE_ENV: 'production', LOG_FORMAT: 'pretty' } as const;

/** Every situation runs at once, on a machine that may be busy: each step may take this long. */
const PATIENT = { timeoutMs: 30_000 };

const printed = (...processes: ServiceProcess[]) => processes.flatMap((p) => [...p.stdout, ...p.stderr]);
const received = /Received number: /;

/** The documented ports of `npm start` (5000, 8080) → the ports the pair really has. */
export type Ports = Readonly<Record<string, number>>;

/** A pair, a few polls, `whileUp` (the transcripts' HTTP requests), then Ctrl-C (SIGINT) to both. */
export async function pair(pool: ProcessPool, whileUp: (ports: Ports) => Promise<void>): Promise<string[]> {
  const { producer, port, consumer, statusPort } = await startPair(pool, {
    env: AS_DOCUMENTED,
    consumerEnv: { POLL_INTERVAL_MS: '300' },
  });
  await consumer.waitForPrinted(received, { count: 3, ...PATIENT });
  await whileUp({ 5000: port, 8080: statusPort });
  await consumer.stop('SIGINT');
  await producer.stop('SIGINT');
  return printed(producer, consumer);
}

export async function jsonLogs(pool: ProcessPool): Promise<string[]> {
  const { producer, consumer } = await startPair(pool, {
    env: { ...AS_DOCUMENTED, LOG_FORMAT: 'json' },
    consumerEnv: { POLL_INTERVAL_MS: '300' },
  });
  await consumer.waitForPrinted(received, { count: 2, ...PATIENT });
  await consumer.stop();
  await producer.stop();
  return printed(producer, consumer);
}

/** `docker compose pause producer`, on loopback: SIGSTOP until the breaker opens, then SIGCONT. */
export async function outage(pool: ProcessPool): Promise<string[]> {
  const { producer, consumer } = await startPair(pool, { env: AS_DOCUMENTED, consumerEnv: FAST_POLLING });
  const from = await consumer.waitForPrinted(received, PATIENT);
  producer.signal('SIGSTOP');
  const opened = await consumer.waitForPrinted(/Circuit breaker open/, { from, ...PATIENT });
  await sleep(300);
  producer.signal('SIGCONT');
  const back = await consumer.waitForPrinted(/Producer is back/, { from: opened, ...PATIENT });
  await consumer.waitForPrinted(received, { from: back, ...PATIENT });
  await consumer.stop();
  await producer.stop();
  return printed(consumer);
}

/** Nothing listens: refusals at debug level (the retries, and the double line of a failed poll). */
export async function refused(pool: ProcessPool): Promise<string[]> {
  const { consumer } = await startConsumer(pool, `http://127.0.0.1:${String(await freePort())}/number`, {
    ...AS_DOCUMENTED,
    POLL_INTERVAL_MS: '1000',
    LOG_LEVEL: 'debug',
  });
  await consumer.waitForPrinted(/debug consumer: Poll failed/, { count: 2, ...PATIENT });
  await consumer.stop();
  return printed(consumer);
}

/** The consumer's default URL (`producer`, a Docker name) and a misspelt one, outside Docker. */
export async function unresolvable(pool: ProcessPool): Promise<string[]> {
  const runs = [{}, { PRODUCER_URL: 'http://producr:5000/number' }].map(async (env) => {
    const consumer = pool.start('consumer', {
      ...AS_DOCUMENTED,
      STATUS_PORT: '0',
      STATUS_HOST: '127.0.0.1',
      RETRY_MAX_ATTEMPTS: '1',
      ...env,
    });
    await consumer.waitForPrinted(/Poll failed/, PATIENT);
    await consumer.stop();
    return printed(consumer);
  });
  return (await Promise.all(runs)).flat();
}

/**
 * The fault drills' hostile producer: each wrong answer until the consumer has said what it is (so
 * that a poll lost to a slow start on a busy machine does not shift the rest).
 */
export async function hostile(pool: ProcessPool): Promise<string[]> {
  const producer = await startHostileProducer();
  try {
    const { consumer } = await startConsumer(pool, producer.url, {
      ...AS_DOCUMENTED,
      POLL_INTERVAL_MS: '500',
      REQUEST_TIMEOUT_MS: '300',
      RETRY_MAX_ATTEMPTS: '1',
      BREAKER_FAILURE_THRESHOLD: '1000',
    });
    let from = await consumer.waitForPrinted(received, PATIENT);
    for (const { respond, says } of HOSTILE_ANSWERS) {
      producer.answerWith(respond);
      from = await consumer.waitForPrinted(says, { from, ...PATIENT });
    }
    await consumer.stop();
    return printed(consumer);
  } finally {
    await producer.close();
  }
}

/** True where this machine lets a process have a network namespace of its own. */
export const canUnshareNetwork = () => spawnSync('unshare', ['-rn', 'true']).status === 0;

/**
 * `npm start`, then Ctrl-C (SIGINT to its process group), in a network namespace of its own so that
 * ports 5000 and 8080 are its own. Resolves with what it printed and how it exited.
 */
export async function npmStart(pool: ProcessPool): Promise<{ lines: string[]; code: number | null }> {
  const npm = pool.spawn({
    name: 'npm start',
    command: 'unshare',
    args: ['-rn', 'sh', '-c', 'ip link set lo up && exec npm start'],
    env: { NODE_ENV: AS_DOCUMENTED.NODE_ENV },
    inheritEnv: true,
    detached: true,
  });
  await npm.waitForPrinted(received, { timeoutMs: 120_000 });
  const { code } = await npm.stop('SIGINT');
  return { lines: printed(npm), code };
}
