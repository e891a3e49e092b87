import { Registry } from 'prom-client';
import { cachedExposition, collectRuntimeMetrics } from '@fogpair/shared';

describe('collectRuntimeMetrics', () => {
  it('registers Node runtime metrics, none of them a non-counter named like a counter', async () => {
    const registry = new Registry();
    collectRuntimeMetrics(registry);
    const text = await registry.metrics();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name, type }));
    expect(types.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles']),
    );
    // promtool check metrics: "non-counter metrics should not have "_total" suffix".
    expect(types.filter(({ name, type }) => type !== 'counter' && name?.endsWith('_total'))).toEqual([]);
  });
});

describe('cachedExposition', () => {
  function countingRegistry() {
    let renders = 0;
    let fail = false;
    return {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: () => {
        renders += 1;
        return fail ? Promise.reject(new Error('collect failed')) : Promise.resolve(`render ${renders}`);
      },
      renders: () => renders,
      failNext: (value: boolean) => (fail = value),
    };
  }

  it('renders at most once per max age, sharing one rendering among concurrent requests', async () => {
    const registry = countingRegistry();
    let now = 0;
    const exposition = cachedExposition(registry, 1000, () => now);
    expect(exposition.contentType).toBe(registry.contentType);

    expect(await Promise.all([exposition.metrics(), exposition.metrics(), exposition.metrics()])).toEqual([
      'render 1',
      'render 1',
      'render 1',
    ]);
    now = 999;
    expect(await exposition.metrics()).toBe('render 1');
    now = 1000;
    expect(await exposition.metrics()).toBe('render 2');
    expect(registry.renders()).toBe(2);
  });

  it('does not keep a failed rendering', async () => {
    const registry = countingRegistry();
    const exposition = cachedExposition(registry, 1000, () => 0);
    registry.failNext(true);
    await expect(exposition.metrics()).rejects.toThrow('collect failed');
    registry.failNext(false);
    expect(await exposition.metrics()).toBe('render 2');
  });
});
