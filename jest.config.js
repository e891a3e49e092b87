/** @type {import('jest').Config} */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Unit tests run against the TypeScript sources, so they need no build.
  moduleNameMapper: { '^@fogpair/shared$': '<rootDir>/shared/src/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{shared,producer,consumer,autoscaler,tools/load,bench/scale-out}/test/**/*.test.ts'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    // Probes of issue 9 against real processes on loopback: `npm run test:abuse` (bounded, ~2 minutes).
    { ...common, displayName: 'abuse', testMatch: ['<rootDir>/test/abuse/**/*.test.ts'] },
    // Its slow tests pass their own timeouts.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
    // `npm run docs:check`: the samples, variables and versions in README.md and docs/ (needs the build).
    { ...common, displayName: 'docs', testMatch: ['<rootDir>/test/docs/**/*.test.ts'] },
  ],
  // Global only: jest ignores testTimeout inside a project. Integration tests start real processes on
  // a machine that may be busy; a test that hangs still fails, after 30 s instead of 5.
  testTimeout: 30_000,
};
