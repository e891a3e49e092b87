import { createLabSwarm, parseNodes, parseRunningTasks } from '../src/swarm';
import type { RunDocker } from '../src/swarm';

const NODES_JSON = JSON.stringify([
  { ID: 'n1', Description: { Hostname: 'pi1' }, Status: { Addr: '10.213.0.11' } },
  { ID: 'n2', Description: { Hostname: 'pi2' }, Status: { Addr: '10.213.0.12' } },
]);

const task = (id: string, nodeId: string, state: string, network: string, container?: string) => ({
  ID: id,
  NodeID: nodeId,
  Status: { State: state, ...(container ? { ContainerStatus: { ContainerID: container } } : {}) },
  NetworksAttachments: [
    { Network: { Spec: { Name: 'ingress' } }, Addresses: ['10.0.0.9/24'] },
    { Network: { Spec: { Name: network } }, Addresses: ['10.214.1.4/24'] },
  ],
});

describe('parseRunningTasks', () => {
  const nodes = parseNodes(NODES_JSON);

  it('gives each running task its node, container and address on the stack network', () => {
    const json = JSON.stringify([task('t1', 'n2', 'running', 's_fogpair', 'c1')]);
    expect(parseRunningTasks(json, 's_fogpair', nodes)).toEqual([
      {
        id: 't1',
        node: { id: 'n2', hostname: 'pi2', address: '10.213.0.12' },
        containerId: 'c1',
        address: '10.214.1.4',
      },
    ]);
  });

  it('leaves out tasks that do not run yet, have no container, or are not on the stack network', () => {
    const json = JSON.stringify([
      task('starting', 'n2', 'starting', 's_fogpair', 'c1'),
      task('no-container', 'n2', 'running', 's_fogpair'),
      task('elsewhere', 'n2', 'running', 'other_net', 'c2'),
      task('unknown-node', 'n9', 'running', 's_fogpair', 'c3'),
    ]);
    expect(parseRunningTasks(json, 's_fogpair', nodes)).toEqual([]);
  });
});

describe('createLabSwarm', () => {
  function fakeDocker(answers: Record<string, string>) {
    const calls: string[] = [];
    const docker: RunDocker = (host, args) => {
      const call = `${host} ${args.join(' ')}`;
      calls.push(call);
      const answer = Object.entries(answers).find(([prefix]) => call.startsWith(prefix))?.[1];
      return answer === undefined ? Promise.reject(new Error(`unexpected: ${call}`)) : Promise.resolve(answer);
    };
    return { docker, calls };
  }

  it("asks the manager about services and the task's own node about its container", async () => {
    const { docker, calls } = fakeDocker({
      'mgr node ls -q': 'n1\nn2\n',
      'mgr node inspect n1 n2': NODES_JSON,
      'mgr service ps -q --no-trunc -f desired-state=running s_producer': 't1\n',
      'mgr inspect t1': JSON.stringify([task('t1', 'n2', 'running', 's_fogpair', 'c1')]),
      'engine-of-pi2 inspect -f {{.State.Pid}} c1': '4242\n',
      'engine-of-pi2 exec c1 node -e 1': 'ran\n',
    });
    const swarm = await createLabSwarm({
      docker,
      manager: 'mgr',
      engineOf: (node) => `engine-of-${node}`,
      network: 's_fogpair',
    });
    const [producer] = await swarm.runningTasks('s_producer');
    if (!producer) throw new Error('no task');
    expect(await swarm.pid(producer)).toBe(4242);
    expect(await swarm.exec(producer, ['node', '-e', '1'], 1000)).toBe('ran\n');
    expect(calls.filter((call) => call.startsWith('engine-of-pi2'))).toHaveLength(2);
  });

  it('counts a task still shutting down as running, so that an autoscaler is gone for good before a scale by hand', async () => {
    const { docker } = fakeDocker({
      'mgr node ls -q': '',
      'mgr node inspect': '[]',
      'mgr service ps --format {{.CurrentState}} s_autoscaler': 'Shutdown 2 seconds ago\nRunning 5 minutes ago\n',
      'mgr service ps --format {{.CurrentState}} s_gone': 'Shutdown 2 seconds ago\n',
    });
    const swarm = await createLabSwarm({ docker, manager: 'mgr', engineOf: () => 'x', network: 'n' });
    expect(await swarm.anyRunning('s_autoscaler')).toBe(true);
    expect(await swarm.anyRunning('s_gone')).toBe(false);
  });
});
