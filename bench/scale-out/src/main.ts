// The scale-out bench's measuring part, started by bench/scale-out/run.sh on a stack it deployed:
// rounds of load runs against 1, 2, 3 … producer replicas (and, optionally, 1 replica with the
// autoscaler running), each through the chosen paths, with each replica's and the load tool's CPU and
// throttling read from their cgroups and the machine's from /proc/stat. Prints one table (ratios to
// one replica in the same round) and, with --json, every run's record.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '../../../tools/load/src/summary';
import { cpuUse, machineUse, parseProcStat, readProcessCpu } from './counters';
import type { CpuCounters, MachineCounters } from './counters';
import { LOAD_PATHS, PATH_LABELS, groupsOf, roundOrder, rowsOf } from './plan';
import type { Group, LoadPath, Row } from './plan';
import { TABLE_HEADER, markdownTable, median, tableCells, tabulate } from './report';
import type { ReplicaRecord, RunRecord } from './report';
import { createLabSwarm, runDockerCli } from './swarm';
import type { LabSwarm, RunningTask } from './swarm';

const EXIT_USAGE = 64;
const PRODUCER_PORT = 5000;

class UsageError extends Error {}

interface Options {
  readonly stack: string;
  readonly manager: string;
  readonly engineTemplate: string;
  readonly loadImage: string;
  readonly loadNode: string;
  readonly loadCpus: number;
  readonly repo: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly reconnectEvery: number;
  readonly replicas: readonly number[];
  readonly paths: readonly LoadPath[];
  readonly autoscaled: boolean;
  readonly idleSeconds: number;
  readonly json: string | undefined;
  readonly checkOnly: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      stack: { type: 'string' },
      manager: { type: 'string' },
      'engine-template': { type: 'string' },
      'load-image': { type: 'string' },
      'load-node': { type: 'string' },
      'load-cpus': { type: 'string', default: '1' },
      repo: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '24' },
      'reconnect-every': { type: 'string', default: '50' },
      replicas: { type: 'string', default: '1,2,3' },
      paths: { type: 'string', default: 'name,tasks' },
      autoscaled: { type: 'boolean', default: false },
      'idle-seconds': { type: 'string', default: '30' },
      json: { type: 'string' },
      'check-options': { type: 'boolean', default: false },
    },
  });
  // --check-options: only the measuring options, before run.sh brings the lab up for nothing.
  const checkOnly = values['check-options'];
  const required = (name: 'stack' | 'manager' | 'engine-template' | 'load-image' | 'load-node' | 'repo') => {
    const value = values[name] ?? (checkOnly ? `{node}` : undefined);
    if (!value) throw new UsageError(`--${name} is missing (bench/scale-out/run.sh passes it)`);
    return value;
  };
  const whole = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max)
      throw new UsageError(`--${name} '${text}': expected a whole number from ${min} to ${max}`);
    return value;
  };
  const replicas = values.replicas.split(',').map((text) => whole('replicas', text.trim(), 1, 9));
  if (new Set(replicas).size !== replicas.length) throw new UsageError(`--replicas ${values.replicas}: a count twice`);
  const paths = values.paths.split(',').map((text) => {
    const path = text.trim() as LoadPath;
    if (!LOAD_PATHS.includes(path)) throw new UsageError(`--paths: '${text}' is not one of ${LOAD_PATHS.join(', ')}`);
    return path;
  });
  const loadCpus = Number(values['load-cpus']);
  if (!(loadCpus > 0 && loadCpus <= 64))
    throw new UsageError(`--load-cpus '${values['load-cpus']}': expected cores, e.g. 1 or 0.5`);
  const engineTemplate = required('engine-template');
  if (!engineTemplate.includes('{node}'))
    throw new UsageError(`--engine-template '${engineTemplate}': expected a DOCKER_HOST with {node} in it`);
  return {
    stack: required('stack'),
    manager: required('manager'),
    engineTemplate,
    loadImage: required('load-image'),
    loadNode: required('load-node'),
    loadCpus,
    repo: required('repo'),
    rounds: whole('rounds', values.rounds, 1, 20),
    seconds: whole('seconds', values.seconds, 1, 600),
    warmupSeconds: whole('warmup', values.warmup, 0, 60),
    connections: whole('connections', values.connections, 1, 1000),
    reconnectEvery: whole('reconnect-every', values['reconnect-every'], 1, 1_000_000),
    replicas: [...replicas].sort((a, b) => a - b),
    paths,
    autoscaled: values.autoscaled,
    idleSeconds: whole('idle-seconds', values['idle-seconds'], 0, 600),
    json: values.json,
    checkOnly,
  };
}

const startedAt = performance.now();
const elapsed = () => (performance.now() - startedAt) / 1000;
const say = (text: string) => process.stderr.write(`[bench:scale-out ${Math.round(elapsed())}s] ${text}\n`);
const readText = (path: string) => readFileSync(path, 'utf8');
const readMachine = (): MachineCounters => parseProcStat(readText('/proc/stat'));
const loadAverage = () => Number(readText('/proc/loadavg').split(' ')[0]);

/** Polls `check` every second until it returns a value (not undefined) or `seconds` pass. */
async function waitFor<T>(seconds: number, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + seconds * 1000;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline)
      throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(1000);
  }
}

/** The `/number` answers a replica has counted, read from its /metrics through its node's host-mode port. */
async function numbersServed(task: RunningTask): Promise<number> {
  const response = await fetch(`http://${task.node.address}:${PRODUCER_PORT}/metrics`, {
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  const line = /^fogpair_producer_numbers_served_total (\S+)$/m.exec(text);
  if (!line) throw new Error(`no fogpair_producer_numbers_served_total in ${task.node.address}'s /metrics`);
  return Number(line[1]);
}

interface ReplicaReading {
  readonly task: RunningTask;
  readonly cpu: CpuCounters;
  readonly served: number;
}

async function main(options: Options): Promise<number> {
  if (options.checkOnly) return 0;
  const producer = `${options.stack}_producer`;
  const autoscaler = `${options.stack}_autoscaler`;
  const runner = `${options.stack}_scaleoutload`;
  const swarm = await createLabSwarm({
    docker: runDockerCli,
    manager: options.manager,
    engineOf: (node) => options.engineTemplate.replaceAll('{node}', node),
    network: `${options.stack}_fogpair`,
  });
  const groups = groupsOf(options.replicas, options.paths, options.autoscaled);
  const rows = groups.flatMap(rowsOf);
  const serviceExists = async (service: string) =>
    swarm.specReplicas(service).then(
      () => true,
      () => false,
    );
  if (options.autoscaled && !(await serviceExists(autoscaler)))
    throw new UsageError(`--autoscaled: the stack has no ${autoscaler} (deploy it with swarm-autoscale.yml)`);
  if (await serviceExists(autoscaler)) await autoscalerOff(swarm, autoscaler);

  // The load tool runs in one long-lived task on the stack network (bounded by its sleep), so each run
  // is a `docker exec` whose start and end this process sees, and whose CPU its cgroup counts.
  const perGroup = 240 + options.paths.length * (options.seconds + options.warmupSeconds + 60);
  const bound = Math.ceil(options.rounds * groups.length * perGroup + 600);
  await swarm.createService([
    ...['--name', runner, '--label', `com.docker.stack.namespace=${options.stack}`],
    ...['--network', `${options.stack}_fogpair`, '--restart-condition', 'none', '--no-healthcheck'],
    ...['--no-resolve-image', '--constraint', `node.hostname == ${options.loadNode}`],
    ...['--limit-cpu', String(options.loadCpus), '--entrypoint', 'sleep'],
    ...['--mount', `type=bind,source=${options.repo},target=/repo,readonly`, options.loadImage, String(bound)],
  ]);
  try {
    const loadTask = await waitFor(120, 'the load task to run', async () => (await swarm.runningTasks(runner))[0]);
    const loadPid = await swarm.pid(loadTask);
    say(
      `load tool in ${loadTask.node.hostname}'s task ${loadTask.containerId.slice(0, 12)}, limit ${options.loadCpus} CPU`,
    );

    const records: RunRecord[] = [];
    let lastLoadEnd = performance.now();
    const load = async (urls: readonly string[], seconds: number) => {
      const command = ['node', '/repo/tools/load/dist/main.js', ...urls];
      command.push('--connections', String(options.connections), '--duration', String(seconds));
      command.push('--reconnect-every', String(options.reconnectEvery), '--timeout', '5', '--json');
      const output = await swarm.exec(loadTask, command, (seconds + 60) * 1000);
      lastLoadEnd = performance.now();
      const line = output.split('\n').find((text) => text.startsWith('{'));
      if (!line) throw new Error(`the load tool printed no summary: ${output.slice(-500)}`);
      return JSON.parse(line) as LoadSummary;
    };
    const urlsOf = (path: LoadPath, tasks: readonly RunningTask[]) =>
      path === 'name'
        ? [`http://producer:${PRODUCER_PORT}/number`]
        : tasks.map((task) => `http://${path === 'tasks' ? task.address : task.node.address}:${PRODUCER_PORT}/number`);

    const readReplicas = async (tasks: readonly RunningTask[]): Promise<ReplicaReading[]> =>
      Promise.all(
        tasks.map(async (task) => ({
          task,
          cpu: readProcessCpu(await swarm.pid(task), readText),
          served: await numbersServed(task),
        })),
      );

    /** One measured run: counters before, the load, counters after. */
    const measure = async (round: number, row: Row, tasks: readonly RunningTask[], during?: () => Promise<void>) => {
      const replicasBefore = await readReplicas(tasks);
      const loadBefore = readProcessCpu(loadPid, readText);
      const machineBefore = readMachine();
      const t0 = performance.now();
      const sampling = during?.();
      const summary = await load(urlsOf(row.path, tasks), options.seconds);
      const wallSeconds = (performance.now() - t0) / 1000;
      const machineAfter = readMachine();
      const loadAfter = readProcessCpu(loadPid, readText);
      await sampling;
      // The autoscaled row: replicas that started during the run count from zero.
      const replicasAfter = await readReplicas(row.kind === 'autoscaled' ? await swarm.runningTasks(producer) : tasks);
      // CPU rates over the load's own duration: outside it (the load tool starting and ending inside
      // `docker exec`) the replicas are idle, and the load tool's start-up counts against it.
      const loadSeconds = summary.durationSeconds;
      const replicas: ReplicaRecord[] = replicasAfter.map((after) => {
        const before = replicasBefore.find((reading) => reading.task.containerId === after.task.containerId);
        return {
          node: after.task.node.hostname,
          cpu: cpuUse(before?.cpu, after.cpu, loadSeconds),
          numbersServed: after.served - (before?.served ?? 0),
        };
      });
      const record: RunRecord = {
        round,
        row,
        load: summary,
        wallSeconds,
        replicas,
        loadTool: cpuUse(loadBefore, loadAfter, loadSeconds),
        machine: machineUse(machineBefore, machineAfter),
        loadAverage: loadAverage(),
      };
      records.push(record);
      say(describeRun(record));
      return record;
    };

    const producersReady = async (count: number) => {
      await swarm.scale(producer, count);
      return waitFor(180, `${count} producer replicas running, healthy and in the service name's DNS`, async () => {
        const tasks = await swarm.runningTasks(producer);
        if (tasks.length !== count) return undefined;
        const healths = await Promise.all(tasks.map((task) => swarm.health(task)));
        if (!healths.every((health) => health === 'healthy')) return undefined;
        const resolved = await resolveProducer(swarm, loadTask);
        const addresses = tasks.map((task) => task.address).sort();
        return JSON.stringify(resolved) === JSON.stringify(addresses) ? tasks : undefined;
      });
    };

    for (let round = 0; round < options.rounds; round++) {
      for (const group of roundOrder(groups, round)) {
        say(`round ${round + 1}/${options.rounds}: ${describeGroup(group)}`);
        if (group.kind === 'fixed') {
          const tasks = await producersReady(group.replicas);
          if (options.warmupSeconds > 0) await load(urlsOf('tasks', tasks), options.warmupSeconds);
          for (const row of rowsOf(group)) await measure(round, row, tasks);
        } else {
          const tasks = await producersReady(1);
          // The autoscaler starts from an idle producer, as in production: nothing of the last run
          // may remain in its rate window.
          const idleFor = options.idleSeconds - (performance.now() - lastLoadEnd) / 1000;
          if (idleFor > 0) await sleep(idleFor * 1000);
          await swarm.scale(autoscaler, 1);
          await waitFor(120, 'the autoscaler healthy', async () => {
            const [task] = await swarm.runningTasks(autoscaler);
            return task && (await swarm.health(task)) === 'healthy' ? task : undefined;
          });
          const asked = await swarm.specReplicas(producer);
          if (asked !== 1) throw new Error(`the autoscaler scaled the idle producer to ${asked}`);
          const timeline: string[] = [];
          let firstScaleUpSeconds: number | null = null;
          const row = rowsOf(group)[0] as Row;
          let loadRunning = true;
          const t0 = performance.now();
          const sampleReplicas = async () => {
            while (loadRunning && performance.now() - t0 < (options.seconds + 60) * 1000) {
              const replicas = await swarm.specReplicas(producer);
              const at = (performance.now() - t0) / 1000;
              timeline.push(`${Math.round(at)}s:${replicas}`);
              if (firstScaleUpSeconds === null && replicas > 1) firstScaleUpSeconds = Math.round(at);
              await sleep(2000);
            }
          };
          const sampling = sampleReplicas();
          const record = await measure(round, row, tasks).finally(() => {
            loadRunning = false;
          });
          await sampling;
          records[records.indexOf(record)] = { ...record, scaling: { firstScaleUpSeconds, timeline } };
          say(`  replicas asked: ${timeline.join(' ')}`);
          await autoscalerOff(swarm, autoscaler);
        }
      }
    }
    printTable(records, rows, options);
    if (options.json) writeFileSync(options.json, `${JSON.stringify({ options, records }, null, 2)}\n`);
    return 0;
  } finally {
    await swarm.removeService(runner).catch(() => undefined);
  }
}

/** The service name's addresses as the load task's resolver gives them (sorted). */
async function resolveProducer(swarm: LabSwarm, loadTask: RunningTask): Promise<string[]> {
  const script =
    "require('dns').lookup('producer',{all:true},(e,a)=>console.log(JSON.stringify(e?[]:a.map(x=>x.address).sort())))";
  return JSON.parse(await swarm.exec(loadTask, ['node', '-e', script], 30_000)) as string[];
}

async function autoscalerOff(swarm: LabSwarm, autoscaler: string) {
  await swarm.scale(autoscaler, 0);
  // Gone for good: a task that is still shutting down may decide once more and undo a scale by hand.
  await waitFor(60, 'the autoscaler stopped', async () => ((await swarm.anyRunning(autoscaler)) ? undefined : true));
}

function describeGroup(group: Group): string {
  return group.kind === 'autoscaled'
    ? '1 replica with the autoscaler running'
    : `${group.replicas} replica${group.replicas > 1 ? 's' : ''}, fixed`;
}

function describeRun(record: RunRecord): string {
  const { load, replicas, loadTool } = record;
  const cpu = replicas
    .map(
      (replica) =>
        `${replica.node} ${replica.cpu.cores.toFixed(2)} (${Math.round(replica.cpu.throttledShare * 100)} % throttled, ${replica.numbersServed})`,
    )
    .join(', ');
  return (
    `  ${PATH_LABELS[record.row.path]}: ${Math.round(load.requestsPerSecond)} req/s, p50 ${load.latencyMs?.p50.toFixed(1)} ms, ` +
    `p99 ${load.latencyMs?.p99.toFixed(1)} ms, ${load.errors} errors; replicas ${cpu}; load tool ${loadTool.cores.toFixed(2)} cores; ` +
    `machine busy ${record.machine.busyCores.toFixed(2)} of ${record.machine.cpus}, load average ${record.loadAverage}`
  );
}

function printTable(records: readonly RunRecord[], rows: readonly Row[], options: Options) {
  const table = tabulate(records, rows);
  const loadAverages = records.map((record) => record.loadAverage);
  process.stdout.write(`\n${markdownTable(TABLE_HEADER, table.map(tableCells))}\n\n`);
  process.stdout.write(
    `${options.rounds} rounds, rows in a rotating order; medians over the rounds, ratio to the fewest replicas on the same path in the same round (spread: lowest–highest round). ` +
      `Each run: ${options.connections} keep-alive connections of the load tool, as fast as answered, each reopened after ${options.reconnectEvery} requests, ${options.seconds} s, ` +
      `from a task on ${options.loadNode} limited to ${options.loadCpus} CPU. CPU per replica and throttled periods: lowest–highest over the replicas and rounds (cgroup cpuacct.usage and cpu.stat). ` +
      `Load average (1 min) at the end of the runs: ${Math.min(...loadAverages)}–${Math.max(...loadAverages)}, median ${median(loadAverages)}.\n`,
  );
  for (const line of table.filter((candidate) => candidate.row.kind === 'autoscaled')) {
    process.stdout.write(
      `Autoscaled runs, seconds from the load start to the first scale-up: ${line.firstScaleUpSeconds.map((s) => s ?? 'none').join(', ')}\n`,
    );
  }
}

parseOptionsAndRun();

function parseOptionsAndRun() {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench:scale-out: ${(error as Error).message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  main(options).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench:scale-out: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = error instanceof UsageError ? EXIT_USAGE : 1;
    },
  );
}
