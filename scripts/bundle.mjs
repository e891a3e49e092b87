// Bundles each service into one CommonJS file (dist/<service>.cjs) with its dependencies: that one
// file is all a container image ships, and Node starts it faster than a tree of modules.
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { build } from 'esbuild';

/** Shared with bench/dependency-cost.mjs, which bundles each dependency alone the same way. */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Whitespace and syntax only: identifiers stay, so that a stack trace in a log still names functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

export async function bundleServices() {
  for (const service of ['producer', 'consumer']) {
    await build({
      ...bundleOptions,
      // The TypeScript sources, not shared/dist: tsc's CommonJS output hides which exports are used, so
      // esbuild would keep all of zod (1 MB with its locales) instead of the parts the services call.
      alias: { '@fogpair/shared': fileURLToPath(new URL('../shared/src/index.ts', import.meta.url)) },
      entryPoints: [`${service}/src/main.ts`],
      outfile: `${service}/dist/${service}.cjs`,
      sourcemap: 'linked',
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleServices();
