// The few things the bench asks of a swarm, through the docker CLI: scale a service, list its running
// tasks (node, container, address on the stack network), and run a command in a task's container.
// Each node has its own engine (the lab's namespace nodes: one socket per node), so a container is
// asked about on the node that runs it.
import { execFile } from 'node:child_process';

/** Runs `docker ARGS` against the engine at `host` (a DOCKER_HOST value); resolves with stdout. */
export type RunDocker = (host: string, args: readonly string[], timeoutMs?: number) => Promise<string>;

export const runDockerCli: RunDocker = (host, args, timeoutMs = 60_000) =>
  new Promise((resolve, reject) => {
    execFile(
      'docker',
      [...args],
      { env: { ...process.env, DOCKER_HOST: host }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });

export interface SwarmNode {
  readonly id: string;
  readonly hostname: string;
  /** The node's own address, where its host-mode ports answer. */
  readonly address: string;
}

export interface RunningTask {
  readonly id: string;
  readonly node: SwarmNode;
  readonly containerId: string;
  /** The task's address on the stack network: what the service name resolves to with dnsrr. */
  readonly address: string;
}

/** `docker node inspect` output → nodes. */
export function parseNodes(inspectJson: string): SwarmNode[] {
  const nodes = JSON.parse(inspectJson) as {
    ID: string;
    Description: { Hostname: string };
    Status: { Addr: string };
  }[];
  return nodes.map((node) => ({ id: node.ID, hostname: node.Description.Hostname, address: node.Status.Addr }));
}

interface TaskInspect {
  ID: string;
  NodeID: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses?: string[] }[];
}

/** `docker inspect <task ids>` output → the tasks that run, with their container and their address on `network`. */
export function parseRunningTasks(inspectJson: string, network: string, nodes: readonly SwarmNode[]): RunningTask[] {
  const tasks = JSON.parse(inspectJson) as TaskInspect[];
  return tasks.flatMap((task) => {
    const node = nodes.find((candidate) => candidate.id === task.NodeID);
    const containerId = task.Status.ContainerStatus?.ContainerID;
    const cidr = task.NetworksAttachments?.find((attachment) => attachment.Network.Spec.Name === network)
      ?.Addresses?.[0];
    if (task.Status.State !== 'running' || !node || !containerId || !cidr) return [];
    return [{ id: task.ID, node, containerId, address: cidr.split('/')[0] as string }];
  });
}

export interface LabSwarm {
  readonly nodes: readonly SwarmNode[];
  runningTasks(service: string): Promise<RunningTask[]>;
  /** Whether any task of the service is still running, including tasks being shut down. */
  anyRunning(service: string): Promise<boolean>;
  /** The replica count asked for (the service spec), not the running count. */
  specReplicas(service: string): Promise<number>;
  scale(service: string, replicas: number): Promise<void>;
  /** Docker's view of the container's health check: healthy, starting, unhealthy, or none. */
  health(task: RunningTask): Promise<string>;
  /** The container's main process id, as this machine sees it (the lab's nodes share its pid namespace). */
  pid(task: RunningTask): Promise<number>;
  exec(task: RunningTask, command: readonly string[], timeoutMs: number): Promise<string>;
  createService(args: readonly string[]): Promise<void>;
  removeService(service: string): Promise<void>;
}

export interface LabSwarmOptions {
  readonly docker: RunDocker;
  /** DOCKER_HOST of a manager. */
  readonly manager: string;
  /** DOCKER_HOST of the engine of the node with this hostname. */
  readonly engineOf: (hostname: string) => string;
  /** The stack network's full name (`<stack>_fogpair`). */
  readonly network: string;
}

export async function createLabSwarm({ docker, manager, engineOf, network }: LabSwarmOptions): Promise<LabSwarm> {
  const ids = (await docker(manager, ['node', 'ls', '-q'])).split('\n').filter(Boolean);
  const nodes = parseNodes(await docker(manager, ['node', 'inspect', ...ids]));
  const onNode = (task: RunningTask, args: readonly string[], timeoutMs?: number) =>
    docker(engineOf(task.node.hostname), args, timeoutMs);
  return {
    nodes,
    async runningTasks(service) {
      const taskIds = (
        await docker(manager, ['service', 'ps', '-q', '--no-trunc', '-f', 'desired-state=running', service])
      )
        .split('\n')
        .filter(Boolean);
      if (taskIds.length === 0) return [];
      return parseRunningTasks(await docker(manager, ['inspect', ...taskIds]), network, nodes);
    },
    async anyRunning(service) {
      const states = await docker(manager, ['service', 'ps', '--format', '{{.CurrentState}}', service]);
      return states.split('\n').some((state) => state.startsWith('Running'));
    },
    async specReplicas(service) {
      const text = await docker(manager, ['service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', service]);
      return Number(text.trim());
    },
    async scale(service, replicas) {
      await docker(manager, ['service', 'scale', '--detach', `${service}=${replicas}`]);
    },
    async health(task) {
      const text = await onNode(task, [
        'inspect',
        '-f',
        '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
        task.containerId,
      ]);
      return text.trim();
    },
    async pid(task) {
      return Number((await onNode(task, ['inspect', '-f', '{{.State.Pid}}', task.containerId])).trim());
    },
    exec: (task, command, timeoutMs) => onNode(task, ['exec', task.containerId, ...command], timeoutMs),
    async createService(args) {
      await docker(manager, ['service', 'create', '--detach', '--quiet', ...args]);
    },
    async removeService(service) {
      await docker(manager, ['service', 'rm', service]);
    },
  };
}
