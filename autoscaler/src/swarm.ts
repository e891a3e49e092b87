import type Dockerode from 'dockerode';
import * as z from 'zod';
import type { ServiceObservation } from './policy';
import { placeableReplicas } from './placement';
import type { Placement, SwarmNode } from './placement';

export type { SwarmNode } from './placement';

/** One Swarm service, as much of it as the autoscaler reads. */
export interface SwarmService {
  readonly id: string;
  readonly name: string;
  /** Version.Index: a service update must name it, so that two writers cannot overwrite each other. */
  readonly version: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Spec replicas; undefined for a global service. */
  readonly replicas: number | undefined;
  readonly placement: Placement;
  /** UpdateStatus.State, e.g. updating, rollback_started, completed */
  readonly updateState: string | undefined;
  /** The whole spec, sent back unchanged apart from the replica count. */
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface SwarmTask {
  readonly id: string;
  readonly serviceId: string;
  readonly state: string;
  readonly desiredState: string;
}

/** The Docker API calls the autoscaler makes; tests pass fakes. */
export interface SwarmApi {
  listServices(signal?: AbortSignal): Promise<SwarmService[]>;
  listTasks(serviceId: string, signal?: AbortSignal): Promise<SwarmTask[]>;
  listNodes(signal?: AbortSignal): Promise<SwarmNode[]>;
  /** `docker service scale`: the same spec with another replica count, at the version read. */
  scale(service: SwarmService, replicas: number, signal?: AbortSignal): Promise<void>;
}

const Labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((labels) => labels ?? {});

const ServiceSchema = z.object({
  ID: z.string(),
  Version: z.object({ Index: z.number() }),
  Spec: z.looseObject({
    Name: z.string(),
    Labels,
    Mode: z.looseObject({ Replicated: z.looseObject({ Replicas: z.number().optional() }).optional() }).optional(),
    TaskTemplate: z
      .looseObject({
        Placement: z
          .looseObject({
            Constraints: z.array(z.string()).nullish(),
            Platforms: z
              .array(z.looseObject({ OS: z.string().optional(), Architecture: z.string().optional() }))
              .nullish(),
            MaxReplicas: z.number().optional(),
          })
          .optional(),
      })
      .optional(),
  }),
  UpdateStatus: z.looseObject({ State: z.string().optional() }).nullish(),
});

const TaskSchema = z.object({
  ID: z.string(),
  ServiceID: z.string(),
  Status: z.looseObject({ State: z.string() }),
  DesiredState: z.string(),
});

const NodeSchema = z.object({
  ID: z.string(),
  Spec: z.looseObject({ Role: z.string().optional(), Availability: z.string().optional(), Labels }),
  Description: z
    .looseObject({
      Hostname: z.string().optional(),
      Platform: z.looseObject({ OS: z.string().optional(), Architecture: z.string().optional() }).optional(),
      Engine: z.looseObject({ Labels }).optional(),
    })
    .optional(),
  Status: z.looseObject({ State: z.string().optional() }).optional(),
});

export function toSwarmService(raw: unknown): SwarmService {
  const service = ServiceSchema.parse(raw);
  const placement = service.Spec.TaskTemplate?.Placement;
  return {
    id: service.ID,
    name: service.Spec.Name,
    version: service.Version.Index,
    labels: service.Spec.Labels,
    replicas: service.Spec.Mode?.Replicated ? (service.Spec.Mode.Replicated.Replicas ?? 1) : undefined,
    placement: {
      constraints: placement?.Constraints ?? [],
      platforms: (placement?.Platforms ?? []).map((p) => ({ os: p.OS ?? '', arch: p.Architecture ?? '' })),
      maxReplicasPerNode: placement?.MaxReplicas ?? 0,
    },
    updateState: service.UpdateStatus?.State,
    spec: (raw as { Spec: Record<string, unknown> }).Spec,
  };
}

export function toSwarmTask(raw: unknown): SwarmTask {
  const task = TaskSchema.parse(raw);
  return { id: task.ID, serviceId: task.ServiceID, state: task.Status.State, desiredState: task.DesiredState };
}

export function toSwarmNode(raw: unknown): SwarmNode {
  const node = NodeSchema.parse(raw);
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? '',
    role: node.Spec.Role ?? '',
    state: node.Status?.State ?? 'unknown',
    availability: node.Spec.Availability ?? 'active',
    os: node.Description?.Platform?.OS ?? '',
    arch: node.Description?.Platform?.Architecture ?? '',
    labels: node.Spec.Labels,
    engineLabels: node.Description?.Engine?.Labels ?? {},
  };
}

/** Task states on the way to running (docker service ps shows "Starting" while a health check has not passed). */
const STARTING_STATES = new Set([
  'new',
  'allocated',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
]);

/** Updates in progress, during which the autoscaler leaves the service alone. */
const UPDATING_STATES: Readonly<Record<string, string>> = { updating: 'update', rollback_started: 'rollback' };

/**
 * The numbers the policy needs: spec replicas, tasks that serve (running: Swarm holds a task with a
 * health check in "starting" until it is healthy), tasks that are starting, and what the nodes can place.
 */
export function observeService(
  service: SwarmService,
  tasks: readonly SwarmTask[],
  nodes: readonly SwarmNode[],
): ServiceObservation {
  const wanted = tasks.filter((task) => task.serviceId === service.id && task.desiredState === 'running');
  const updating = service.updateState ? UPDATING_STATES[service.updateState] : undefined;
  return {
    current: service.replicas ?? 0,
    ready: wanted.filter((task) => task.state === 'running').length,
    starting: wanted.filter((task) => STARTING_STATES.has(task.state)).length,
    placeable: placeableReplicas(nodes, service.placement),
    ...(updating && { updating }),
  };
}

/** The Docker Engine API through dockerode (docs/autoscaling.md says why this library). */
export function createDockerSwarmApi(docker: Dockerode, { autoscaleLabel }: { autoscaleLabel: string }): SwarmApi {
  return {
    async listServices(signal) {
      const services = await docker.listServices({
        filters: { label: [autoscaleLabel] },
        ...(signal && { abortSignal: signal }),
      });
      return services.map(toSwarmService);
    },
    async listTasks(serviceId, signal) {
      const tasks: unknown[] = await docker.listTasks({
        filters: { service: [serviceId], 'desired-state': ['running'] },
        ...(signal && { abortSignal: signal }),
      });
      return tasks.map(toSwarmTask);
    },
    async listNodes(signal) {
      const nodes: unknown[] = await docker.listNodes({ ...(signal && { abortSignal: signal }) });
      return nodes.map(toSwarmNode);
    },
    async scale(service, replicas, signal) {
      const spec = { ...service.spec, Mode: { Replicated: { Replicas: replicas } } };
      // docker-modem: `_query` goes into the query string, `_body` is the JSON body (the whole spec).
      await docker.getService(service.id).update({
        _query: { version: service.version },
        _body: spec,
        ...(signal && { abortSignal: signal }),
      });
    },
  };
}

/** A Docker API failure in words: the socket missing or forbidden, or the engine's own message. */
export function describeDockerError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const address = (error as { address?: unknown }).address;
  const where = typeof address === 'string' ? ` (${address})` : '';
  if (code === 'ENOENT') return `no Docker socket${where}; mount /var/run/docker.sock into the container`;
  if (code === 'EACCES') return `permission denied on the Docker socket${where}; run as a user that may use it`;
  if (code === 'ECONNREFUSED') return `the Docker socket refused the connection${where}`;
  const status = (error as { statusCode?: unknown }).statusCode;
  const json = (error as { json?: { message?: unknown } }).json;
  const message =
    typeof json?.message === 'string' ? json.message : error instanceof Error ? error.message : String(error);
  if (status === 503) return `${message} (this engine is not a Swarm manager: run the autoscaler on a manager)`;
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}
