import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { createPrometheusClient, requestsPerSecondQuery, targetsUpQuery } from '../../autoscaler/src/prometheus';
import { FakeDockerApi, THREE_NODES, networkJson, serviceJson, taskJson } from '../support/fake-docker-api';
import { itWithTool } from '../support/prometheus-tools';
import { ProcessPool, ROOT, freePort } from '../support/service-process';
import type { ServiceProcess } from '../support/service-process';

// prometheus/prometheus.yml, the Swarm config of swarm-autoscale.yml: read as YAML, checked by
// Prometheus 3's own promtool, and run in a real Prometheus 3 against a fake Docker API whose tasks are
// real producer, consumer and autoscaler processes, so that its relabelling is tested together with the
// queries the autoscaler sends.
const CONFIG_PATH = join(ROOT, 'prometheus', 'prometheus.yml');
const configText = readFileSync(CONFIG_PATH, 'utf8');

const RelabelRule = z.looseObject({
  source_labels: z.array(z.string()).optional(),
  target_label: z.string().optional(),
  regex: z.string().optional(),
  action: z.string().optional(),
});
const PrometheusConfig = z.looseObject({
  global: z.looseObject({ scrape_interval: z.string(), scrape_timeout: z.string() }),
  scrape_configs: z.array(
    z.looseObject({
      job_name: z.string(),
      dockerswarm_sd_configs: z
        .array(z.looseObject({ host: z.string(), role: z.string(), refresh_interval: z.string().optional() }))
        .optional(),
      static_configs: z.array(z.looseObject({ targets: z.array(z.string()) })).optional(),
      relabel_configs: z.array(RelabelRule).optional(),
    }),
  ),
});
type PrometheusConfig = z.infer<typeof PrometheusConfig>;
const config = PrometheusConfig.parse(parse(configText));
const swarmJob = config.scrape_configs.find((job) => job.dockerswarm_sd_configs !== undefined);

/** "5s" → 5, "1m" → 60 (the forms this file uses). */
function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('prometheus/prometheus.yml', () => {
  const promtool = itWithTool('promtool');

  promtool.it('passes promtool check config (Prometheus 3.5 or newer)', () => {
    const output = execFileSync(promtool.tool().path, ['check', 'config', CONFIG_PATH], { encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
  });

  it('finds its targets through the Swarm API only: one discovery job, no address but its own', () => {
    expect(swarmJob?.dockerswarm_sd_configs).toEqual([
      { host: 'unix:///var/run/docker.sock', role: 'tasks', refresh_interval: '5s' },
    ]);
    const statics = config.scrape_configs.flatMap((job) => job.static_configs ?? []).flatMap((s) => s.targets);
    expect(statics).toEqual(['localhost:9090']);
  });

  it('sees a new task within seconds: discovery and scrapes every 5 s, a scrape ends before the next', () => {
    expect(seconds(swarmJob?.dockerswarm_sd_configs?.[0]?.refresh_interval ?? '30s')).toBeLessThanOrEqual(10);
    expect(seconds(config.global.scrape_interval)).toBeLessThanOrEqual(10);
    expect(seconds(config.global.scrape_timeout)).toBeLessThan(seconds(config.global.scrape_interval));
  });

  // Prometheus 3.8 added `storage: tsdb: retention:` to the file and deprecated the retention flags;
  // 3.5, which this stack runs, rejects the block, so the retention stays in swarm-autoscale.yml's flags.
  promtool.it('keeps the retention out of the file while it must load on Prometheus 3.5', () => {
    expect(parse(configText)).not.toHaveProperty('storage');
    const tool = promtool.tool();
    if (tool.major > 3 || tool.minor >= 8) return; // a newer promtool reads the block: nothing to show
    const dir = mkdtempSync(join(tmpdir(), 'fogpair-promcfg-'));
    try {
      const withBlock = join(dir, 'prometheus.yml');
      writeFileSync(withBlock, `${configText}\nstorage:\n  tsdb:\n    retention:\n      time: 7d\n`);
      const run = spawnSync(tool.path, ['check', 'config', withBlock], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(`${run.stdout}${run.stderr}`).toMatch(/field retention not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A real Prometheus with this file (the Docker host pointed at a fake Docker API, nothing else changed)

const STACK = 'fogpairtest';
const pool = new ProcessPool();
const dockers: FakeDockerApi[] = [];
let prometheusDir: string | undefined;
const servers: Server[] = [];

afterAll(async () => {
  await pool.stopAll();
  await Promise.all(dockers.map((docker) => docker.close()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (prometheusDir) rmSync(prometheusDir, { recursive: true, force: true });
});

interface Target {
  labels: Record<string, string>;
  scrapePool: string;
  health: string;
  lastError: string;
}

/** A task on the stack network at 127.0.0.1, of a service whose metrics label names `port`. */
function scrapedService(name: string, id: string, port: number, labels: Record<string, string> = {}) {
  return {
    service: serviceJson({
      id,
      name: `${STACK}_${name}`,
      labels: { 'com.docker.stack.namespace': STACK, 'fogpair.metrics.port': String(port), ...labels },
    }),
    task: taskJson(`t${id}`, 'running', {
      serviceId: id,
      networks: [{ id: 'n3tfogpair', name: `${STACK}_fogpair`, address: '127.0.0.1/8' }],
    }),
  };
}

/** Serves `text` on every path, with the Content-Type header `contentType` (none when undefined). */
async function metricsServer(text: string, contentType: string | undefined): Promise<number> {
  const server = createServer((_request, response) => {
    if (contentType !== undefined) response.setHeader('Content-Type', contentType);
    response.end(text);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function startPrometheus(prometheusPath: string, dockerUrl: string, port: number): ServiceProcess {
  const raw = parse(configText) as { scrape_configs: { dockerswarm_sd_configs?: { host: string }[] }[] };
  for (const job of raw.scrape_configs) for (const sd of job.dockerswarm_sd_configs ?? []) sd.host = dockerUrl;
  prometheusDir = mkdtempSync(join(tmpdir(), 'fogpair-prometheus-'));
  const file = join(prometheusDir, 'prometheus.yml');
  writeFileSync(file, stringify(raw));
  return pool.spawn({
    name: 'prometheus',
    command: prometheusPath,
    args: [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(prometheusDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
  });
}

async function until<T>(description: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${description} (${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('prometheus/prometheus.yml in a real Prometheus, with the autoscaler’s queries', () => {
  const prometheus = itWithTool('prometheus');

  prometheus.it(
    'scrapes the producer, consumer and autoscaler it discovers, labelled as the autoscaler asks for them',
    async () => {
      // The three services as real processes, their status ports chosen by the OS.
      const producer = pool.start('producer', { PORT: '0', HOST: '127.0.0.1' });
      const consumerStatus = await freePort();
      const producerPort = await producer.loggedPort();
      const consumer = pool.start('consumer', {
        PRODUCER_URL: `http://127.0.0.1:${producerPort}/number`,
        STATUS_PORT: String(consumerStatus),
        STATUS_HOST: '127.0.0.1',
      });
      const autoscalerDocker = new FakeDockerApi({ services: [], tasks: [], nodes: THREE_NODES });
      dockers.push(autoscalerDocker);
      await autoscalerDocker.listen();
      const prometheusPort = await freePort();
      const autoscalerStatus = await freePort();
      const autoscaler = pool.start('autoscaler', {
        DOCKER_SOCKET: autoscalerDocker.socketPath,
        PROMETHEUS_URL: `http://127.0.0.1:${prometheusPort}`,
        STATUS_PORT: String(autoscalerStatus),
        STATUS_HOST: '127.0.0.1',
      });
      await consumer.waitForConnections(consumerStatus);
      await autoscaler.waitForConnections(autoscalerStatus);

      // What Prometheus 3 fails: a target that names no Content-Type (2.x parsed it as text).
      const untyped = await metricsServer('# TYPE untyped_total counter\nuntyped_total 1\n', undefined);

      const scraped = [
        scrapedService('producer', 'sprod', producerPort, {
          'fogpair.autoscale.enable': 'true',
          'fogpair.autoscale.max': '3',
          'fogpair.autoscale.target-rps': '150',
        }),
        scrapedService('consumer', 'scons', consumerStatus),
        scrapedService('autoscaler', 'sauto', autoscalerStatus),
        scrapedService('untyped', 'suntyped', untyped),
      ];
      const unlabelled = serviceJson({ id: 'snolabel', name: `${STACK}_quiet`, labels: {} });
      const docker = new FakeDockerApi({
        services: [...scraped.map((s) => s.service), unlabelled],
        tasks: [
          ...scraped.map((s) => s.task),
          // not scraped: a task being stopped, a service without the metrics label, an address on ingress only
          taskJson('tstopping', 'running', {
            serviceId: 'sprod',
            desiredState: 'shutdown',
            slot: 2,
            networks: [{ id: 'n3tfogpair', name: `${STACK}_fogpair`, address: '127.0.0.2/8' }],
          }),
          taskJson('tquiet', 'running', {
            serviceId: 'snolabel',
            networks: [{ id: 'n3tfogpair', name: `${STACK}_fogpair`, address: '127.0.0.3/8' }],
          }),
          taskJson('tingress', 'running', {
            serviceId: 'scons',
            slot: 2,
            networks: [{ id: 'n3tingress', name: 'ingress', address: '127.0.0.4/8' }],
          }),
        ],
        nodes: THREE_NODES,
        networks: [
          networkJson({ id: 'n3tfogpair', name: `${STACK}_fogpair` }),
          networkJson({ id: 'n3tingress', name: 'ingress', ingress: true }),
        ],
      });
      dockers.push(docker);
      const dockerUrl = await docker.listenTcp();
      const server = startPrometheus(prometheus.tool().path, dockerUrl, prometheusPort);
      const base = `http://127.0.0.1:${prometheusPort}`;
      await server.waitForConnections(prometheusPort, 30_000);

      // Every discovered target has been scraped once (health is "unknown" before).
      const targets = await until('a scrape of every discovered target', async () => {
        const answer = (await (await fetch(`${base}/api/v1/targets?state=active`)).json()) as {
          data: { activeTargets: Target[] };
        };
        const swarm = answer.data.activeTargets.filter((target) => target.scrapePool === swarmJob?.job_name);
        return swarm.length === 4 && swarm.every((target) => target.health !== 'unknown') ? swarm : undefined;
      });

      const byJob: Record<string, Target> = Object.fromEntries(
        targets.map((target) => [target.labels.job ?? '', target]),
      );
      expect(Object.keys(byJob).sort()).toEqual(['autoscaler', 'consumer', 'producer', 'untyped']);
      for (const [job, port] of [
        ['producer', producerPort],
        ['consumer', consumerStatus],
        ['autoscaler', autoscalerStatus],
      ] as const) {
        // up, with no error: Prometheus 3 accepted the Content-Type of this /metrics
        expect({ job, health: byJob[job]?.health, lastError: byJob[job]?.lastError }).toEqual({
          job,
          health: 'up',
          lastError: '',
        });
        expect(byJob[job]?.labels).toMatchObject({
          instance: `127.0.0.1:${port}`,
          swarm_service: `${STACK}_${job}`,
          swarm_task_slot: '1',
          swarm_node: 'pi1',
        });
      }
      expect(byJob.untyped?.health).toBe('down');
      expect(byJob.untyped?.lastError).toContain('non-compliant scrape target sending blank Content-Type');

      // The autoscaler's own queries find the producer by the labels the relabelling gave it.
      const client = createPrometheusClient({ baseUrl: base, timeoutMs: 5000 });
      const service = `${STACK}_producer`;
      expect(await client.scalar(targetsUpQuery(service))).toEqual({ ok: true, value: 1 });
      for (let i = 0; i < 50; i += 1) await fetch(`http://127.0.0.1:${producerPort}/number`);
      const rate = await until('a request rate over two scrapes', async () => {
        const sample = await client.scalar(requestsPerSecondQuery('fogpair_producer_requests_total', service, '1m'));
        return sample.ok && sample.value > 0 ? sample.value : undefined;
      });
      expect(rate).toBeGreaterThan(0);
    },
    120_000,
  );
});
