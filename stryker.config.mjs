// Mutation testing of the modules where a silent bug harms a patient or
// leaks data. `npm run test:mutation` runs every target; one target:
// `npm run test:mutation -- drugs` (see scripts/mutation.ts for the names).
// Not part of `npm test`: it takes long (figures in README, "Mutation testing").

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vite.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  concurrency: 2,
  timeoutMS: 20_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['build', '.svelte-kit/output', 'reports', 'test-results', 'playwright-report', 'data', '.stryker-tmp'],
  mutate: []
};
