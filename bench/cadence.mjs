// Consumer cadence: the consumer's own fixed-rate schedule (consumer/dist, the tsc output of
// consumer/src/fixed-rate-schedule.ts) running the consumer's own fetchNumber with an axios client set up
// as consumer/src/consumer.ts does (new connection per poll) against a local producer, versus the naive
// `await request; await sleep(interval)` loop, same request, same interval. Prints one JSON line.
// Usage: node bench/cadence.mjs '{"url":"http://127.0.0.1:5000/number","intervalMs":20,"ticks":200}'
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import { fetchNumber } from '../consumer/dist/fetch-number.js';
import { startFixedRateSchedule } from '../consumer/dist/fixed-rate-schedule.js';

const { url, intervalMs, ticks } = JSON.parse(process.argv[2]);
const http = axios.create({ httpAgent: new Agent({ keepAlive: false }), proxy: false });
const poll = async () => {
  const result = await fetchNumber({ http, url, timeoutMs: 1000 });
  if (!result.ok) throw new Error(`poll failed: ${result.reason}`);
  return result.ms;
};

/** `starts`: [tick index, performance.now() when its request began] for every tick that ran. */
function summarise(starts, requestMs) {
  const errors = starts
    .slice(1)
    .map(([tick, at], k) => Math.abs(at - starts[k][1] - (tick - starts[k][0]) * intervalMs));
  const [firstTick, firstAt] = starts[0];
  const [lastTick, lastAt] = starts[starts.length - 1];
  return {
    ticks: starts.length,
    meanPeriodErrorMs: errors.reduce((sum, error) => sum + error, 0) / errors.length,
    maxPeriodErrorMs: Math.max(...errors),
    driftMs: lastAt - firstAt - (lastTick - firstTick) * intervalMs,
    meanRequestMs: requestMs.reduce((sum, ms) => sum + ms, 0) / requestMs.length,
  };
}

function fixedRate() {
  return new Promise((resolve, reject) => {
    const starts = [];
    const requestMs = [];
    let skipped = 0;
    const schedule = startFixedRateSchedule({
      intervalMs,
      onSkip: () => skipped++,
      run: async (tick) => {
        starts.push([tick, performance.now()]);
        try {
          const startedAt = performance.now();
          await poll();
          requestMs.push(performance.now() - startedAt);
        } catch (error) {
          schedule.stop();
          reject(error);
        }
        if (starts.length === ticks) {
          schedule.stop();
          resolve({ ...summarise(starts, requestMs), skipped });
        }
      },
    });
  });
}

async function naive() {
  const starts = [];
  const requestMs = [];
  for (let tick = 0; tick < ticks; tick++) {
    starts.push([tick, performance.now()]);
    const startedAt = performance.now();
    await poll();
    requestMs.push(performance.now() - startedAt);
    await sleep(intervalMs);
  }
  return summarise(starts, requestMs);
}

await poll(); // the first request pays for lazy compilation in both variants alike
const schedule = await fixedRate();
const loop = await naive();
process.stdout.write(`${JSON.stringify({ schedule, naive: loop })}\n`);
