import { eligibleNodes, normaliseArch, parseConstraint, placeableReplicas, satisfies } from '../src/placement';
import type { SwarmNode } from '../src/placement';

const node = (overrides: Partial<SwarmNode> = {}): SwarmNode => ({
  id: 'abc123',
  hostname: 'pi1',
  role: 'manager',
  state: 'ready',
  availability: 'active',
  os: 'linux',
  arch: 'aarch64',
  labels: { disk: 'ssd' },
  engineLabels: { storage: 'sd' },
  ...overrides,
});

describe('placement constraints', () => {
  it.each([
    ['node.role == manager', true],
    ['node.role==worker', false],
    ['node.role != worker', true],
    ['node.hostname == PI1', true],
    ['node.id == abc123', true],
    ['node.platform.arch == aarch64', true],
    ['node.platform.arch == x86_64', false],
    ['node.platform.os == linux', true],
    ['node.labels.disk == ssd', true],
    ['node.labels.disk != ssd', false],
    ['node.labels.gpu == yes', false],
    ['node.labels.gpu != yes', true],
    ['engine.labels.storage == sd', true],
  ])('%s → %s', (expression, expected) => {
    const constraint = parseConstraint(expression);
    expect(constraint).toBeDefined();
    if (constraint) expect(satisfies(node(), constraint)).toBe(expected);
  });

  it('rejects what Swarm would not parse, and then no node is eligible', () => {
    expect(parseConstraint('node.role = manager')).toBeUndefined();
    expect(eligibleNodes([node()], { constraints: ['nonsense'], platforms: [], maxReplicasPerNode: 0 })).toEqual([]);
  });
});

describe('eligible nodes', () => {
  const nodes = [
    node({ id: 'a' }),
    node({ id: 'b', role: 'worker', arch: 'x86_64' }),
    node({ id: 'c', role: 'worker', state: 'down' }),
    node({ id: 'd', role: 'worker', availability: 'pause' }),
    node({ id: 'e', role: 'worker', availability: 'drain' }),
  ];
  const ids = (list: SwarmNode[]) => list.map((item) => item.id);

  it('are ready and active', () => {
    expect(ids(eligibleNodes(nodes, { constraints: [], platforms: [], maxReplicasPerNode: 0 }))).toEqual(['a', 'b']);
  });

  it("run one of the image's platforms (x86_64 is amd64, aarch64 is arm64)", () => {
    expect(normaliseArch('x86_64')).toBe('amd64');
    expect(normaliseArch('aarch64')).toBe('arm64');
    const armOnly = { constraints: [], platforms: [{ os: 'linux', arch: 'arm64' }], maxReplicasPerNode: 0 };
    expect(ids(eligibleNodes(nodes, armOnly))).toEqual(['a']);
  });

  it('hold max_replicas_per_node each, or any number without it', () => {
    expect(placeableReplicas(nodes, { constraints: [], platforms: [], maxReplicasPerNode: 2 })).toBe(4);
    expect(placeableReplicas(nodes, { constraints: [], platforms: [], maxReplicasPerNode: 0 })).toBe(Infinity);
    expect(
      placeableReplicas(nodes, { constraints: ['node.labels.none == x'], platforms: [], maxReplicasPerNode: 0 }),
    ).toBe(0);
  });
});
