// Which rows a run measures, and in which order each round runs them.

/**
 * How the load reaches the replicas:
 * - `name`: the service name on the stack network, `http://producer:5000` (with endpoint_mode dnsrr
 *   the name resolves to every task's address in a shuffled order; each new connection looks it up);
 * - `tasks`: every task's own address on the stack network, connections shared evenly (no routing);
 * - `ports`: every replica's node address and host-mode port, connections shared evenly.
 */
export type LoadPath = 'name' | 'tasks' | 'ports';
export const LOAD_PATHS: readonly LoadPath[] = ['name', 'tasks', 'ports'];

export const PATH_LABELS: Record<LoadPath, string> = {
  name: 'service name (dnsrr)',
  tasks: 'task addresses',
  ports: 'node ports (host mode)',
};

/** Rows measured at one replica count, back to back, or the autoscaled row (from 1 replica, by name). */
export type Group = { kind: 'fixed'; replicas: number; paths: readonly LoadPath[] } | { kind: 'autoscaled' };

export interface Row {
  /** What the autoscaled row starts from is 1 replica; its count then changes during the run. */
  readonly kind: 'fixed' | 'autoscaled';
  readonly replicas: number;
  readonly path: LoadPath;
}

export const rowKey = (row: Row) => `${row.kind}:${row.replicas}:${row.path}`;

export function groupsOf(replicas: readonly number[], paths: readonly LoadPath[], autoscaled: boolean): Group[] {
  const groups: Group[] = replicas.map((count) => ({ kind: 'fixed', replicas: count, paths }));
  return autoscaled ? [...groups, { kind: 'autoscaled' }] : groups;
}

export function rowsOf(group: Group): Row[] {
  return group.kind === 'autoscaled'
    ? [{ kind: 'autoscaled', replicas: 1, path: 'name' }]
    : group.paths.map((path) => ({ kind: 'fixed', replicas: group.replicas, path }));
}

/**
 * The order of round `round` (0-based): the groups rotated by one place a round, so that each group
 * runs early in one round and late in another, and a drift of the machine (other jobs, warming
 * caches) does not favour a row.
 */
export function roundOrder<T>(groups: readonly T[], round: number): T[] {
  const shift = groups.length === 0 ? 0 : round % groups.length;
  return [...groups.slice(shift), ...groups.slice(0, shift)];
}
