import Dockerode from 'dockerode';
import {
  createDockerSwarmApi,
  describeDockerError,
  observeService,
  toSwarmNode,
  toSwarmService,
  toSwarmTask,
} from '../src/swarm';
import { FakeDockerApi, THREE_NODES, nodeJson, serviceJson, taskJson } from '../../test/support/fake-docker-api';

describe('reading the Docker API answers', () => {
  it('takes name, version, labels, replicas and placement from a service', () => {
    const service = toSwarmService(serviceJson({ replicas: 2, version: 41 }));
    expect(service).toMatchObject({
      id: 'q3m9x0producer',
      name: 'fogpair_producer',
      version: 41,
      replicas: 2,
      placement: {
        constraints: ['node.platform.arch == x86_64'],
        maxReplicasPerNode: 1,
        platforms: [
          { os: 'linux', arch: 'amd64' },
          { os: 'linux', arch: 'arm64' },
        ],
      },
      updateState: undefined,
    });
    expect(service.labels['fogpair.autoscale.max']).toBe('3');
  });

  it('knows a global service by its missing replica count', () => {
    const raw = serviceJson();
    const global = { ...raw, Spec: { ...raw.Spec, Mode: { Global: {} } } };
    expect(toSwarmService(global).replicas).toBeUndefined();
  });

  it('counts running tasks as ready, and the ones on their way as starting', () => {
    const service = toSwarmService(serviceJson({ replicas: 3 }));
    const tasks = [
      taskJson('t1', 'running'),
      // Swarm keeps a task whose health check has not passed yet in "starting".
      taskJson('t2', 'starting', { slot: 2 }),
      taskJson('t3', 'preparing', { slot: 3 }),
      // Being stopped (a scale-down): neither.
      taskJson('t4', 'running', { slot: 4, desiredState: 'shutdown' }),
    ].map(toSwarmTask);
    expect(observeService(service, tasks, THREE_NODES.map(toSwarmNode))).toEqual({
      current: 3,
      ready: 1,
      starting: 2,
      placeable: 3,
    });
  });

  it('reports a rolling update or rollback in progress, not a finished one', () => {
    const nodes = THREE_NODES.map(toSwarmNode);
    const observe = (updateState?: string) =>
      observeService(toSwarmService(serviceJson(updateState ? { updateState } : {})), [], nodes).updating;
    expect(observe('updating')).toBe('update');
    expect(observe('rollback_started')).toBe('rollback');
    expect(observe('completed')).toBeUndefined();
    expect(observe('rollback_completed')).toBeUndefined();
    expect(observe()).toBeUndefined();
  });

  it('counts placeable replicas over the eligible nodes only', () => {
    const nodes = [
      ...THREE_NODES,
      nodeJson({ id: 'n0de4', hostname: 'pi4', state: 'down' }),
      nodeJson({ id: 'n0de5', hostname: 'pi5', availability: 'drain' }),
      nodeJson({ id: 'n0de6', hostname: 'pi6', arch: 'aarch64' }),
    ].map(toSwarmNode);
    const placeable = (options: Parameters<typeof serviceJson>[0]) =>
      observeService(toSwarmService(serviceJson(options)), [], nodes).placeable;
    expect(placeable({})).toBe(3);
    expect(placeable({ maxReplicas: 2 })).toBe(6);
    expect(placeable({ maxReplicas: 0 })).toBe(Infinity);
    expect(placeable({ constraints: ['node.platform.arch == aarch64'] })).toBe(1);
    expect(placeable({ constraints: ['node.role == manager'] })).toBe(1);
    expect(placeable({ constraints: ['node.role != manager'] })).toBe(3);
    expect(placeable({ constraints: ['node.labels.missing == x'], maxReplicas: 0 })).toBe(0);
  });
});

describe('the Docker API through dockerode, on a unix socket', () => {
  let api: FakeDockerApi;
  let swarm: ReturnType<typeof createDockerSwarmApi>;

  beforeEach(async () => {
    api = new FakeDockerApi({
      services: [
        serviceJson(),
        serviceJson({ id: 'c0nsumer', name: 'fogpair_consumer', labels: { 'com.docker.stack.namespace': 'fogpair' } }),
      ],
      tasks: [taskJson('t1', 'running'), taskJson('t9', 'running', { serviceId: 'c0nsumer' })],
      nodes: THREE_NODES,
    });
    await api.listen();
    swarm = createDockerSwarmApi(new Dockerode({ socketPath: api.socketPath }), {
      autoscaleLabel: 'fogpair.autoscale.enable',
    });
  });
  afterEach(() => api.close());

  it('lists only the services that carry the label', async () => {
    const services = await swarm.listServices();
    expect(services.map((service) => service.name)).toEqual(['fogpair_producer']);
    expect(JSON.parse(api.requests[0]?.query.get('filters') ?? '')).toEqual({ label: ['fogpair.autoscale.enable'] });
  });

  it("lists one service's tasks that should be running", async () => {
    const tasks = await swarm.listTasks('q3m9x0producer');
    expect(tasks).toEqual([{ id: 't1', serviceId: 'q3m9x0producer', state: 'running', desiredState: 'running' }]);
    expect(JSON.parse(api.requests[0]?.query.get('filters') ?? '')).toEqual({
      service: ['q3m9x0producer'],
      'desired-state': ['running'],
    });
  });

  it('lists the nodes', async () => {
    const nodes = await swarm.listNodes();
    expect(nodes.map((node) => [node.hostname, node.role, node.arch, node.state])).toEqual([
      ['pi1', 'manager', 'x86_64', 'ready'],
      ['pi2', 'worker', 'x86_64', 'ready'],
      ['pi3', 'worker', 'x86_64', 'ready'],
    ]);
  });

  it('scales as `docker service scale` does: the same spec, another replica count, at the version read', async () => {
    const [service] = await swarm.listServices();
    if (!service) throw new Error('no service');
    const specBefore = structuredClone(api.state.services[0]?.Spec);
    await swarm.scale(service, 3);

    const [update] = api.updates();
    expect(update?.path).toBe('/services/q3m9x0producer/update');
    expect([...(update?.query.entries() ?? [])]).toEqual([['version', '41']]);
    expect(update?.body).toEqual({ ...specBefore, Mode: { Replicated: { Replicas: 3 } } });
    expect(api.state.services[0]?.Version.Index).toBe(42);
  });

  it('fails when the service changed since it was read (the version is stale)', async () => {
    const [service] = await swarm.listServices();
    if (!service) throw new Error('no service');
    await swarm.scale(service, 2);
    await expect(swarm.scale(service, 3)).rejects.toMatchObject({
      statusCode: 500,
      json: { message: expect.stringContaining('update out of sequence') as unknown },
    });
  });

  it('fails with ENOENT when there is no socket, which the log says in words', async () => {
    const path = `${api.socketPath}.missing`;
    const missing = createDockerSwarmApi(new Dockerode({ socketPath: path }), { autoscaleLabel: 'x' });
    const error = await missing.listNodes().catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(describeDockerError(error)).toBe(
      `no Docker socket (${path}); mount /var/run/docker.sock into the container`,
    );
  });

  it("says the engine's own words, with the HTTP status, and what a 503 means", async () => {
    api.faults.nodes = { status: 503, message: 'This node is not a swarm manager.' };
    api.faults.tasks = { status: 403, message: 'forbidden' };
    const words = (call: Promise<unknown>) => call.then(() => 'no error', describeDockerError);
    expect(await words(swarm.listNodes())).toBe(
      'This node is not a swarm manager. (this engine is not a Swarm manager: run the autoscaler on a manager)',
    );
    expect(await words(swarm.listTasks('q3m9x0producer'))).toBe('HTTP 403: forbidden');
  });
});

describe('describeDockerError', () => {
  it.each([
    [
      { code: 'EACCES', address: '/var/run/docker.sock' },
      'permission denied on the Docker socket (/var/run/docker.sock); run as a user that may use it',
    ],
    [{ code: 'ECONNREFUSED' }, 'the Docker socket refused the connection'],
    [new Error('socket hang up'), 'socket hang up'],
    ['a string', 'a string'],
  ])('%j', (error, words) => {
    expect(describeDockerError(error)).toBe(words);
  });
});
