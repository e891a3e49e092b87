// Stops `npm start`, `npm test` and the other scripts when they would run on a Node line this project
// does not support (package.json "engines"), instead of running on it silently. npm scripts normally
// run on the project's own Node 26 (optionalDependencies node-*, docs/development.md); this check
// catches a machine for which no such package exists, or an install without optional dependencies.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const [major, minor, patch] = process.versions.node.split('.').map(Number);

/** "^22.12.0 || ^24.0.0 || ^26.0.0" → whether this Node is on one of those lines, at or above its minimum. */
const supported = engines.node.split('||').some((range) => {
  const match = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(range);
  if (!match) throw new Error(`scripts/require-supported-node.mjs reads only ^x.y.z ranges, got "${range}"`);
  const [wantMajor, wantMinor, wantPatch] = match.slice(1).map(Number);
  return major === wantMajor && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
});

if (!supported) {
  console.error(
    `fogpair needs Node ${engines.node} and this is Node ${process.version} (${process.execPath}).\n` +
      `npm ci installs the project's own Node 26 on linux, macOS and Windows (x64, arm64); there is none for\n` +
      `${process.platform}-${process.arch}, or optional dependencies were left out. Install Node 26 and run npm ci again.`,
  );
  process.exit(78);
}
