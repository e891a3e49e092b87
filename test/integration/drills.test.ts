import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rssBytes, sleep, startCountingProxy } from './support/drill-tools';
import { ProcessPool, freePort } from '../support/service-process';
import type { ServiceProcess } from '../support/service-process';

/**
 * Fault drills: real processes over loopback, with fast intervals. Each drill prints what it
 * measured and adds it to drills.json in a temporary folder (FOGPAIR_DRILLS_JSON names another
 * file; docs/operations.md, "Fault drills", shows one run); a test run writes nothing into the repository.
 */

const INTERVAL_MS = 200;
const RESET_MS = 5 * INTERVAL_MS; // the default: 5 intervals
const FAST = {
  POLL_INTERVAL_MS: String(INTERVAL_MS),
  REQUEST_TIMEOUT_MS: '100',
  BREAKER_FAILURE_THRESHOLD: '3',
  STATUS_PORT: '0',
  STATUS_HOST: '127.0.0.1',
};

const measured: Record<string, unknown> = {};
const pool = new ProcessPool();

function start(service: 'producer' | 'consumer', env: Record<string, string>): ServiceProcess {
  return pool.start(service, { LOG_LEVEL: 'info', ...env });
}

async function startProducer(port = 0): Promise<{ producer: ServiceProcess; port: number }> {
  const producer = start('producer', { PORT: String(port), HOST: '127.0.0.1' });
  const line = await producer.waitForLine(/^Producer listening/);
  return { producer, port: Number(line.port) };
}

const received = /^Received number: /;
const round = (ms: number) => Math.round(ms);

afterEach(() => pool.stopAll());

afterAll(() => {
  const file = process.env.FOGPAIR_DRILLS_JSON || join(mkdtempSync(join(tmpdir(), 'fogpair-drills-')), 'drills.json');
  writeFileSync(file, `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`Drill measurements (also in ${file}):\n${JSON.stringify(measured, null, 2)}`);
});

describe('fault drills', () => {
  it('a frozen producer (SIGSTOP): the breaker opens, no connections while open, back within the reset period', async () => {
    const { producer, port } = await startProducer();
    const proxy = await startCountingProxy(port);
    try {
      const consumer = start('consumer', { ...FAST, PRODUCER_URL: `http://127.0.0.1:${proxy.port}/number` });
      await consumer.waitForLine(received);

      const frozenAt = performance.now();
      producer.signal('SIGSTOP');
      const opened = await consumer.waitForLine(/^Circuit breaker open after 3 failed polls/, { after: frozenAt });
      expect(opened.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 100 ms/);
      const connectionsAtOpen = proxy.connections();
      // The probe is due nextProbeInMs after this line; watch the quiet part of the open period.
      const quietMs = Number(opened.nextProbeInMs) - 100;
      expect(quietMs).toBeGreaterThan(300);
      await sleep(quietMs);
      const sentWhileOpen = proxy.connections() - connectionsAtOpen;
      expect(sentWhileOpen).toBe(0);

      await sleep(1200); // let a probe fail, so the drill covers a reopened breaker too
      // Only probes, one connection each, at most one per reset period.
      const connectionsWhileOpen = proxy.connections() - connectionsAtOpen;
      const maxProbes = Math.ceil((performance.now() - opened.at) / RESET_MS);
      expect(connectionsWhileOpen).toBeGreaterThanOrEqual(1);
      expect(connectionsWhileOpen).toBeLessThanOrEqual(maxProbes);
      const resumedAt = performance.now();
      producer.signal('SIGCONT');
      const back = await consumer.waitForLine(/^Producer is back after/, { after: resumedAt });
      const recoveryMs = back.at - resumedAt;
      expect(recoveryMs).toBeLessThanOrEqual(RESET_MS + 150);
      await consumer.waitForLine(received, { after: back.at });

      // One line each: the first failure, the breaker opening, and the recovery.
      const warnings = consumer.lines.filter((l) => l.at >= frozenAt && l.level === 'warn');
      expect(warnings.map((l) => l.message)).toEqual([
        expect.stringMatching(/^Poll failed: no answer/),
        expect.stringMatching(/^Circuit breaker open/),
      ]);
      measured.frozenProducer = {
        pollIntervalMs: INTERVAL_MS,
        breakerResetMs: RESET_MS,
        failureThreshold: 3,
        timeToOpenMs: round(opened.at - frozenAt),
        connectionsWhileOpenBeforeProbe: sentWhileOpen,
        quietPeriodWatchedMs: quietMs,
        openPeriodWatchedMs: round(resumedAt - opened.at),
        connectionsWhileOpenProbesIncluded: connectionsWhileOpen,
        maxProbesInThatTime: maxProbes,
        timeToRecoverAfterSigcontMs: round(recoveryMs),
        outageLine: back.message,
      };
    } finally {
      await proxy.close();
    }
  });

  it('a producer killed and restarted on the same port: the gap is reported once and the consumer recovers alone', async () => {
    const port = await freePort();
    const { producer } = await startProducer(port);
    const consumer = start('consumer', { ...FAST, PRODUCER_URL: `http://127.0.0.1:${port}/number` });
    await consumer.waitForLine(received);

    const killedAt = performance.now();
    await producer.stop('SIGKILL');
    await consumer.waitForLine(/^Circuit breaker open/, { after: killedAt });
    await sleep(1500);
    const restartedAt = performance.now();
    await startProducer(port);
    const back = await consumer.waitForLine(/^Producer is back after/, { after: restartedAt });

    const gapLines = consumer.lines.filter((l) => l.at >= killedAt && l.level !== 'info');
    expect(gapLines.map((l) => l.message)).toEqual([
      expect.stringMatching(/^Poll failed: connection refused by 127\.0\.0\.1:\d+/),
      expect.stringMatching(/^Circuit breaker open after 3 failed polls \(connection refused/),
    ]);
    expect(consumer.linesMatching(/^Producer is back/, killedAt)).toHaveLength(1);
    expect(consumer.running).toBe(true);
    measured.restartedProducer = {
      downMs: round(restartedAt - killedAt),
      timeToRecoverAfterRestartMs: round(back.at - restartedAt),
      linesDuringGap: gapLines.length,
      outageLine: back.message,
    };
  });

  describe('a hostile producer', () => {
    let server: Server;
    let mode = 'good';
    let hostileNames = 0;
    const HUGE = Buffer.alloc(10 * 1024 * 1024, 'x');

    const modes: Record<string, (response: ServerResponse) => void> = {
      good: (response) => json(response, '{"number":42}'),
      html: (response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<!doctype html><html><body><h1>It works!</h1></body></html>');
      },
      empty: (response) => json(response, ''),
      wrongType: (response) => json(response, '{"number":"42"}'),
      outOfRange: (response) => json(response, '{"number":181}'),
      fraction: (response) => json(response, '{"number":1.5}'),
      huge: (response) => json(response, HUGE),
      drip: (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{');
        const timer = setInterval(() => response.write(' '), 1000);
        response.on('close', () => clearInterval(timer));
      },
      // A new 8 KB name with every answer: a producer (or something posing as one) that would make
      // every tally of instances grow by 8 KB a poll if names were kept as they come.
      newLongName: (response) => {
        hostileNames++;
        response.writeHead(200, {
          'content-type': 'application/json',
          'x-served-by': `${String(hostileNames).padStart(8, '0')}${'n'.repeat(8 * 1024)}`,
        });
        response.end('{"number":42}');
      },
      resetMidBody: (response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"number":');
        setTimeout(() => response.socket?.resetAndDestroy(), 5);
      },
    };

    function json(response: ServerResponse, body: string | Buffer): void {
      response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'hostile' });
      response.end(body);
    }

    beforeAll(async () => {
      server = createServer((_request, response) => {
        response.on('error', () => {});
        (modes[mode] ?? modes.good)?.(response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('gets one clear line per kind of nonsense, never crashes, never logs a bad number, memory stays flat', async () => {
      const { port } = server.address() as AddressInfo;
      const consumer = start('consumer', {
        POLL_INTERVAL_MS: '300',
        REQUEST_TIMEOUT_MS: '250',
        BREAKER_FAILURE_THRESHOLD: '1000', // this drill is about answers, not about the breaker
        STATUS_PORT: '0',
        STATUS_HOST: '127.0.0.1',
        PRODUCER_URL: `http://127.0.0.1:${port}/number`,
      });
      await consumer.waitForLine(received);

      const expected: [string, RegExp][] = [
        ['html', /^Poll failed: answer is not JSON: "<!doctype html>/],
        ['empty', /^Poll failed: answer is not JSON: \(empty body\)/],
        ['wrongType', /^Poll failed: answer breaks the contract \(.*\): "\{\\"number\\":\\"42\\"\}"/],
        ['outOfRange', /^Poll failed: answer breaks the contract \(.*\): "\{\\"number\\":181\}"/],
        ['fraction', /^Poll failed: answer breaks the contract \(.*\): "\{\\"number\\":1\.5\}"/],
        ['huge', /^Poll failed: answer is larger than 65536 bytes, dropped/],
        ['drip', /^Poll failed: no answer from 127\.0\.0\.1:\d+ within 250 ms/],
        ['resetMidBody', /^Poll failed: connection to 127\.0\.0\.1:\d+ was reset before the answer was complete/],
      ];
      const lines: Record<string, string> = {};
      let rssBefore = 0;
      let rssAfter = 0;
      for (const [name, line] of expected) {
        if (name === 'huge') rssBefore = rssBytes(consumer.pid);
        const since = performance.now();
        mode = name;
        const found = await consumer.waitForLine(line, { after: since, timeoutMs: 3000 });
        lines[name] = found.message;
        await sleep(name === 'huge' ? 2000 : 700); // a few more polls of the same: no more lines
        expect(consumer.linesMatching(line, since)).toHaveLength(1);
        if (name === 'huge') rssAfter = rssBytes(consumer.pid);
      }
      mode = 'good';
      await consumer.waitForLine(/^Producer is back after/);

      const numbers = consumer.linesMatching(received).map((l) => l.number);
      expect(numbers.every((n) => n === 42)).toBe(true);
      expect(consumer.lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(consumer.stderr.join('')).toBe('');
      expect(consumer.running).toBe(true);
      const rssGrowth = rssAfter - rssBefore;
      expect(rssGrowth).toBeLessThan(20 * 1024 * 1024);
      measured.hostileProducer = {
        lines,
        rssBeforeHugeBodiesMiB: +(rssBefore / 2 ** 20).toFixed(1),
        rssAfterHugeBodiesMiB: +(rssAfter / 2 ** 20).toFixed(1),
        hugeBodyPolls: Math.round(2000 / 300),
      };
    });

    it('a new 8 KB name on every answer: names cut to 64 characters, 24 instances kept, /stats stays small', async () => {
      const { port } = server.address() as AddressInfo;
      mode = 'newLongName';
      hostileNames = 0;
      const statusPort = await freePort();
      const consumer = start('consumer', {
        ...FAST,
        POLL_INTERVAL_MS: '100',
        REQUEST_TIMEOUT_MS: '80',
        STATUS_PORT: String(statusPort),
        PRODUCER_URL: `http://127.0.0.1:${port}/number`,
      });
      try {
        await consumer.waitForLine(received);
        const rssBefore = rssBytes(consumer.pid);
        await consumer.waitFor('100 answers under new names', () => hostileNames >= 100, 20_000);
        const rssAfter = rssBytes(consumer.pid);
        const text = await (await fetch(`http://127.0.0.1:${statusPort}/stats`)).text();
        const stats = JSON.parse(text) as { successes: number; answersByInstance: Record<string, number> };
        const names = Object.keys(stats.answersByInstance);
        expect(names).toHaveLength(24);
        expect(Math.max(...names.map((name) => name.length))).toBe(64);
        expect(text.length).toBeLessThan(4096);
        const producers = consumer.linesMatching(received).map((line) => String(line.producer));
        expect(Math.max(...producers.map((name) => name.length))).toBe(64);
        const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
        expect(metrics.split('\n').filter((line) => line.startsWith('fogpair_consumer_answers_total{'))).toHaveLength(
          24,
        );
        measured.hostileNames = {
          answersUnderNewNames: stats.successes,
          statsBytes: text.length,
          rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
          rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1),
        };
      } finally {
        mode = 'good';
      }
    });
  });
});
