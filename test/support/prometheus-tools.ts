/**
 * Prometheus 3 and promtool for the tests: `PROMETHEUS` / `PROMTOOL` if set, else what
 * scripts/install-prometheus.sh put in its folder, else the ones on PATH; only 3.5 or newer counts
 * (the stack runs prom/prometheus:v3.5.3). CI sets FOGPAIR_REQUIRE_PROMETHEUS=1: then a missing or
 * older one fails the tests that need it instead of skipping them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type PrometheusToolName = 'prometheus' | 'promtool';

export interface PrometheusTool {
  readonly path: string;
  /** e.g. "3.5.3+ds1" */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

export const PROMETHEUS_REQUIRED = process.env.FOGPAIR_REQUIRE_PROMETHEUS === '1';

const INSTALL_DIR =
  process.env.FOGPAIR_PROMETHEUS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fogpair', 'prometheus');

/** The tool, or why there is none that will do. */
export function findPrometheusTool(name: PrometheusToolName): PrometheusTool | { missing: string } {
  const fromEnv = process.env[name.toUpperCase()];
  const installed = join(INSTALL_DIR, 'bin', name);
  const path = fromEnv ?? (existsSync(installed) ? installed : name);
  const run = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const match = /version (\d+)\.(\d+)\.(\S+)/.exec(`${run.stdout}${run.stderr}`);
  if (run.error || !match) {
    return { missing: `no ${name} at ${path} (run scripts/install-prometheus.sh)` };
  }
  const [, major, minor, rest] = match as unknown as [string, string, string, string];
  const tool = { path, version: `${major}.${minor}.${rest}`, major: Number(major), minor: Number(minor) };
  if (tool.major < 3 || (tool.major === 3 && tool.minor < 5)) {
    return {
      missing: `${path} is ${name} ${tool.version}; 3.5 or newer is needed (run scripts/install-prometheus.sh)`,
    };
  }
  return tool;
}

/**
 * `it` when the tool is there (or required: then a missing one fails the test with the reason), else
 * `it.skip` with one NOT RUN line on the console.
 */
export function itWithTool(name: PrometheusToolName): { it: jest.It; tool: () => PrometheusTool } {
  const found = findPrometheusTool(name);
  const tool = () => {
    if ('missing' in found) throw new Error(found.missing);
    return found;
  };
  if ('missing' in found && !PROMETHEUS_REQUIRED) {
    console.warn(`NOT RUN: tests that need ${name}: ${found.missing}`);
    return { it: it.skip, tool };
  }
  return { it, tool };
}
