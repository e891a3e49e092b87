// `npm run bench` (about 2 minutes) or `npm run bench:quick` (seconds, for CI): measures the bundled
// services (producer/dist/producer.cjs, consumer/dist/consumer.cjs) against a bare node:http server
// started in the same run, and prints one table in which every figure has its ratio to that baseline.
// Traffic goes to 127.0.0.1 only; every loop is bounded in time and count.
//
// The services run as their images run them: the bundle, the flags of the Dockerfile's CMD, and a V8
// compile cache warmed first by a short run with those flags (as the Dockerfile's build does).
//
// Options: --quick; --json FILE (raw results); --node-flags "…" (V8/Node flags for the services instead
// of the CMD's, e.g. "--max-semi-space-size=1"), or --producer-flags / --consumer-flags for one of them;
// --no-compile-cache; --image-tag TAG (images fogpair-<service>:TAG, default latest);
// --only cold,capacity,consumer,cadence,deps,images; --rounds N and
// --seconds S (per load run); --producer FILE / --consumer FILE (bench another bundle, e.g. an old build).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { measureDependencyCost } from './dependency-cost.mjs';
import { cpuSeconds, freePort, get, median, memory, pinned, pinning, startService, CORES } from './processes.mjs';
import { imageFlags } from '../test/support/dist/service-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'node-flags': { type: 'string' },
    'producer-flags': { type: 'string' },
    'consumer-flags': { type: 'string' },
    'compile-cache': { type: 'boolean', default: true },
    'image-tag': { type: 'string', default: 'latest' },
    only: { type: 'string', default: 'cold,capacity,consumer,cadence,deps,images' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    producer: { type: 'string' },
    consumer: { type: 'string' },
  },
  allowNegative: true,
});
const quick = options.quick;
const flagsOf = (text) => text.split(/\s+/).filter(Boolean);
const chosenFlags = (service) => options[`${service}-flags`] ?? options['node-flags'];
const serviceFlags = {
  producer: chosenFlags('producer') === undefined ? imageFlags('producer') : flagsOf(chosenFlags('producer')),
  consumer: chosenFlags('consumer') === undefined ? imageFlags('consumer') : flagsOf(chosenFlags('consumer')),
};
const sections = new Set(options.only.split(','));

const plan = quick
  ? {
      coldStarts: 3,
      rounds: 1,
      loadSeconds: 0.5,
      warmupSeconds: 0.3,
      settleMs: 300,
      consumerSeconds: 1.5,
      ticks: 20,
      depSamples: 1,
    }
  : {
      coldStarts: 11,
      rounds: 3,
      loadSeconds: 3,
      warmupSeconds: 1,
      settleMs: 1000,
      consumerSeconds: 10,
      ticks: 200,
      depSamples: 5,
    };

if (options.rounds) plan.rounds = plan.coldStarts = Number(options.rounds);
if (options.seconds) plan.loadSeconds = Number(options.seconds);

const PRODUCER = options.producer ?? `${root}producer/dist/producer.cjs`;
const CONSUMER = options.consumer ?? `${root}consumer/dist/consumer.cjs`;
for (const file of [PRODUCER, CONSUMER, `${root}consumer/dist/fixed-rate-schedule.js`]) {
  if (!existsSync(file)) {
    process.stderr.write(`${file} is missing: run \`npm run build\` first.\n`);
    process.exit(1);
  }
}
const BARE_SOURCE = readFileSync(new URL('bare-server.cjs', import.meta.url), 'utf8');
const BARE_POLL_SOURCE = readFileSync(new URL('bare-axios-poll.cjs', import.meta.url), 'utf8');

/** NODE_COMPILE_CACHE for the services, warmed before anything is measured; none for the baselines. */
const compileCache = options['compile-cache'] ? mkdtempSync(join(tmpdir(), 'fogpair-bench-cache-')) : undefined;
const cacheEnv = compileCache ? { NODE_COMPILE_CACHE: compileCache } : {};

/** The two servers every comparison runs: the shipped producer and the bare node:http baseline. */
const targets = {
  producer: (port) => ({
    args: [...serviceFlags.producer, PRODUCER],
    env: { PORT: String(port), HOST: '127.0.0.1', ...cacheEnv },
    port,
  }),
  bare: (port) => ({ args: ['-e', BARE_SOURCE], env: { PORT: String(port) }, port }),
};
const consumerEnv = (producerUrl, statusPort) => ({
  PRODUCER_URL: producerUrl,
  POLL_INTERVAL_MS: '100',
  REQUEST_TIMEOUT_MS: '90',
  STATUS_PORT: String(statusPort),
  STATUS_HOST: '127.0.0.1',
  LOG_FORMAT: 'json',
  ...cacheEnv,
});

const results = {
  machine: {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: CORES,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    pinning,
    mode: quick ? 'quick' : 'full',
    compileCache: Boolean(compileCache),
    serviceFlags: Object.entries(serviceFlags)
      .filter(([, flags]) => flags.length > 0)
      .map(([service, flags]) => `${service} ${flags.join(' ')}`)
      .join(', '),
    date: new Date().toISOString(),
  },
};

const started = performance.now();
try {
  if (compileCache) await warmCompileCache();
  await measure();
} finally {
  if (compileCache) rmSync(compileCache, { recursive: true, force: true });
}
results.machine.benchSeconds = Math.round((performance.now() - started) / 1000);

printTable(results);
if (options.json) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);

// ---------------------------------------------------------------------------------------------------

async function measure() {
  if (sections.has('cold')) results.coldStart = await coldStart();
  if (sections.has('capacity')) results.capacity = await capacityAndMemory();
  if (sections.has('consumer') || sections.has('cadence')) Object.assign(results, await consumer());
  if (sections.has('deps')) results.dependencies = await measureDependencyCost({ samples: plan.depSamples });
  if (sections.has('images')) results.images = imageSizes();
}

/**
 * What the Dockerfiles do at build time: one short run of each service with its CMD's flags, so that
 * Node writes the V8 code cache that every later start reads.
 */
async function warmCompileCache() {
  const producerPort = await freePort();
  const producer = await startService(targets.producer(producerPort));
  const url = `http://127.0.0.1:${producerPort}/number`;
  if ((await get(url)) !== 200) throw new Error(`warming the compile cache: ${url} did not answer 200`);
  await producer.stop();
  const statusPort = await freePort();
  const consumer = await startService({
    args: [...serviceFlags.consumer, CONSUMER],
    env: consumerEnv('http://127.0.0.1:9/number', statusPort),
    port: statusPort,
  });
  await consumer.stop();
}

/**
 * Spawn to the first 200 on /number, alternating bare and producer: wall-clock time, and the CPU time
 * all the process's threads spent until then (which other jobs on a shared machine disturb far less).
 */
async function coldStart() {
  const samples = { bare: [], producer: [] };
  const cpu = { bare: [], producer: [] };
  for (let round = 0; round < plan.coldStarts; round++) {
    for (const name of ['bare', 'producer']) {
      const port = await freePort();
      const service = await startService({ ...targets[name](port), port: undefined });
      const url = `http://127.0.0.1:${port}/number`;
      const deadline = performance.now() + 15_000;
      let status;
      while ((status = await get(url)) !== 200 && performance.now() < deadline) await sleep(1);
      if (status !== 200) throw new Error(`${name} never answered 200:\n${service.output()}`);
      samples[name].push(performance.now() - service.startedAt);
      cpu[name].push(threadsCpuMs(service.child.pid));
      await service.stop();
    }
  }
  return {
    bareMs: median(samples.bare),
    producerMs: median(samples.producer),
    spread: spreadOf(samples.producer.map((ms, i) => ms / samples.bare[i])),
    bareCpuMs: median(cpu.bare),
    producerCpuMs: median(cpu.producer),
    cpuSpread: spreadOf(cpu.producer.map((ms, i) => ms / cpu.bare[i])),
    samples,
  };
}

/** CPU time of every thread of `pid` so far, in ms (first field of /proc/<pid>/task/<tid>/schedstat, ns). */
function threadsCpuMs(pid) {
  return readdirSync(`/proc/${pid}/task`).reduce(
    (sum, tid) => sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6,
    0,
  );
}

/** Load runs, A B A B …; CPU from /proc around each run; idle RSS before, peak (VmHWM) after. */
async function capacityAndMemory() {
  const servers = {};
  const idle = {};
  for (const name of ['bare', 'producer']) {
    const port = await freePort();
    servers[name] = await startService(targets[name](port));
    servers[name].url = `http://127.0.0.1:${port}/number`;
  }
  await sleep(plan.settleMs);
  for (const name of ['bare', 'producer']) idle[name] = memory(servers[name].child.pid).rss;

  try {
    for (const name of ['bare', 'producer']) await load(servers[name], 50, plan.warmupSeconds, false);
    const scenarios = [
      { key: 'keepAlive1', connections: 1, newConnection: false },
      { key: 'keepAlive50', connections: 50, newConnection: false },
      { key: 'newConnection1', connections: 1, newConnection: true },
    ];
    const capacity = {};
    for (const scenario of scenarios) {
      const runs = { bare: [], producer: [] };
      for (let round = 0; round < plan.rounds; round++) {
        for (const name of ['bare', 'producer']) {
          runs[name].push(await load(servers[name], scenario.connections, plan.loadSeconds, scenario.newConnection));
        }
      }
      capacity[scenario.key] = { ...scenario, bare: combine(runs.bare), producer: combine(runs.producer) };
      capacity[scenario.key].spread = spreadOf(
        runs.producer.map((run, i) => run.perCpuSecond / runs.bare[i].perCpuSecond),
      );
    }
    const peak = {};
    for (const name of ['bare', 'producer']) peak[name] = memory(servers[name].child.pid).peak;
    return { capacity, idle, peak };
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
}

async function load(server, connections, seconds, newConnection) {
  const pid = server.child.pid;
  const [command, args] = pinned(1, process.execPath, [
    `${root}bench/load.mjs`,
    JSON.stringify({ url: server.url, connections, seconds, newConnection }),
  ]);
  const cpuBefore = cpuSeconds(pid);
  const startedAt = performance.now();
  const run = JSON.parse(execFileSync(command, args, { encoding: 'utf8' }));
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  if (run.errors > 0 || run.non2xx > 0 || run.requests === 0) {
    throw new Error(`load run against ${server.url} failed: ${JSON.stringify(run)}\n${server.output()}`);
  }
  return { ...run, cpu, seconds: Math.min(seconds, wallSeconds), perCpuSecond: run.requests / cpu };
}

function combine(runs) {
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const cpu = runs.reduce((sum, run) => sum + run.cpu, 0);
  return {
    requests,
    cpu,
    perCpuSecond: requests / cpu,
    cpuPerRequestUs: (cpu / requests) * 1e6,
    perSecond: requests / runs.reduce((sum, run) => sum + run.seconds, 0),
    p50Us: median(runs.map((run) => run.p50Us)),
    p99Us: median(runs.map((run) => run.p99Us)),
  };
}

/** The consumer bundle polling a local producer; then the cadence of its schedule versus a naive loop. */
async function consumer() {
  const out = {};
  const producerPort = await freePort();
  const producer = await startService(targets.producer(producerPort));
  const producerUrl = `http://127.0.0.1:${producerPort}/number`;
  try {
    if (sections.has('consumer')) {
      const bare = await startService(targets.bare(await freePort()));
      // The least a poller can be: axios in a setInterval loop, same producer, interval and timeout.
      const barePoll = await startService({
        args: ['-e', BARE_POLL_SOURCE],
        env: { PRODUCER_URL: producerUrl, POLL_INTERVAL_MS: '100', REQUEST_TIMEOUT_MS: '90' },
        core: 1,
      });
      const statusPort = await freePort();
      const service = await startService({
        args: [...serviceFlags.consumer, CONSUMER],
        env: consumerEnv(producerUrl, statusPort),
        port: statusPort,
        core: 1,
      });
      await sleep(plan.settleMs);
      const bareIdle = memory(bare.child.pid).rss;
      const idle = memory(service.child.pid).rss;
      await sleep(Math.max(0, plan.consumerSeconds * 1000 - plan.settleMs));
      const { peak } = memory(service.child.pid);
      const barePollPeak = memory(barePoll.child.pid).peak;
      await Promise.all([service.stop(), bare.stop(), barePoll.stop()]);
      const receivedBy = (process) =>
        process
          .output()
          .split('\n')
          .filter((line) => line.includes('Received number')).length;
      const received = receivedBy(service);
      if (received === 0) throw new Error(`the consumer received no number:\n${service.output()}`);
      if (receivedBy(barePoll) === 0) throw new Error(`the axios loop received no number:\n${barePoll.output()}`);
      out.consumer = {
        idle,
        peak,
        bareIdle,
        barePollPeak,
        barePollReceived: receivedBy(barePoll),
        received,
        seconds: plan.consumerSeconds,
        intervalMs: 100,
      };
    }
    if (sections.has('cadence')) {
      const [command, args] = pinned(1, process.execPath, [
        `${root}bench/cadence.mjs`,
        JSON.stringify({ url: producerUrl, intervalMs: 20, ticks: plan.ticks }),
      ]);
      out.cadence = { intervalMs: 20, ...JSON.parse(execFileSync(command, args, { encoding: 'utf8' })) };
    }
  } finally {
    await producer.stop();
  }
  return out;
}

/** Sizes of the images docker compose builds, and of the base image their Dockerfile names. */
function imageSizes() {
  if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
    return { note: 'no Docker engine (`docker info` fails): image sizes skipped' };
  }
  const size = (image) => {
    const result = spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', image], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) / 1e6 : undefined;
  };
  const images = {};
  for (const service of ['producer', 'consumer']) {
    const dockerfile = `${root}Dockerfile-${service}`;
    const text = existsSync(dockerfile) ? readFileSync(dockerfile, 'utf8') : '';
    const args = Object.fromEntries([...text.matchAll(/^ARG\s+(\w+)=(\S+)/gim)].map((match) => [match[1], match[2]]));
    const froms = [...text.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gim)].map((match) =>
      match[1].replace(/\$\{?(\w+)\}?/g, (_, name) => args[name] ?? ''),
    );
    // The final stage's FROM is the base the image adds to; without the Dockerfile it is unknown.
    const base = froms.at(-1);
    images[service] = {
      image: `fogpair-${service}:${options['image-tag']}`,
      size: size(`fogpair-${service}:${options['image-tag']}`),
      base,
      baseSize: base && size(base),
    };
  }
  if (Object.values(images).every((image) => image.size === undefined)) {
    return { note: 'images fogpair-producer/fogpair-consumer not built (run `docker compose build` first): skipped' };
  }
  return images;
}

function spreadOf(ratios) {
  return { min: Math.min(...ratios), max: Math.max(...ratios) };
}

// ---------------------------------------------------------------------------------------------------

function printTable(r) {
  const rows = [];
  const section = (title) => rows.push([`**${title}**`, '', '', '', '', '']);
  const row = (metric, value, base, ratio, target, spread = '') =>
    rows.push([metric, value, base, ratio, target, spread]);
  const num = (value, digits = 0) =>
    Number.isFinite(value)
      ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : '–';
  const x = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
  const verdict = (ratio, limit, atLeast) =>
    Number.isFinite(ratio)
      ? `${atLeast ? '≥' : '≤'} ${limit} ${(atLeast ? ratio >= limit : ratio <= limit) ? '✓' : '✗'}`
      : '';
  const range = (spread) => (spread ? `${spread.min.toFixed(2)}–${spread.max.toFixed(2)}` : '');

  if (r.capacity) {
    const { capacity, idle, peak } = r.capacity;
    const labels = {
      keepAlive1: 'keep-alive, 1 connection',
      keepAlive50: 'keep-alive, 50 connections',
      newConnection1: 'new connection per request',
    };
    section('Producer capacity (producer / bare node:http)');
    for (const [key, c] of Object.entries(capacity)) {
      const ratio = c.producer.perCpuSecond / c.bare.perCpuSecond;
      row(
        `req per CPU-second, ${labels[key]}`,
        num(c.producer.perCpuSecond),
        num(c.bare.perCpuSecond),
        x(ratio),
        key === 'newConnection1' ? '' : verdict(ratio, 0.75, true),
        range(c.spread),
      );
      row(
        `  req/s (wall), ${labels[key]}`,
        num(c.producer.perSecond),
        num(c.bare.perSecond),
        x(c.producer.perSecond / c.bare.perSecond),
        '',
      );
      row(
        `  p50 / p99 latency µs`,
        `${num(c.producer.p50Us)} / ${num(c.producer.p99Us)}`,
        `${num(c.bare.p50Us)} / ${num(c.bare.p99Us)}`,
        `${x(c.producer.p50Us / c.bare.p50Us)} / ${x(c.producer.p99Us / c.bare.p99Us)}`,
        '',
      );
    }
    section('CPU cost per request');
    const keep = capacity.keepAlive1;
    const fresh = capacity.newConnection1;
    row(
      'CPU µs per request, keep-alive',
      num(keep.producer.cpuPerRequestUs, 1),
      num(keep.bare.cpuPerRequestUs, 1),
      x(keep.producer.cpuPerRequestUs / keep.bare.cpuPerRequestUs),
      '',
    );
    row(
      'CPU µs per request, new connection',
      num(fresh.producer.cpuPerRequestUs, 1),
      num(fresh.bare.cpuPerRequestUs, 1),
      x(fresh.producer.cpuPerRequestUs / fresh.bare.cpuPerRequestUs),
      '',
    );
    const perCore = (c) => 3 / (c.cpuPerRequestUs / 1e6);
    row(
      'consumers (1 poll / 3 s, new connection) one core serves',
      num(perCore(fresh.producer)),
      num(perCore(fresh.bare)),
      x(perCore(fresh.producer) / perCore(fresh.bare)),
      '',
    );
    section('Memory (MB)');
    row(
      'producer RSS idle after start',
      num(idle.producer, 1),
      num(idle.bare, 1),
      x(idle.producer / idle.bare),
      verdict(idle.producer / idle.bare, 1.05, false),
    );
    row(
      'producer peak RSS (VmHWM) after load',
      num(peak.producer, 1),
      num(peak.bare, 1),
      x(peak.producer / peak.bare),
      verdict(peak.producer / peak.bare, 1.1, false),
    );
  }
  if (r.consumer) {
    const c = r.consumer;
    if (!r.capacity) section('Memory (MB)');
    row('consumer RSS idle after start (vs bare idle)', num(c.idle, 1), num(c.bareIdle, 1), x(c.idle / c.bareIdle), '');
    row(
      `consumer peak RSS, ${c.received} polls in ${c.seconds} s (vs an axios loop, ${c.barePollReceived} polls)`,
      num(c.peak, 1),
      num(c.barePollPeak, 1),
      x(c.peak / c.barePollPeak),
      verdict(c.peak / c.barePollPeak, 1.2, false),
    );
    row(`  consumer peak RSS (vs bare node:http idle)`, num(c.peak, 1), num(c.bareIdle, 1), x(c.peak / c.bareIdle), '');
  }
  if (r.coldStart) {
    const c = r.coldStart;
    section(`Cold start: spawn to first 200 on /number, median of ${c.samples.bare.length}`);
    row(
      'ms',
      num(c.producerMs, 1),
      num(c.bareMs, 1),
      x(c.producerMs / c.bareMs),
      verdict(c.producerMs / c.bareMs, 1.3, false),
      range(c.spread),
    );
    row(
      '  CPU ms until then, all threads',
      num(c.producerCpuMs, 1),
      num(c.bareCpuMs, 1),
      x(c.producerCpuMs / c.bareCpuMs),
      '',
      range(c.cpuSpread),
    );
  }
  if (r.cadence) {
    const { schedule, naive, intervalMs } = r.cadence;
    section(
      `Consumer cadence: ${schedule.ticks} ticks every ${intervalMs} ms (fixed-rate schedule / naive request+sleep loop)`,
    );
    row(
      'mean period error ms',
      num(schedule.meanPeriodErrorMs, 3),
      num(naive.meanPeriodErrorMs, 3),
      x(schedule.meanPeriodErrorMs / naive.meanPeriodErrorMs),
      '',
    );
    row(
      'max period error ms',
      num(schedule.maxPeriodErrorMs, 3),
      num(naive.maxPeriodErrorMs, 3),
      x(schedule.maxPeriodErrorMs / naive.maxPeriodErrorMs),
      '',
    );
    row(
      'cumulative drift ms',
      num(schedule.driftMs, 3),
      num(naive.driftMs, 3),
      x(schedule.driftMs / naive.driftMs),
      Math.abs(schedule.driftMs) < 1 ? '< 1 ms ✓' : '< 1 ms ✗',
    );
    row('  mean request ms', num(schedule.meanRequestMs, 2), num(naive.meanRequestMs, 2), '', '');
  }
  if (r.dependencies) {
    const nothing = r.dependencies.find((d) => d.name === 'nothing');
    section('Load cost of each dependency, bundled alone and minified (vs a script that loads nothing)');
    for (const d of r.dependencies.filter((d) => d.name !== 'nothing')) {
      row(
        `${d.name}: ${num(d.bytes / 1024)} KB; require ms, RSS MB`,
        `${num(d.ms, 1)} ms, ${num(d.rss, 1)}`,
        `${num(nothing.ms, 1)} ms, ${num(nothing.rss, 1)}`,
        `+${num(d.rss - nothing.rss, 1)} MB`,
        '',
      );
    }
  }
  if (r.images) {
    section('Docker images (MB)');
    if (r.images.note) row(r.images.note, '', '', '', '');
    else {
      for (const [service, i] of Object.entries(r.images)) {
        const added = i.size - i.baseSize;
        const missing =
          i.size === undefined ? `${service} not built` : i.base ? `${i.base} not pulled` : `no Dockerfile-${service}`;
        row(
          `${i.image} (base ${i.base ?? 'unknown'})`,
          num(i.size, 1),
          num(i.baseSize, 1),
          Number.isFinite(added) ? `+${num(added, 1)} MB` : '–',
          Number.isFinite(added) ? (added <= 5 ? '≤ +5 MB ✓' : '≤ +5 MB ✗') : missing,
        );
      }
    }
  }

  const m = r.machine;
  const header = ['metric', 'fogpair', 'baseline', 'ratio', 'target', 'spread'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => cells[i].length)));
  const line = (cells) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  process.stdout.write(
    [
      `fogpair bench (${m.mode}) — node ${m.node}, ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${m.pinning}` +
        `${m.serviceFlags ? `; service flags: ${m.serviceFlags}` : ''}` +
        `; compile cache ${m.compileCache ? 'warmed' : 'off'}; ${m.benchSeconds} s`,
      'baseline: a bare node:http server (bench/bare-server.cjs started with `node -e`) in the same run; spread: min–max of per-round ratios',
      '',
      line(header),
      `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
      ...rows.map(line),
      '',
    ].join('\n'),
  );
}
