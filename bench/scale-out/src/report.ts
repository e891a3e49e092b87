// From the records of every load run to one table: per row the medians over the rounds, the ratio to
// one replica on the same path in the same round, and what the counters say about who was the limit.
import type { CpuUse, MachineUse } from './counters';
import { PATH_LABELS, rowKey } from './plan';
import type { Row } from './plan';

/** One replica during one load run. */
export interface ReplicaRecord {
  readonly node: string;
  readonly cpu: CpuUse;
  /** `/number` answers it counted during the run (its own fogpair_producer_numbers_served_total). */
  readonly numbersServed: number;
}

/** What the load tool printed (its `--json` summary), the parts the table uses. */
export interface LoadFigures {
  readonly responses: number;
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
  readonly durationSeconds: number;
}

export interface RunRecord {
  readonly round: number;
  readonly row: Row;
  readonly load: LoadFigures;
  readonly wallSeconds: number;
  readonly replicas: readonly ReplicaRecord[];
  readonly loadTool: CpuUse;
  readonly machine: MachineUse;
  /** /proc/loadavg's 1-minute figure when the run ended. */
  readonly loadAverage: number;
  /** Autoscaled row only: seconds from the load start to the first scale-up, and the replicas asked. */
  readonly scaling?: { readonly firstScaleUpSeconds: number | null; readonly timeline: readonly string[] };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const range = (values: readonly number[]) => {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length === 0 ? null : { min: Math.min(...finite), max: Math.max(...finite) };
};

/** The row a run's ratio is taken against: the fewest fixed replicas, on the same path (the autoscaled row: by name). */
export function baselineOf(row: Row, rows: readonly Row[]): Row | undefined {
  const fixed = rows.filter((candidate) => candidate.kind === 'fixed' && candidate.path === row.path);
  const fewest = Math.min(...fixed.map((candidate) => candidate.replicas));
  return fixed.find((candidate) => candidate.replicas === fewest);
}

export interface TableRow {
  readonly row: Row;
  readonly runs: number;
  readonly requestsPerSecond: number;
  /** Median over the rounds of (this row's req/s / the baseline's req/s in the same round), and its spread. */
  readonly ratio: number;
  readonly ratioRange: { min: number; max: number } | null;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly replicaCores: { min: number; max: number } | null;
  readonly limitCores: number | null;
  readonly throttledShare: { min: number; max: number } | null;
  /** Each replica's share of the answers, lowest and highest over the runs. */
  readonly requestShare: { min: number; max: number } | null;
  readonly loadToolCores: number;
  readonly loadToolThrottledShare: number;
  readonly machineBusyCores: number;
  /** The replicas' and the load tool's CPU together, for comparison with the machine's. */
  readonly ourCores: number;
  readonly firstScaleUpSeconds: readonly (number | null)[];
}

export function tabulate(records: readonly RunRecord[], rows: readonly Row[]): TableRow[] {
  return rows.map((row) => {
    const runs = records.filter((record) => rowKey(record.row) === rowKey(row));
    const baseline = baselineOf(row, rows);
    const ratios = runs.map((run) => {
      const base = records.find(
        (record) => record.round === run.round && baseline !== undefined && rowKey(record.row) === rowKey(baseline),
      );
      return base ? run.load.requestsPerSecond / base.load.requestsPerSecond : NaN;
    });
    const replicas = runs.flatMap((run) => run.replicas);
    const shares = runs.flatMap((run) => {
      const total = run.replicas.reduce((sum, replica) => sum + replica.numbersServed, 0);
      return total > 0 ? run.replicas.map((replica) => replica.numbersServed / total) : [];
    });
    return {
      row,
      runs: runs.length,
      requestsPerSecond: median(runs.map((run) => run.load.requestsPerSecond)),
      ratio: median(ratios),
      ratioRange: range(ratios),
      p50Ms: median(runs.map((run) => run.load.latencyMs?.p50 ?? NaN)),
      p99Ms: median(runs.map((run) => run.load.latencyMs?.p99 ?? NaN)),
      errors: runs.reduce((sum, run) => sum + run.load.errors, 0),
      replicaCores: range(replicas.map((replica) => replica.cpu.cores)),
      limitCores: replicas[0]?.cpu.limitCores ?? null,
      throttledShare: range(replicas.map((replica) => replica.cpu.throttledShare)),
      requestShare: range(shares),
      loadToolCores: median(runs.map((run) => run.loadTool.cores)),
      loadToolThrottledShare: median(runs.map((run) => run.loadTool.throttledShare)),
      machineBusyCores: median(runs.map((run) => run.machine.busyCores)),
      ourCores: median(
        runs.map((run) => run.loadTool.cores + run.replicas.reduce((sum, replica) => sum + replica.cpu.cores, 0)),
      ),
      firstScaleUpSeconds: runs.map((run) => run.scaling?.firstScaleUpSeconds ?? null),
    };
  });
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const spanOf = (span: { min: number; max: number } | null, format: (value: number) => string, unit = '') =>
  span === null
    ? '—'
    : format(span.min) === format(span.max)
      ? `${format(span.min)}${unit}`
      : `${format(span.min)}–${format(span.max)}${unit}`;
const percentOf = (value: number) => String(Math.round(value * 100));
const percent = (value: number) => (Number.isFinite(value) ? `${percentOf(value)} %` : '—');

export const TABLE_HEADER = [
  'replicas',
  'load enters by',
  'req/s',
  '× 1 replica',
  'p50 / p99 ms',
  'errors',
  'CPU per replica, cores',
  'throttled periods',
  'answers per replica',
  'load tool, cores',
  'machine busy, cores (ours)',
] as const;

export function tableCells(line: TableRow): string[] {
  const { row } = line;
  return [
    row.kind === 'autoscaled' ? '1 → autoscaled' : String(row.replicas),
    PATH_LABELS[row.path],
    Number.isFinite(line.requestsPerSecond) ? Math.round(line.requestsPerSecond).toLocaleString('en-US') : '—',
    `${fixed(line.ratio, 2)}× (${spanOf(line.ratioRange, (value) => value.toFixed(2))})`,
    `${fixed(line.p50Ms, 1)} / ${fixed(line.p99Ms, 1)}`,
    String(line.errors),
    `${spanOf(line.replicaCores, (value) => value.toFixed(2))} of ${line.limitCores === null ? 'no limit' : line.limitCores.toFixed(2)}`,
    spanOf(line.throttledShare, percentOf, ' %'),
    spanOf(line.requestShare, percentOf, ' %'),
    `${fixed(line.loadToolCores, 2)} (throttled ${percent(line.loadToolThrottledShare)})`,
    `${fixed(line.machineBusyCores, 2)} (${fixed(line.ourCores, 2)})`,
  ];
}

/** A Markdown table, columns padded so that it also reads in a terminal. */
export function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...body.map(line)].join('\n');
}
