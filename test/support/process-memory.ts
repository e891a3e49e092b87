import { readFileSync } from 'node:fs';

/** What the kernel says a process holds in memory (Linux: /proc/<pid>/status), in bytes. */
export interface ProcessMemory {
  /** Resident now (VmRSS). */
  rss: number;
  /** The highest resident size so far (VmHWM). */
  peak: number;
}

export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const bytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: bytes('VmRSS'), peak: bytes('VmHWM') };
}

export const MiB = 2 ** 20;
