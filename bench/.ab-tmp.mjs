// temp A/B: cold start (spawn -> first 200 /number) and RSS 1 s later, per variant bundle, alternating.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, get, median } from './processes.mjs';
const variants = process.argv.slice(3);
const rounds = Number(process.argv[2]);
const flags = ['--max-semi-space-size=4'];
const caches = Object.fromEntries(variants.map((v) => [v, mkdtempSync(join(tmpdir(), 'ab-'))]));
const rss = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
async function run(file, cache) {
  const port = await freePort();
  const args = file === 'bare' ? ['-e', readFileSync(new URL('bare-server.cjs', import.meta.url), 'utf8')] : [...flags, file];
  const t0 = performance.now();
  const child = spawn('taskset', ['-c', '0', process.execPath, ...args], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_COMPILE_CACHE: cache }, stdio: 'ignore' });
  while ((await get(`http://127.0.0.1:${port}/number`)) !== 200) await sleep(1);
  const ms = performance.now() - t0;
  const cpuMs = Number(readFileSync(`/proc/${child.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  await sleep(1000);
  const r = rss(child.pid);
  child.kill('SIGTERM');
  await new Promise((res) => child.on('exit', res));
  return { ms, r, cpuMs };
}
for (const v of variants) await run(v, caches[v]);
const res = Object.fromEntries(variants.map((v) => [v, []]));
for (let i = 0; i < rounds; i++) for (const v of i % 2 ? [...variants].reverse() : variants) res[v].push(await run(v, caches[v]));
for (const v of variants) console.log(v.padEnd(40), 'start', median(res[v].map((x) => x.ms)).toFixed(1), 'ms  cpu', median(res[v].map((x) => x.cpuMs)).toFixed(1), 'ms  rss', median(res[v].map((x) => x.r)).toFixed(1), 'MB');
