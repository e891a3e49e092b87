/**
 * Docker Engine API answers shaped as Engine 26 (API 1.45) sends them, trimmed to a readable size but
 * keeping the fields around the ones the autoscaler and Prometheus's Swarm discovery read, and a fake
 * Docker API server on a unix socket or on a loopback TCP port.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServiceOptions {
  id?: string;
  name?: string;
  version?: number;
  replicas?: number;
  labels?: Record<string, string>;
  constraints?: string[];
  maxReplicas?: number;
  updateState?: string;
}

export function serviceJson({
  id = 'q3m9x0producer',
  name = 'fogpair_producer',
  version = 41,
  replicas = 1,
  labels = {
    'com.docker.stack.image': '127.0.0.1:5001/fogpair-producer:latest',
    'com.docker.stack.namespace': 'fogpair',
    'fogpair.autoscale.enable': 'true',
    'fogpair.autoscale.min': '1',
    'fogpair.autoscale.max': '3',
    'fogpair.autoscale.target-rps': '150',
    'fogpair.metrics.port': '5000',
  },
  constraints = ['node.platform.arch == x86_64'],
  maxReplicas = 1,
  updateState,
}: ServiceOptions = {}) {
  return {
    ID: id,
    Version: { Index: version },
    CreatedAt: '2026-12-01T17:50:01.123456789Z',
    UpdatedAt: '2026-12-01T17:52:11.987654321Z',
    Spec: {
      Name: name,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image:
            '127.0.0.1:5001/fogpair-producer:latest@sha256:4f1c0d0a6a3c2f9e8b7d6c5b4a39281706f5e4d3c2b1a0918273645546372819',
          Labels: { 'com.docker.stack.namespace': 'fogpair' },
          Env: ['LOG_FORMAT=pretty', 'LOG_LEVEL=info'],
          Init: true,
          StopGracePeriod: 10_000_000_000,
          Healthcheck: {
            Test: ['CMD', 'wget', '-q', '-O', '/dev/null', '-T', '4', 'http://127.0.0.1:5000/readyz'],
            Interval: 10_000_000_000,
            Timeout: 5_000_000_000,
            StartPeriod: 30_000_000_000,
            Retries: 3,
          },
          DNSConfig: {},
          Isolation: 'default',
        },
        Resources: {
          Limits: { NanoCPUs: 500_000_000, MemoryBytes: 134_217_728 },
          Reservations: { NanoCPUs: 100_000_000, MemoryBytes: 67_108_864 },
        },
        RestartPolicy: { Condition: 'any', Delay: 5_000_000_000, MaxAttempts: 5, Window: 120_000_000_000 },
        Placement: {
          Constraints: constraints,
          ...(maxReplicas > 0 && { MaxReplicas: maxReplicas }),
          Platforms: [
            { Architecture: 'amd64', OS: 'linux' },
            { Architecture: 'arm64', OS: 'linux' },
          ],
        },
        Networks: [{ Target: 'n1etw0rk', Aliases: ['producer'] }],
        ForceUpdate: 0,
        Runtime: 'container',
      },
      Mode: { Replicated: { Replicas: replicas } },
      UpdateConfig: {
        Parallelism: 1,
        Delay: 5_000_000_000,
        FailureAction: 'rollback',
        Monitor: 15_000_000_000,
        MaxFailureRatio: 0,
        Order: 'start-first',
      },
      EndpointSpec: {
        Mode: 'vip',
        Ports: [{ Protocol: 'tcp', TargetPort: 5000, PublishedPort: 5000, PublishMode: 'ingress' }],
      },
    },
    Endpoint: { Spec: { Mode: 'vip' }, VirtualIPs: [{ NetworkID: 'n1etw0rk', Addr: '10.0.1.5/24' }] },
    ...(updateState && {
      UpdateStatus: { State: updateState, StartedAt: '2026-12-01T17:52:11Z', Message: 'update in progress' },
    }),
  };
}

export interface TaskOptions {
  serviceId?: string;
  desiredState?: string;
  slot?: number;
  /** The networks the task is attached to, with its address in each (CIDR, as the engine writes it). */
  networks?: { id: string; name: string; address: string }[];
}

export function taskJson(
  id: string,
  state: string,
  {
    serviceId = 'q3m9x0producer',
    desiredState = 'running',
    slot = 1,
    networks = [{ id: 'n1etw0rk', name: 'fogpair_fogpair', address: '10.0.1.7/24' }],
  }: TaskOptions = {},
) {
  return {
    ID: id,
    Version: { Index: 57 },
    Labels: {},
    Spec: { ContainerSpec: { Image: '127.0.0.1:5001/fogpair-producer:latest' } },
    ServiceID: serviceId,
    Slot: slot,
    NodeID: 'n0de1',
    Status: {
      Timestamp: '2026-12-01T17:52:20.5Z',
      State: state,
      Message: state === 'running' ? 'started' : state,
      ...(state === 'running' && { ContainerStatus: { ContainerID: `c0ntainer${id}`, PID: 4242, ExitCode: 0 } }),
    },
    DesiredState: desiredState,
    NetworksAttachments: networks.map(({ id: networkId, name, address }) => ({
      Network: { ID: networkId, Spec: { Name: name, Labels: {}, Scope: 'swarm' } },
      Addresses: [address],
    })),
  };
}

/** One entry of `GET /networks`. */
export function networkJson({ id, name, ingress = false }: { id: string; name: string; ingress?: boolean }) {
  return {
    Name: name,
    Id: id,
    Created: '2026-12-01T17:50:00.1Z',
    Scope: 'swarm',
    Driver: 'overlay',
    EnableIPv6: false,
    Internal: false,
    Attachable: false,
    Ingress: ingress,
    Labels: { 'com.docker.stack.namespace': 'fogpair' },
  };
}

export interface NodeOptions {
  id: string;
  hostname: string;
  role?: 'manager' | 'worker';
  state?: string;
  availability?: string;
  arch?: string;
  labels?: Record<string, string>;
}

export function nodeJson({
  id,
  hostname,
  role = 'worker',
  state = 'ready',
  availability = 'active',
  arch = 'x86_64',
  labels = {},
}: NodeOptions) {
  return {
    ID: id,
    Version: { Index: 9 },
    Spec: { Labels: labels, Role: role, Availability: availability },
    Description: {
      Hostname: hostname,
      Platform: { Architecture: arch, OS: 'linux' },
      Resources: { NanoCPUs: 2_000_000_000, MemoryBytes: 4_123_456_789 },
      Engine: { EngineVersion: '26.1.5', Labels: { storage: 'sd' }, Plugins: [] },
    },
    Status: { State: state, Addr: '10.213.0.11' },
    ...(role === 'manager' && { ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.213.0.11:2377' } }),
  };
}

export const THREE_NODES = [
  nodeJson({ id: 'n0de1', hostname: 'pi1', role: 'manager' }),
  nodeJson({ id: 'n0de2', hostname: 'pi2' }),
  nodeJson({ id: 'n0de3', hostname: 'pi3' }),
];

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** The status the fake answered with. */
  status: number;
}

export interface FakeDockerState {
  services: ReturnType<typeof serviceJson>[];
  tasks: ReturnType<typeof taskJson>[];
  nodes: ReturnType<typeof nodeJson>[];
  networks?: ReturnType<typeof networkJson>[];
}

/** The calls the autoscaler makes, by what they do. */
export type DockerCall = 'services' | 'tasks' | 'nodes' | 'update';

export interface DockerFault {
  status: number;
  message: string;
}

/**
 * A Docker Engine API on a unix socket in a temporary folder (or, with `listenTcp`, on a loopback
 * port), answering the calls the autoscaler and Prometheus's Swarm discovery make from `state`, and
 * applying service updates to it (version check included), as the engine does: the service's running
 * tasks then number its new replica count. A call with a fault set is answered with that status and
 * message instead, until the fault is deleted.
 */
export class FakeDockerApi {
  readonly requests: RecordedRequest[] = [];
  readonly faults: { [call in DockerCall]?: DockerFault | undefined } = {};
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;

  constructor(readonly state: FakeDockerState) {
    this.dir = mkdtempSync(join(tmpdir(), 'fogpair-docker-'));
    this.socketPath = join(this.dir, 'docker.sock');
    this.server = createServer((request, response) => {
      void readBody(request).then((text) => {
        const url = new URL(request.url ?? '/', 'http://docker');
        // The client may prefix a version (/v1.45/services); the engine accepts both.
        const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
        const body: unknown = text ? JSON.parse(text) : undefined;
        const [status, answer] = this.answer(request.method ?? 'GET', path, url.searchParams, body);
        this.requests.push({ method: request.method ?? 'GET', path, query: url.searchParams, body, status });
        const json = request.method === 'HEAD' ? undefined : JSON.stringify(answer);
        response.writeHead(status, { 'Content-Type': 'application/json', 'Api-Version': '1.45' });
        response.end(json);
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  /** Listens on 127.0.0.1 instead of the socket; resolves with the address (`http://127.0.0.1:port`). */
  listenTcp(): Promise<string> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => {
        rmSync(this.dir, { recursive: true, force: true });
        resolve();
      });
    });
  }

  updates(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/update'));
  }

  private answer(method: string, path: string, query: URLSearchParams, body: unknown): [number, unknown] {
    const filters = JSON.parse(query.get('filters') ?? '{}') as Record<string, string[] | Record<string, boolean>>;
    const values = (key: string): string[] => {
      const filter = filters[key];
      return Array.isArray(filter) ? filter : filter ? Object.keys(filter) : [];
    };
    const call = callOf(method, path);
    const fault = call && this.faults[call];
    if (fault) return [fault.status, { message: fault.message }];
    if (method === 'GET' && path === '/services') {
      const labels = values('label');
      return [
        200,
        this.state.services.filter((service) => labels.every((label) => matchesLabel(service.Spec.Labels, label))),
      ];
    }
    if (method === 'GET' && path === '/tasks') {
      const services = values('service');
      const desired = values('desired-state');
      return [
        200,
        this.state.tasks.filter(
          (task) =>
            (services.length === 0 || services.includes(task.ServiceID)) &&
            (desired.length === 0 || desired.includes(task.DesiredState)),
        ),
      ];
    }
    if (method === 'GET' && path === '/nodes') return [200, this.state.nodes];
    if (method === 'GET' && path === '/networks') return [200, this.state.networks ?? []];
    // Clients ask first which API version the engine speaks (the Api-Version header).
    if ((method === 'GET' || method === 'HEAD') && path === '/_ping') return [200, 'OK'];
    const update = /^\/services\/([^/]+)\/update$/.exec(path);
    if (method === 'POST' && update) {
      const service = this.state.services.find((candidate) => candidate.ID === update[1]);
      if (!service) return [404, { message: `service ${update[1] ?? ''} not found` }];
      if (Number(query.get('version')) !== service.Version.Index) {
        return [500, { message: 'rpc error: code = Unknown desc = update out of sequence' }];
      }
      service.Spec = body as typeof service.Spec;
      service.Version = { Index: service.Version.Index + 1 };
      const replicas = (service.Spec.Mode as { Replicated?: { Replicas?: number } }).Replicated?.Replicas;
      if (replicas !== undefined) {
        this.state.tasks = [
          ...this.state.tasks.filter((task) => task.ServiceID !== service.ID),
          ...runningTasks(service.ID, replicas),
        ];
      }
      return [200, { Warnings: null }];
    }
    return [404, { message: `page not found: ${method} ${path}` }];
  }
}

function callOf(method: string, path: string): DockerCall | undefined {
  if (method === 'GET' && path === '/services') return 'services';
  if (method === 'GET' && path === '/tasks') return 'tasks';
  if (method === 'GET' && path === '/nodes') return 'nodes';
  if (method === 'POST' && /^\/services\/[^/]+\/update$/.test(path)) return 'update';
  return undefined;
}

/** `replicas` tasks of the service, all running, in slots 1…replicas. */
export function runningTasks(serviceId: string, replicas: number): ReturnType<typeof taskJson>[] {
  return Array.from({ length: replicas }, (_, index) =>
    taskJson(`${serviceId}-t${index + 1}`, 'running', { serviceId, slot: index + 1 }),
  );
}

function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const [key, value] = filter.split('=', 2) as [string, string | undefined];
  return value === undefined ? key in labels : labels[key] === value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
  });
}
