// Bundles each service into one CommonJS file (dist/<service>.cjs) with its dependencies: that one
// file is all a container image ships, and Node starts it faster than a tree of modules.
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Shared with bench/dependency-cost.mjs, which bundles each dependency alone the same way. */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

export async function bundleServices() {
  for (const service of ['producer', 'consumer']) {
    await build({
      ...bundleOptions,
      entryPoints: [`${service}/src/main.ts`],
      outfile: `${service}/dist/${service}.cjs`,
      sourcemap: 'linked',
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleServices();
