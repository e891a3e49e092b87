// What the kernel counts for a container and for the whole machine, read before and after a load run:
// a container's CPU time and CFS throttling from its cgroup (the counters `docker stats` reads), and the
// machine's busy time from /proc/stat. Parsing is pure; the reader takes the file system as an argument.

/** A container's CPU counters at one moment (cgroup v1 `cpu` + `cpuacct`, or cgroup v2). */
export interface CpuCounters {
  /** CPU time used by every process of the cgroup since it was made. */
  readonly usageSeconds: number;
  /** CFS periods in which the cgroup had runnable work, and those in which it hit its quota. */
  readonly periods: number;
  readonly throttledPeriods: number;
  /** Time its processes waited because the quota was used up. */
  readonly throttledSeconds: number;
  /** The CPU limit in cores (quota / period); null when the cgroup has no quota. */
  readonly limitCores: number | null;
}

/** A container's CPU use between two readings. */
export interface CpuUse {
  /** Cores used on average (1 = one core busy for the whole time). */
  readonly cores: number;
  readonly limitCores: number | null;
  /** Share of the CFS periods with runnable work in which the quota ran out (0..1); NaN without periods. */
  readonly throttledShare: number;
  readonly throttledSeconds: number;
}

type ReadFile = (path: string) => string;

interface CgroupFiles {
  readonly version: 1 | 2;
  readonly stat: string;
  readonly usage: string;
  readonly quota: string;
  readonly period: string;
}

/**
 * The files that hold a process's CPU counters, from its /proc/<pid>/cgroup. With cgroup v1 the `cpu`
 * and `cpuacct` controllers may be mounted together or apart; both mount points exist either way
 * (Debian links `cpu` and `cpuacct` to `cpu,cpuacct`). Without a v1 `cpu` controller: cgroup v2.
 */
export function cgroupFiles(procCgroup: string, root = '/sys/fs/cgroup'): CgroupFiles {
  const lines = procCgroup
    .trim()
    .split('\n')
    .map((line) => {
      const [, controllers = '', path = ''] = /^(?:\d+):([^:]*):(.*)$/.exec(line) ?? [];
      return { controllers: controllers.split(','), path };
    });
  const v1 = (controller: string) => lines.find((line) => line.controllers.includes(controller))?.path;
  const cpu = v1('cpu');
  if (cpu !== undefined) {
    const cpuacct = v1('cpuacct') ?? cpu;
    return {
      version: 1,
      stat: `${root}/cpu${cpu}/cpu.stat`,
      usage: `${root}/cpuacct${cpuacct}/cpuacct.usage`,
      quota: `${root}/cpu${cpu}/cpu.cfs_quota_us`,
      period: `${root}/cpu${cpu}/cpu.cfs_period_us`,
    };
  }
  const unified = lines.find((line) => line.controllers.length === 1 && line.controllers[0] === '')?.path;
  if (unified === undefined) throw new Error(`no cpu cgroup in /proc/<pid>/cgroup: ${JSON.stringify(procCgroup)}`);
  const dir = `${root}${unified}`;
  return { version: 2, stat: `${dir}/cpu.stat`, usage: `${dir}/cpu.stat`, quota: `${dir}/cpu.max`, period: '' };
}

/** `key value` lines (cpu.stat) as numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) values.set(key, Number(value));
  }
  return values;
}

function field(values: Map<string, number>, key: string, file: string): number {
  const value = values.get(key);
  if (value === undefined) throw new Error(`${file} has no ${key}`);
  return value;
}

/** The counters of the cgroup whose files are `files`, read with `readFile`. */
export function readCgroupCounters(files: CgroupFiles, readFile: ReadFile): CpuCounters {
  const stat = parseKeyValues(readFile(files.stat));
  const periods = field(stat, 'nr_periods', files.stat);
  const throttledPeriods = field(stat, 'nr_throttled', files.stat);
  if (files.version === 1) {
    const quota = Number(readFile(files.quota).trim());
    const period = Number(readFile(files.period).trim());
    return {
      usageSeconds: Number(readFile(files.usage).trim()) / 1e9,
      periods,
      throttledPeriods,
      throttledSeconds: field(stat, 'throttled_time', files.stat) / 1e9,
      limitCores: quota > 0 && period > 0 ? quota / period : null,
    };
  }
  const [quota = 'max', period = '100000'] = readFile(files.quota).trim().split(/\s+/);
  return {
    usageSeconds: field(stat, 'usage_usec', files.stat) / 1e6,
    periods,
    throttledPeriods,
    throttledSeconds: field(stat, 'throttled_usec', files.stat) / 1e6,
    limitCores: quota === 'max' ? null : Number(quota) / Number(period),
  };
}

/** CPU counters of the cgroup that process `pid` is in (a container's main process). */
export function readProcessCpu(pid: number, readFile: ReadFile, root?: string): CpuCounters {
  return readCgroupCounters(cgroupFiles(readFile(`/proc/${pid}/cgroup`), root), readFile);
}

/**
 * Use between two readings `seconds` apart. A container that did not exist at the first reading
 * counts from zero (`before` undefined): its whole life falls inside the interval.
 */
export function cpuUse(before: CpuCounters | undefined, after: CpuCounters, seconds: number): CpuUse {
  const periods = after.periods - (before?.periods ?? 0);
  return {
    cores: (after.usageSeconds - (before?.usageSeconds ?? 0)) / seconds,
    limitCores: after.limitCores,
    throttledShare: periods > 0 ? (after.throttledPeriods - (before?.throttledPeriods ?? 0)) / periods : NaN,
    throttledSeconds: after.throttledSeconds - (before?.throttledSeconds ?? 0),
  };
}

/** The machine's CPU time from /proc/stat, in clock ticks summed over all CPUs. */
export interface MachineCounters {
  readonly cpus: number;
  readonly totalTicks: number;
  /** Work done on this machine's CPUs: everything but idle, iowait and steal. */
  readonly busyTicks: number;
  /** Time the hypervisor gave this VM's CPUs to someone else. */
  readonly stealTicks: number;
}

export function parseProcStat(text: string): MachineCounters {
  const lines = text.split('\n');
  const all = lines.find((line) => line.startsWith('cpu '));
  if (!all) throw new Error('/proc/stat has no "cpu " line');
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is also in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = all
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const totalTicks = user + nice + system + idle + iowait + irq + softirq + steal;
  return {
    cpus: lines.filter((line) => /^cpu\d+ /.test(line)).length,
    totalTicks,
    busyTicks: user + nice + system + irq + softirq,
    stealTicks: steal,
  };
}

/** The machine between two readings, in cores on average. */
export interface MachineUse {
  /** Anyone's work: ours, other jobs', the kernel's (the network path between the lab nodes included). */
  readonly busyCores: number;
  readonly stealCores: number;
  readonly cpus: number;
}

export function machineUse(before: MachineCounters, after: MachineCounters): MachineUse {
  const total = after.totalTicks - before.totalTicks;
  const cores = (ticks: number) => (total > 0 ? (ticks / total) * after.cpus : NaN);
  return {
    busyCores: cores(after.busyTicks - before.busyTicks),
    stealCores: cores(after.stealTicks - before.stealTicks),
    cpus: after.cpus,
  };
}
