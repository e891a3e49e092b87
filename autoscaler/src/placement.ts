/**
 * Which nodes may run a service's tasks: Swarm's own rules (node ready and active, placement
 * constraints, the image's platforms), so that the autoscaler never asks for replicas that would stay
 * Pending. Resource reservations are not counted (docs/autoscaling.md, "Limits").
 */

export interface SwarmNode {
  readonly id: string;
  readonly hostname: string;
  readonly role: string;
  /** Status.State: ready, down, unknown, disconnected */
  readonly state: string;
  /** Spec.Availability: active, pause, drain */
  readonly availability: string;
  readonly os: string;
  /** As the node reports it: x86_64, aarch64, … */
  readonly arch: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly engineLabels: Readonly<Record<string, string>>;
}

export interface Platform {
  readonly os: string;
  readonly arch: string;
}

export interface Placement {
  readonly constraints: readonly string[];
  /** Empty: any platform. */
  readonly platforms: readonly Platform[];
  /** 0: unlimited. */
  readonly maxReplicasPerNode: number;
}

interface Constraint {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

/** `node.labels.disk == ssd`, `node.role!=manager`; undefined when the expression is not one Swarm accepts. */
export function parseConstraint(expression: string): Constraint | undefined {
  const match = /^\s*([\w.-]+)\s*(==|!=)\s*(.*?)\s*$/.exec(expression);
  if (!match?.[1] || !match[2] || match[3] === undefined) return undefined;
  return { key: match[1], equal: match[2] === '==', value: match[3] };
}

/** The node's value for a constraint key; undefined when the node has no such attribute or label. */
function attribute(node: SwarmNode, key: string): string | undefined {
  const lower = key.toLowerCase();
  if (lower === 'node.id') return node.id;
  if (lower === 'node.hostname') return node.hostname;
  if (lower === 'node.role') return node.role;
  if (lower === 'node.platform.os') return node.os;
  if (lower === 'node.platform.arch') return node.arch;
  if (lower.startsWith('node.labels.')) return node.labels[key.slice('node.labels.'.length)];
  if (lower.startsWith('engine.labels.')) return node.engineLabels[key.slice('engine.labels.'.length)];
  return undefined;
}

/** Swarm compares constraint values without regard to case; a missing label matches only `!=`. */
export function satisfies(node: SwarmNode, constraint: Constraint): boolean {
  const actual = attribute(node, constraint.key);
  const same = actual !== undefined && actual.toLowerCase() === constraint.value.toLowerCase();
  return constraint.equal ? same : !same;
}

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  x86: '386',
  i386: '386',
  i686: '386',
  aarch64: 'arm64',
  armv7l: 'arm',
  armv6l: 'arm',
  armhf: 'arm',
};

export function normaliseArch(arch: string): string {
  const lower = arch.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

function runsPlatform(node: SwarmNode, platforms: readonly Platform[]): boolean {
  if (platforms.length === 0) return true;
  return platforms.some(
    (platform) =>
      (platform.os === '' || platform.os.toLowerCase() === node.os.toLowerCase()) &&
      (platform.arch === '' || normaliseArch(platform.arch) === normaliseArch(node.arch)),
  );
}

export function eligibleNodes(nodes: readonly SwarmNode[], placement: Placement): SwarmNode[] {
  const constraints = placement.constraints.map(parseConstraint);
  // An expression Swarm would reject matches nothing (Swarm itself refuses such a service).
  if (constraints.some((constraint) => constraint === undefined)) return [];
  return nodes.filter(
    (node) =>
      node.state.toLowerCase() === 'ready' &&
      node.availability.toLowerCase() === 'active' &&
      runsPlatform(node, placement.platforms) &&
      constraints.every((constraint) => constraint !== undefined && satisfies(node, constraint)),
  );
}

/** Replicas the eligible nodes can hold: Infinity unless max_replicas_per_node is set. */
export function placeableReplicas(nodes: readonly SwarmNode[], placement: Placement): number {
  const eligible = eligibleNodes(nodes, placement).length;
  return placement.maxReplicasPerNode > 0 ? eligible * placement.maxReplicasPerNode : eligible > 0 ? Infinity : 0;
}
