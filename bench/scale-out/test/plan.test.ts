import { groupsOf, roundOrder, rowsOf } from '../src/plan';

describe('the plan of a run', () => {
  it('measures every path at each replica count, and the autoscaled row by service name only', () => {
    const groups = groupsOf([1, 2, 3], ['name', 'tasks'], true);
    expect(groups.flatMap(rowsOf)).toEqual([
      { kind: 'fixed', replicas: 1, path: 'name' },
      { kind: 'fixed', replicas: 1, path: 'tasks' },
      { kind: 'fixed', replicas: 2, path: 'name' },
      { kind: 'fixed', replicas: 2, path: 'tasks' },
      { kind: 'fixed', replicas: 3, path: 'name' },
      { kind: 'fixed', replicas: 3, path: 'tasks' },
      { kind: 'autoscaled', replicas: 1, path: 'name' },
    ]);
    expect(groupsOf([1, 3], ['ports'], false).flatMap(rowsOf)).toHaveLength(2);
  });

  it('rotates the order by one place a round, so that each group is once first and once last', () => {
    const groups = ['a', 'b', 'c'];
    const rounds = [0, 1, 2].map((round) => roundOrder(groups, round));
    expect(rounds).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
    ]);
    for (const position of [0, 1, 2]) expect(new Set(rounds.map((order) => order[position]))).toEqual(new Set(groups));
    expect(roundOrder(groups, 3)).toEqual(groups);
    expect(roundOrder([], 5)).toEqual([]);
  });
});
