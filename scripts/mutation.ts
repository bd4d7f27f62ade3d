/**
 * Mutation testing of the safety-critical modules, one target at a time,
 * with StrykerJS (Vitest runner, TypeScript checker; stryker.config.mjs).
 *
 *   npm run test:mutation                 every target
 *   npm run test:mutation -- drugs audit  some targets
 *   npm run test:mutation -- --force      every mutant again (not only those
 *                                         whose code or tests changed)
 *
 * Prints, per target, the mutation score (killed and timed-out mutants over
 * every mutant that compiled: survivors and mutants no test reached count
 * against it), the survivors by file and line, the mutants marked
 * equivalent in the source (`// Stryker disable … : reason`) with their
 * reasons, and how long the target took. Writes reports/mutation/<target>.json
 * (Stryker's report) and reports/mutation/summary.json. Exits 1 when a
 * target scores under MIN_SCORE.
 */
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const MIN_SCORE = 85;

const NOT_SOURCE = ['!**/*.test.ts', '!**/__fixtures__/**', '!**/test-factories.ts'];

/**
 * The modules where a silent bug harms a patient or leaks data, and the test
 * files that guard each: Stryker runs only these against a target's mutants
 * (a mutant must be caught by the module's own tests, not by an end-to-end
 * run that happens to pass through it).
 */
export const TARGETS: Record<string, { mutate: string[]; tests: string[] }> = {
  drugs: { mutate: ['src/lib/domain/drugs/**/*.ts', ...NOT_SOURCE], tests: ['src/lib/domain/drugs/**/*.test.ts'] },
  'note-state': { mutate: ['src/lib/domain/note-state.ts'], tests: ['src/lib/domain/note-state.test.ts', 'src/lib/chart/note-lifecycle.test.ts'] },
  vitals: { mutate: ['src/lib/domain/vitals.ts'], tests: ['src/lib/domain/vitals.test.ts', 'src/lib/domain/vitals-*.test.ts'] },
  reminders: {
    mutate: ['src/lib/domain/reminders/**/*.ts', ...NOT_SOURCE],
    tests: ['src/lib/domain/reminders/**/*.test.ts', 'src/lib/domain/immunization-schedule.test.ts']
  },
  'crypto-box': {
    mutate: ['src/lib/storage/crypto-box.ts'],
    tests: ['src/lib/storage/crypto-box*.test.ts', 'src/lib/storage/encrypted-doc-store.test.ts', 'src/lib/storage/user-vault.test.ts']
  },
  audit: { mutate: ['server/audit/**/*.ts', ...NOT_SOURCE], tests: ['server/audit/**/*.test.ts'] },
  auth: { mutate: ['server/auth/**/*.ts', ...NOT_SOURCE], tests: ['server/auth/**/*.test.ts'] },
  'livekit-tokens': { mutate: ['server/telehealth/livekit-tokens.ts'], tests: ['server/telehealth/livekit-tokens*.test.ts'] },
  policy: {
    mutate: ['server/policy/**/*.ts', ...NOT_SOURCE, '!server/policy/hostile-cases.ts'],
    tests: [
      'server/policy/policy-gate.test.ts',
      'server/policy/hostile-cases.test.ts',
      'server/policy/prescriptions-policy.test.ts',
      'server/policy/notes-policy.test.ts',
      'server/policy/structure-limits.test.ts',
      'server/policy/provenance-policy.test.ts',
      'server/policy/records-policy.test.ts',
      'server/policy/lab-results-policy.test.ts',
      'server/policy/gate-view.test.ts',
      'server/policy/policy-table.test.ts',
      'server/policy/incoming-policy.test.ts'
    ]
  }
};

interface TargetSummary {
  target: string;
  score: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  compileErrors: number;
  equivalent: { file: string; line: number; mutator: string; reason: string }[];
  survivors: { file: string; line: number; mutator: string; replacement: string }[];
  seconds: number;
}

function summarise(target: string, results: MutantResult[], seconds: number): TargetSummary {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const detected = killed + timeout;
  const valid = detected + survived + noCoverage;
  return {
    target,
    score: valid === 0 ? 100 : Math.round((detected / valid) * 10_000) / 100,
    killed,
    timeout,
    survived,
    noCoverage,
    compileErrors: count('CompileError'),
    equivalent: results
      .filter((r) => r.status === 'Ignored')
      .map((r) => ({ file: r.fileName, line: r.location.start.line, mutator: r.mutatorName, reason: r.statusReason ?? '' })),
    survivors: results
      .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
      .map((r) => ({ file: r.fileName, line: r.location.start.line, mutator: r.mutatorName, replacement: (r.replacement ?? '').slice(0, 80) })),
    seconds
  };
}

async function runTarget(target: string): Promise<TargetSummary> {
  const started = Date.now();
  // The checker type-checks only the mutated files and what they import, not
  // the whole app (which costs seconds a mutant); a test that stops compiling
  // still fails under the test runner.
  const tsconfigFile = `.stryker-tsconfig.${target}.json`;
  const globs = TARGETS[target].mutate;
  writeFileSync(
    tsconfigFile,
    JSON.stringify({
      extends: './tsconfig.json',
      include: ['.svelte-kit/ambient.d.ts', ...globs.filter((g) => !g.startsWith('!'))],
      exclude: globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1))
    })
  );
  // The target's own tests, chosen by a Vitest config of its own rather than
  // Stryker's `testFiles`: with `testFiles`, Stryker 9.6 activates mutants of
  // module-level values (static mutants) after the module has loaded, so they
  // would survive whatever the tests check (stryker-js#6144).
  const vitestConfig = `.stryker-vitest.${target}.config.ts`;
  writeFileSync(
    vitestConfig,
    [
      `import base from './vite.config';`,
      `export default { ...base, test: { ...base.test, include: ${JSON.stringify(TARGETS[target].tests)} } };`,
      ''
    ].join('\n')
  );
  const stryker = new Stryker({
    tsconfigFile,
    vitest: { configFile: vitestConfig, related: false },
    configFile: 'stryker.config.mjs',
    mutate: TARGETS[target].mutate,
    jsonReporter: { fileName: `reports/mutation/${target}.json` },
    // A rerun reuses the last report: mutants whose code and covering tests
    // are unchanged keep their result; the rest run again. `-- --force` (or
    // deleting reports/mutation) runs every mutant.
    incremental: true,
    incrementalFile: `reports/mutation/${target}.json`,
    force: FORCE,
    htmlReporter: { fileName: `reports/mutation/${target}.html` }
  });
  const results = await stryker.runMutationTest();
  return summarise(target, results, Math.round((Date.now() - started) / 1000));
}

function print(s: TargetSummary): void {
  console.log(`\n== ${s.target}: ${s.score}% (killed ${s.killed}, timed out ${s.timeout}, survived ${s.survived}, no coverage ${s.noCoverage}; ${s.compileErrors} did not compile) in ${s.seconds} s`);
  for (const m of s.survivors) console.log(`   survived  ${m.file}:${m.line} ${m.mutator} → ${m.replacement}`);
  for (const m of s.equivalent) console.log(`   equivalent ${m.file}:${m.line} ${m.mutator}: ${m.reason}`);
}

const FORCE = process.argv.includes('--force');

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => a !== '--force');
  const unknown = asked.filter((t) => !(t in TARGETS));
  if (unknown.length > 0) {
    console.error(`Unknown target(s): ${unknown.join(', ')}. Targets: ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
  const targets = asked.length > 0 ? asked : Object.keys(TARGETS);
  // The TypeScript checker reads tsconfig.json, which extends SvelteKit's generated one.
  if (!existsSync('.svelte-kit/tsconfig.json')) execFileSync('npx', ['svelte-kit', 'sync'], { stdio: 'inherit' });
  mkdirSync('reports/mutation', { recursive: true });
  const summaryFile = 'reports/mutation/summary.json';
  const all: Record<string, TargetSummary> = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : {};
  const failed: string[] = [];
  for (const target of targets) {
    let s: TargetSummary;
    try {
      s = await runTarget(target);
    } catch (err) {
      console.error(`\n== ${target}: the run failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      failed.push(target);
      continue;
    }
    all[target] = s;
    writeFileSync(summaryFile, JSON.stringify(all, null, 2));
    print(s);
  }
  console.log('\nMutation score per target (this run):');
  for (const t of targets.filter((x) => !failed.includes(x))) console.log(`  ${t.padEnd(16)} ${String(all[t].score).padStart(6)}%  ${String(all[t].seconds).padStart(5)} s`);
  const low = targets.filter((t) => !failed.includes(t) && all[t].score < MIN_SCORE);
  if (failed.length > 0) console.error(`\nNot measured (the run failed): ${failed.join(', ')}`);
  if (low.length > 0 || failed.length > 0) {
    if (low.length > 0) console.error(`\nUnder ${MIN_SCORE}%: ${low.join(', ')}`);
    process.exit(1);
  }
}

await main();
