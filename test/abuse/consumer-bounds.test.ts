// Issue 9, items 3 and 5, fixed in the consumer (consumer/src/poll-history.ts, dashboard/event-stream.ts).
// Before: a producer answering with a new 8 KB X-Served-By on every poll (100 ms polls, 60 s) grew
// /stats to 619 instances and 5 MB and the consumer's RSS from 74 to 116 MB; 64 dashboard clients
// that stopped reading, from one host, held every live-feed slot and every new dashboard got 503.
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { listen } from '@fogpair/shared';
import { MiB, processMemory } from '../support/process-memory';
import { ProcessPool, report, startConsumer, startProducer } from './support';

const pool = new ProcessPool();
let hostile: Server | undefined;
afterEach(async () => {
  await pool.stopAll();
  hostile?.closeAllConnections();
  hostile?.close();
});

/** MiB of resident memory of a process, to one decimal. */
const rssMiB = (pid: number) => Math.round((processMemory(pid).rss / MiB) * 10) / 10;

it('item 3: a producer that invents a new 8 KB name on every answer cannot make /stats or the consumer grow', async () => {
  hostile = createServer((_request, response) => {
    response.setHeader('X-Served-By', randomBytes(4096).toString('hex'));
    response.setHeader('Content-Type', 'application/json');
    response.end('{"number":7}');
  });
  const { port: producerPort } = await listen(hostile, 0, '127.0.0.1');
  const { service, port } = await startConsumer(pool, `http://127.0.0.1:${producerPort}/number`, {
    POLL_INTERVAL_MS: '100',
  });
  const stats = async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/stats`)).text();
    return { bytes: text.length, body: JSON.parse(text) as { successes: number; answersByInstance: object } };
  };

  await service.waitFor('10 answers', () => service.received().length >= 10);
  const early = { ...(await stats()), rss: rssMiB(service.pid) };
  await service.waitFor('100 answers', () => service.received().length >= 100, 30_000);
  const late = { ...(await stats()), rss: rssMiB(service.pid) };
  const names = Object.keys(late.body.answersByInstance);
  const figures = {
    answers: late.body.successes,
    statsBytes: [early.bytes, late.bytes],
    instancesKept: names.length,
    longestName: Math.max(...names.map((name) => name.length)),
    rssMiB: [early.rss, late.rss],
    longestLogLine: Math.max(...service.stdout.map((line) => line.length)),
  };
  report('consumer: a new 8 KB X-Served-By on every answer', figures);

  expect(late.body.successes).toBeGreaterThanOrEqual(100);
  expect(names.length).toBeLessThanOrEqual(25);
  expect(figures.longestName).toBeLessThanOrEqual(64);
  expect(late.bytes).toBeLessThan(8 * 1024);
  expect(figures.longestLogLine).toBeLessThan(1024);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics.length).toBeLessThan(64 * 1024);
});

/** Opens GET /events from `localAddress` and stops reading as soon as the answer's head has come. */
function stalledDashboard(port: number, localAddress: string): Promise<{ status: number; message?: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/events', localAddress, agent: false }, (response) => {
      if (response.statusCode === 200) {
        response.pause();
        resolve({ status: 200, message: response });
      } else {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      }
    })
      .on('error', reject)
      .end();
  });
}

it('item 5: 64 stalled dashboards from one host cannot lock out a dashboard from another', async () => {
  const producer = await startProducer(pool);
  const { port } = await startConsumer(pool, `http://127.0.0.1:${producer.port}/number`);
  const fromOneHost = [];
  for (let i = 0; i < 64; i++) fromOneHost.push(await stalledDashboard(port, '127.0.0.1'));
  const accepted = fromOneHost.filter(({ status }) => status === 200).length;
  const other = await stalledDashboard(port, '127.0.0.2');
  report('consumer: 64 stalled dashboards from one host', {
    accepted,
    refused: fromOneHost.length - accepted,
    anotherHost: other.status,
  });
  for (const { message } of [...fromOneHost, other]) message?.socket.destroy();

  expect(accepted).toBeLessThanOrEqual(8);
  expect(other.status).toBe(200);
});
