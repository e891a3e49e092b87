// Bundles each service into one CommonJS file (dist/<service>.cjs) with its dependencies: that one
// file is all a container image ships, and Node starts it faster than a tree of modules.
import { build } from 'esbuild';

for (const service of ['producer', 'consumer']) {
  await build({
    entryPoints: [`${service}/src/main.ts`],
    outfile: `${service}/dist/${service}.cjs`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    // From the TypeScript sources, not shared/dist: the bundle does not depend on a prior `tsc -b`
    // (a container build runs esbuild alone).
    alias: { '@fogpair/shared': './shared/src/index.ts' },
  });
}
