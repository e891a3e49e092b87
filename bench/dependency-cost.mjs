// What each runtime dependency costs when a service loads it: bundled alone, the way scripts/bundle.mjs
// bundles the services, then required by a fresh `node`; time to require and RSS 100 ms later, against
// a bundle that imports nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle.mjs';
import { median } from './processes.mjs';

const ENTRIES = {
  nothing: '',
  'node:http': "import http from 'node:http'; globalThis.loaded = http.createServer;",
  express: "import express from 'express'; globalThis.loaded = express;",
  winston: "import winston from 'winston'; globalThis.loaded = winston;",
  'zod (classic)': "import * as z from 'zod'; globalThis.loaded = z.object({ n: z.int() });",
  'zod/mini': "import * as z from 'zod/mini'; globalThis.loaded = z.object({ n: z.int() });",
  axios: "import axios from 'axios'; globalThis.loaded = axios;",
  'prom-client': "import * as prom from 'prom-client'; globalThis.loaded = prom;",
};

const PROBE = `
const { performance } = require('node:perf_hooks');
const startedAt = performance.now();
require(process.argv[2]);
const ms = performance.now() - startedAt;
setTimeout(() => {
  const rss = Number(/^VmRSS:\\s+(\\d+)/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  process.stdout.write(JSON.stringify({ ms, rss }));
}, 100);
`;

const projectRequire = createRequire(new URL('../package.json', import.meta.url));
const installed = (name) => {
  try {
    projectRequire.resolve(name);
    return true;
  } catch {
    return false;
  }
};

/** @returns rows {name, bytes, ms, rss} with medians over `samples` fresh processes. */
export async function measureDependencyCost({ samples, nodeArgs = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'fogpair-deps-'));
  try {
    const rows = [];
    for (const [name, source] of Object.entries(ENTRIES)) {
      const pkg = name.split(' ')[0];
      if (!pkg.startsWith('node:') && pkg !== 'nothing' && !installed(pkg)) continue;
      const outfile = join(dir, `${rows.length}.cjs`);
      const result = await build({
        ...bundleOptions,
        stdin: { contents: source, resolveDir: fileURLToPath(new URL('..', import.meta.url)) },
        outfile,
        minify: true,
        metafile: true,
        logLevel: 'error',
      });
      const bytes = Object.values(result.metafile.outputs)[0].bytes;
      writeFileSync(join(dir, 'probe.cjs'), PROBE);
      const runs = Array.from({ length: samples }, () =>
        JSON.parse(
          execFileSync(process.execPath, [...nodeArgs, join(dir, 'probe.cjs'), outfile], { encoding: 'utf8' }),
        ),
      );
      rows.push({ name, bytes, ms: median(runs.map((run) => run.ms)), rss: median(runs.map((run) => run.rss)) });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
