import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { PatientSummary } from '../src/lib/domain/patient';

/**
 * Patient search over 20,000 patients, one search per keystroke as the
 * patient list runs it: the app's own PatientListManager (its rune module
 * compiled by svelte-module-loader.mjs, as the build compiles it) over
 * precomputed tokens. Baseline in the same process: a plain substring scan
 * of each row's lower-cased name. Target: every keystroke under 30 ms (p99).
 */
const PATIENTS = 20_000;
const TARGET_MS = 30;
const ROUNDS = 5;

const FAMILIES = ['Okafor', 'Núñez', 'Smith', 'Walker', 'Nguyen', 'Haddad', 'Kowalski', 'Tanaka', 'Mensah', 'García', 'Hermiston', 'Gerlach', 'Schmidt', 'Ivanova', 'Oyelaran', 'Larsen', 'Moreau', 'Rossi', 'Cohen', 'Begay'];
const GIVEN = ['Ada', 'Chidi', 'María', 'José', 'Li', 'Omar', 'Anna', 'Kenji', 'Ama', 'Lucía', 'Asa', 'Jerrell', 'Noor', 'Sven', 'Fatima', 'Tomasz', 'Grace', 'Mateo', 'Aiyana', 'Yusuf'];
const QUERIES = ['nunez maria', 'oka', 'smith j', '1971-03', 'MRN0012', 'hermiston asa', 'garcia lu'];

function row(i: number): PatientSummary {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: { family: `${FAMILIES[i % 20]}${i % 7 === 0 ? '-' + FAMILIES[(i >> 3) % 20] : ''}`, given: [GIVEN[Math.floor(i / 20) % 20], ...(i % 3 === 0 ? [GIVEN[(i >> 2) % 20]] : [])] },
    birthDate: `19${String(30 + (i % 70)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    gender: 'unknown',
    mrn: `MRN${String(i).padStart(6, '0')}`,
    updatedAt: ''
  };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

export async function run(): Promise<void> {
  register('./svelte-module-loader.mjs', import.meta.url);
  const { PatientListManager } = await import('../src/lib/services/patient-list-manager.svelte');
  const rows = Array.from({ length: PATIENTS }, (_, i) => row(i));
  const list = new PatientListManager();
  const l0 = performance.now();
  list.load(rows);
  const loadMs = performance.now() - l0;

  const plain = rows.map((r) => ({ r, hay: `${r.name.family} ${r.name.given.join(' ')} ${r.mrn} ${r.birthDate}`.toLowerCase() }));
  const keystrokes = QUERIES.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));
  for (const k of keystrokes) list.search(k); // warm-up: JIT
  const times: number[] = [];
  const base: number[] = [];
  let hits = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of keystrokes) {
      const t = performance.now();
      hits += list.search(k).length;
      times.push(performance.now() - t);
      const b = performance.now();
      const q = k.toLowerCase();
      plain.filter((x) => x.hay.includes(q));
      base.push(performance.now() - b);
    }
  }
  if (hits === 0) throw new Error('search found nothing');
  console.log(`patient search over ${PATIENTS.toLocaleString('en')} patients, ${keystrokes.length} keystrokes × ${ROUNDS} (PatientListManager.search; tokens built at load in ${loadMs.toFixed(0)} ms):`);
  console.log(`  per keystroke  p50 ${pct(times, 50).toFixed(2)} ms  p99 ${pct(times, 99).toFixed(2)} ms  max ${Math.max(...times).toFixed(2)} ms`);
  console.log(`  baseline, plain substring scan  p50 ${pct(base, 50).toFixed(2)} ms  p99 ${pct(base, 99).toFixed(2)} ms  → ratio p50 ${(pct(times, 50) / pct(base, 50)).toFixed(2)}×`);
  console.log(`  target < ${TARGET_MS} ms per keystroke (p99): ${pct(times, 99) < TARGET_MS ? 'met' : 'NOT met'}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
