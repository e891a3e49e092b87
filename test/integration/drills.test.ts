import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GOOD_NUMBER, HOSTILE_ANSWERS, goodAnswer, startHostileProducer } from '../support/hostile-producer';
import type { HostileProducer } from '../support/hostile-producer';
import { FAST_POLLING, startConsumer, startProducer } from '../support/pair';
import { MiB, processMemory } from '../support/process-memory';
import { ProcessPool, freePort } from '../support/service-process';
import { startTcpProxy } from '../support/tcp-proxy';

/**
 * Fault drills: real processes over loopback, with fast intervals. Each drill prints what it
 * measured and adds it to drills.json in a temporary folder (FOGPAIR_DRILLS_JSON names another
 * file; docs/operations.md, "Fault drills", shows one run); a test run writes nothing into the repository.
 * The hostile producer's answers are the ones the docs check plays to hold docs/operations.md's lines.
 */

const INTERVAL_MS = Number(FAST_POLLING.POLL_INTERVAL_MS);
const RESET_MS = 5 * INTERVAL_MS; // the default: 5 intervals
const THRESHOLD = Number(FAST_POLLING.BREAKER_FAILURE_THRESHOLD);

const measured: Record<string, unknown> = {};
const pool = new ProcessPool();

const received = /^Received number: /;
const round = (ms: number) => Math.round(ms);
const mebibytes = (bytes: number) => +(bytes / MiB).toFixed(1);

afterEach(() => pool.stopAll());

afterAll(() => {
  const file = process.env.FOGPAIR_DRILLS_JSON || join(mkdtempSync(join(tmpdir(), 'fogpair-drills-')), 'drills.json');
  writeFileSync(file, `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`Drill measurements (also in ${file}):\n${JSON.stringify(measured, null, 2)}`);
});

describe('fault drills', () => {
  it('a frozen producer (SIGSTOP): the breaker opens, no connections while open, back within the reset period', async () => {
    const { producer, port } = await startProducer(pool);
    const proxy = await startTcpProxy([port]);
    try {
      const { consumer } = await startConsumer(pool, `http://127.0.0.1:${proxy.port}/number`, FAST_POLLING);
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
        failureThreshold: THRESHOLD,
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
    const { producer } = await startProducer(pool, { PORT: String(port) });
    const { consumer } = await startConsumer(pool, `http://127.0.0.1:${port}/number`, FAST_POLLING);
    await consumer.waitForLine(received);
    // Killed right after a poll has been answered, not while one waits for its answer: on a busy
    // machine such a poll could time out first, and the drill is about the refusals that follow.
    await consumer.waitForLine(received, { after: performance.now() });

    const killedAt = performance.now();
    await producer.stop('SIGKILL');
    await consumer.waitForLine(/^Circuit breaker open/, { after: killedAt });
    await sleep(1500);
    const restartedAt = performance.now();
    await startProducer(pool, { PORT: String(port) });
    const back = await consumer.waitForLine(/^Producer is back after/, { after: restartedAt });

    const gapLines = consumer.lines.filter((l) => l.at >= killedAt && l.level !== 'info');
    // While the producer is down: the refusal once, the breaker opening once, then nothing.
    expect(gapLines.filter((l) => l.at < restartedAt).map((l) => l.message)).toEqual([
      expect.stringMatching(/^Poll failed: connection refused by 127\.0\.0\.1:\d+/),
      expect.stringMatching(/^Circuit breaker open after 3 failed polls \(connection refused/),
    ]);
    // A probe may reach the restarted producer before it answers within 100 ms (a cold start on a
    // busy machine): a new cause, said at most once.
    const afterRestart = gapLines.filter((l) => l.at >= restartedAt).map((l) => l.message);
    expect(afterRestart.length).toBeLessThanOrEqual(1);
    for (const message of afterRestart)
      expect(message).toMatch(/^Probe failed: no answer from 127\.0\.0\.1:\d+ within 100 ms/);
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
    let hostile: HostileProducer;

    beforeAll(async () => {
      hostile = await startHostileProducer();
    });
    afterEach(() => hostile.answerWith(goodAnswer));
    afterAll(() => hostile.close());

    it('gets one clear line per kind of nonsense, never crashes, never logs a bad number, memory stays flat', async () => {
      const { consumer } = await startConsumer(pool, hostile.url, {
        POLL_INTERVAL_MS: '300',
        REQUEST_TIMEOUT_MS: '250',
        BREAKER_FAILURE_THRESHOLD: '1000', // this drill is about answers, not about the breaker
      });
      await consumer.waitForLine(received);

      const lines: Record<string, string> = {};
      let rssBefore = 0;
      let rssAfter = 0;
      for (const { name, respond, says } of HOSTILE_ANSWERS) {
        if (name === 'huge') rssBefore = processMemory(consumer.pid).rss;
        const since = performance.now();
        hostile.answerWith(respond);
        const found = await consumer.waitForLine(says, { after: since, timeoutMs: 3000 });
        expect(found.message).toMatch(/^Poll failed: /);
        lines[name] = found.message;
        await sleep(name === 'huge' ? 2000 : 700); // a few more polls of the same: no more lines
        expect(consumer.linesMatching(says, since)).toHaveLength(1);
        if (name === 'huge') rssAfter = processMemory(consumer.pid).rss;
      }
      expect(lines.drip).toMatch(/within 250 ms/);
      hostile.answerWith(goodAnswer);
      await consumer.waitForLine(/^Producer is back after/);

      const numbers = consumer.linesMatching(received).map((l) => l.number);
      expect(numbers.every((n) => n === GOOD_NUMBER)).toBe(true);
      expect(consumer.lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(consumer.stderr.join('')).toBe('');
      expect(consumer.running).toBe(true);
      const rssGrowth = rssAfter - rssBefore;
      expect(rssGrowth).toBeLessThan(20 * MiB);
      measured.hostileProducer = {
        lines,
        rssBeforeHugeBodiesMiB: mebibytes(rssBefore),
        rssAfterHugeBodiesMiB: mebibytes(rssAfter),
        hugeBodyPolls: Math.round(2000 / 300),
      };
    });

    it('a new 8 KB name on every answer: names cut to 64 characters, 24 instances kept, /stats stays small', async () => {
      // A new 8 KB name with every answer: a producer (or something posing as one) that would make
      // every tally of instances grow by 8 KB a poll if names were kept as they come.
      let hostileNames = 0;
      hostile.answerWith((response: ServerResponse) => {
        hostileNames++;
        response.writeHead(200, {
          'content-type': 'application/json',
          'x-served-by': `${String(hostileNames).padStart(8, '0')}${'n'.repeat(8 * 1024)}`,
        });
        response.end('{"number":42}');
      });
      const { consumer, statusPort } = await startConsumer(pool, hostile.url, {
        ...FAST_POLLING,
        POLL_INTERVAL_MS: '100',
        REQUEST_TIMEOUT_MS: '80',
      });
      await consumer.waitForLine(received);
      const rssBefore = processMemory(consumer.pid).rss;
      await consumer.waitFor('100 answers under new names', () => hostileNames >= 100, 20_000);
      const rssAfter = processMemory(consumer.pid).rss;
      const text = await (await fetch(`http://127.0.0.1:${statusPort}/stats`)).text();
      const stats = JSON.parse(text) as { successes: number; answersByInstance: Record<string, number> };
      const names = Object.keys(stats.answersByInstance);
      expect(names).toHaveLength(24);
      expect(Math.max(...names.map((name) => name.length))).toBe(64);
      expect(text.length).toBeLessThan(4096);
      const producers = consumer.linesMatching(received).map((line) => String(line.producer));
      expect(Math.max(...producers.map((name) => name.length))).toBe(64);
      const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
      expect(metrics.split('\n').filter((line) => line.startsWith('fogpair_consumer_answers_total{'))).toHaveLength(24);
      measured.hostileNames = {
        answersUnderNewNames: stats.successes,
        statsBytes: text.length,
        rssBeforeMiB: mebibytes(rssBefore),
        rssAfterMiB: mebibytes(rssAfter),
      };
    });
  });
});
