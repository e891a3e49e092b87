import { cgroupFiles, cpuUse, machineUse, parseProcStat, readCgroupCounters, readProcessCpu } from '../src/counters';

// /proc/<pid>/cgroup of a producer container on the lab's node pi2 (cgroup v1, cpu and cpuacct mounted apart).
const LAB_V1 = `9:name=systemd:/lab-pi2/a0fe
4:memory:/process_api/eba6/lab-pi2/a0fe
2:cpuacct:/lab-pi2/a0fe
1:cpu:/lab-pi2/a0fe
0::/lab-pi2/a0fe
`;

describe('cgroupFiles', () => {
  it('finds the cpu and cpuacct files of a cgroup v1 process, controllers mounted apart', () => {
    expect(cgroupFiles(LAB_V1)).toEqual({
      version: 1,
      stat: '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.stat',
      usage: '/sys/fs/cgroup/cpuacct/lab-pi2/a0fe/cpuacct.usage',
      quota: '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.cfs_quota_us',
      period: '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.cfs_period_us',
    });
  });

  it('finds them when cpu and cpuacct are one controller line', () => {
    expect(cgroupFiles('4:cpu,cpuacct:/docker/abc\n0::/\n')).toMatchObject({
      version: 1,
      stat: '/sys/fs/cgroup/cpu/docker/abc/cpu.stat',
      usage: '/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage',
    });
  });

  it('reads cgroup v2 when there is no v1 cpu controller', () => {
    expect(cgroupFiles('0::/system.slice/docker-abc.scope\n')).toMatchObject({
      version: 2,
      stat: '/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat',
      quota: '/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.max',
    });
  });

  it('says so when the process is in no cpu cgroup', () => {
    expect(() => cgroupFiles('5:memory:/x\n')).toThrow(/no cpu cgroup/);
  });
});

describe('readCgroupCounters', () => {
  const files = (contents: Record<string, string>) => (path: string) => {
    const text = contents[path];
    if (text === undefined) throw new Error(`ENOENT ${path}`);
    return text;
  };

  it('reads cgroup v1: cpuacct.usage in ns, throttled_time in ns, the limit from quota / period', () => {
    const read = files({
      '/proc/42/cgroup': LAB_V1,
      '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.stat':
        'nr_periods 224\nnr_throttled 11\nthrottled_time 248694082\nnr_bursts 0\nburst_time 0\n',
      '/sys/fs/cgroup/cpuacct/lab-pi2/a0fe/cpuacct.usage': '604776125\n',
      '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.cfs_quota_us': '20000\n',
      '/sys/fs/cgroup/cpu/lab-pi2/a0fe/cpu.cfs_period_us': '100000\n',
    });
    expect(readProcessCpu(42, read)).toEqual({
      usageSeconds: 0.604776125,
      periods: 224,
      throttledPeriods: 11,
      throttledSeconds: 0.248694082,
      limitCores: 0.2,
    });
  });

  it('reads no limit from a v1 quota of -1', () => {
    const read = files({
      stat: 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
      usage: '5\n',
      quota: '-1\n',
      period: '100000\n',
    });
    expect(
      readCgroupCounters({ version: 1, stat: 'stat', usage: 'usage', quota: 'quota', period: 'period' }, read),
    ).toMatchObject({ limitCores: null });
  });

  it('reads cgroup v2: usage_usec and throttled_usec in µs, the limit from cpu.max', () => {
    const stat =
      'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 90000\n';
    const v2 = { version: 2 as const, stat: 's', usage: 's', quota: 'q', period: '' };
    expect(readCgroupCounters(v2, files({ s: stat, q: '50000 100000\n' }))).toEqual({
      usageSeconds: 2.5,
      periods: 10,
      throttledPeriods: 4,
      throttledSeconds: 0.09,
      limitCores: 0.5,
    });
    expect(readCgroupCounters(v2, files({ s: stat, q: 'max 100000\n' })).limitCores).toBeNull();
  });

  it('names the file and the field that is missing', () => {
    const read = files({ stat: 'nr_periods 3\n', usage: '1', quota: '-1', period: '100000' });
    expect(() =>
      readCgroupCounters({ version: 1, stat: 'stat', usage: 'usage', quota: 'quota', period: 'period' }, read),
    ).toThrow('stat has no nr_throttled');
  });
});

describe('cpuUse', () => {
  const at = (usageSeconds: number, periods: number, throttledPeriods: number, throttledSeconds = 0) => ({
    usageSeconds,
    periods,
    throttledPeriods,
    throttledSeconds,
    limitCores: 0.2,
  });

  it('is the CPU time used per second of the interval, and the share of periods that ran out of quota', () => {
    expect(cpuUse(at(10, 100, 5, 1), at(16, 400, 275, 25), 30)).toEqual({
      cores: 0.2,
      limitCores: 0.2,
      throttledShare: 0.9,
      throttledSeconds: 24,
    });
  });

  it('counts a container that started during the interval from zero', () => {
    expect(cpuUse(undefined, at(3, 100, 50), 30)).toMatchObject({ cores: 0.1, throttledShare: 0.5 });
  });

  it('has no throttled share when the cgroup never had work to do', () => {
    expect(cpuUse(at(1, 7, 0), at(1, 7, 0), 10).throttledShare).toBeNaN();
  });
});

describe('/proc/stat', () => {
  const stat = (user: number, system: number, idle: number, steal: number) =>
    `cpu  ${user} 0 ${system} ${idle} 10 0 5 ${steal} 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\ncpu1 1 0 1 1 0 0 0 0 0 0\nintr 1 2\n`;

  it('counts the CPUs and the busy ticks (no idle, iowait or steal)', () => {
    expect(parseProcStat(stat(100, 50, 1000, 7))).toEqual({
      cpus: 2,
      totalTicks: 100 + 50 + 1000 + 10 + 5 + 7,
      busyTicks: 155,
      stealTicks: 7,
    });
  });

  it('gives the cores busy and stolen between two readings', () => {
    // 400 ticks passed on 2 CPUs: 300 busy (1.5 cores), 40 stolen (0.2 cores), the rest idle.
    const use = machineUse(parseProcStat(stat(100, 50, 1000, 0)), parseProcStat(stat(300, 150, 1060, 40)));
    expect(use.busyCores).toBeCloseTo(1.5);
    expect(use.stealCores).toBeCloseTo(0.2);
    expect(use.cpus).toBe(2);
  });

  it('refuses a /proc/stat without the total line', () => {
    expect(() => parseProcStat('cpu0 1 2 3\n')).toThrow('/proc/stat has no "cpu " line');
  });
});
