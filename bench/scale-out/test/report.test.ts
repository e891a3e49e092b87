import type { Row } from '../src/plan';
import { TABLE_HEADER, baselineOf, markdownTable, median, tableCells, tabulate } from '../src/report';
import type { ReplicaRecord, RunRecord } from '../src/report';

const replica = (node: string, cores: number, throttledShare: number, numbersServed: number): ReplicaRecord => ({
  node,
  cpu: { cores, limitCores: 0.2, throttledShare, throttledSeconds: 0 },
  numbersServed,
});

const run = (round: number, row: Row, requestsPerSecond: number, replicas: ReplicaRecord[]): RunRecord => ({
  round,
  row,
  load: {
    responses: requestsPerSecond * 30,
    errors: 0,
    requestsPerSecond,
    latencyMs: { p50: 2, p99: 40 },
    durationSeconds: 30,
  },
  wallSeconds: 31,
  replicas,
  loadTool: { cores: 0.3, limitCores: 1, throttledShare: 0, throttledSeconds: 0 },
  machine: { busyCores: 1.2, stealCores: 0, cpus: 2 },
  loadAverage: 1.5,
});

const one: Row = { kind: 'fixed', replicas: 1, path: 'name' };
const two: Row = { kind: 'fixed', replicas: 2, path: 'name' };
const twoDirect: Row = { kind: 'fixed', replicas: 2, path: 'tasks' };
const oneDirect: Row = { kind: 'fixed', replicas: 1, path: 'tasks' };
const autoscaled: Row = { kind: 'autoscaled', replicas: 1, path: 'name' };

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe('tabulate', () => {
  it('takes each ratio against the baseline of the same round, so that drift between rounds cancels', () => {
    // The machine got slower in round 1: both rows lost half; the ratio stays 2.
    const records = [
      run(0, one, 1000, [replica('pi2', 0.2, 0.9, 30000)]),
      run(0, two, 2000, [replica('pi2', 0.2, 0.9, 30000), replica('pi3', 0.2, 0.9, 30000)]),
      run(1, one, 500, [replica('pi2', 0.2, 0.9, 15000)]),
      run(1, two, 1000, [replica('pi2', 0.2, 0.9, 15000), replica('pi3', 0.2, 0.9, 15000)]),
    ];
    const [first, second] = tabulate(records, [one, two]);
    expect(first).toMatchObject({ runs: 2, requestsPerSecond: 750, ratio: 1 });
    expect(second).toMatchObject({ runs: 2, requestsPerSecond: 1500, ratio: 2, ratioRange: { min: 2, max: 2 } });
  });

  it('compares each path with one replica on the same path, and the autoscaled row with one replica by name', () => {
    expect(baselineOf(twoDirect, [one, two, oneDirect, twoDirect, autoscaled])).toEqual(oneDirect);
    expect(baselineOf(autoscaled, [one, two, oneDirect, twoDirect, autoscaled])).toEqual(one);
    expect(baselineOf(two, [two, { kind: 'fixed', replicas: 3, path: 'name' }])).toEqual(two);
  });

  it('gives the lowest and highest CPU, throttling and share of the answers over every replica and round', () => {
    const records = [
      run(0, one, 1000, [replica('pi2', 0.19, 0.95, 100)]),
      run(0, two, 1800, [replica('pi2', 0.2, 0.97, 550), replica('pi3', 0.18, 0.9, 450)]),
    ];
    const [, line] = tabulate(records, [one, two]);
    expect(line).toMatchObject({
      replicaCores: { min: 0.18, max: 0.2 },
      throttledShare: { min: 0.9, max: 0.97 },
      requestShare: { min: 0.45, max: 0.55 },
      limitCores: 0.2,
      ratio: 1.8,
    });
    expect(line?.ourCores).toBeCloseTo(0.3 + 0.38);
  });

  it('keeps the seconds to the first scale-up of each autoscaled run', () => {
    const records = [
      run(0, one, 1000, [replica('pi2', 0.2, 0.9, 1)]),
      { ...run(0, autoscaled, 2500, [replica('pi2', 0.2, 0.9, 1)]), scaling: { firstScaleUpSeconds: 6, timeline: [] } },
      {
        ...run(1, autoscaled, 2500, [replica('pi2', 0.2, 0.9, 1)]),
        scaling: { firstScaleUpSeconds: null, timeline: [] },
      },
    ];
    const line = tabulate(records, [one, autoscaled])[1];
    expect(line?.firstScaleUpSeconds).toEqual([6, null]);
    // Round 1 has no baseline run: its ratio is left out, not made up.
    expect(line?.ratio).toBe(2.5);
  });
});

describe('the printed table', () => {
  it('says what each row ran against, with ranges only where the values differ', () => {
    const records = [
      run(0, one, 1000, [replica('pi2', 0.2, 0.9, 100)]),
      run(0, two, 1900, [replica('pi2', 0.2, 0.9, 50), replica('pi3', 0.19, 0.85, 50)]),
    ];
    const [, line] = tabulate(records, [one, two]);
    expect(tableCells(line as NonNullable<typeof line>)).toEqual([
      '2',
      'service name (dnsrr)',
      '1,900',
      '1.90× (1.90)',
      '2.0 / 40.0',
      '0',
      '0.19–0.20 of 0.20',
      '85–90 %',
      '50 %',
      '0.30 (throttled 0 %)',
      '1.20 (0.69)',
    ]);
  });

  it('pads the columns of a Markdown table', () => {
    expect(markdownTable(['a', 'long title'], [['value', 'x']])).toBe(
      '| a     | long title |\n| ----- | ---------- |\n| value | x          |',
    );
    expect(TABLE_HEADER).toHaveLength(11);
  });
});
