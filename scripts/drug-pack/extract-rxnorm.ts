/**
 * Extracts the RxNorm ingredient tables the pack build reads into
 * knowledge/drug-pack/sources/. Run it only to refresh them; the build reads
 * the committed extracts.
 *
 *   npx tsx scripts/drug-pack/extract-rxnorm.ts <prescribe-git-dir> <rxterms-git-dir>
 *
 * 1. RxNorm Current Prescribable Content, release of 6 October 2025 (NLM;
 *    free of licence), as exported per initial letter by
 *    github.com/davidanderson3/rxnorm-ingredients (web/data/<letter>.json at
 *    commit a8fcf13a, generated from RxNorm_full_prescribe_10062025, RXNORM
 *    rows only, suppressed concepts left out). We keep the TTY=IN rows: RXCUI,
 *    name, and the precise-ingredient (salt) names that its clinical drug
 *    components (SCDC) carry, so the build can check a salt-form alias against
 *    the source. The file for the letter A is over the size our copy of that
 *    repository holds, so ingredients starting with A are missing from it.
 * 2. For that gap only: ingredient RXCUIs and names from NLM RxTerms
 *    (RxTermsIngredients: ING_RXCUI is the RxNorm TTY=IN concept), as bundled
 *    in github.com/GiulianoTaliano/pill-o-clock assets/drug-ingredients.json
 *    (built from RxTerms 202606). Only names starting with "a" are kept.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRESCRIBE_COMMIT = 'a8fcf13a679fa37073e8fa83e11d5e0d8cc07276';
export const RXTERMS_COMMIT = '6aecba83508329e89efa57126fd5b06ac556ff75';
const LETTERS = ['0-9', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];

/** [rxcui, RxNorm name, precise-ingredient names other than the name]. */
export type IngredientRow = [string, string, string[]];

export interface PrescribeIngredients {
  note: string;
  release: string;
  source: { repository: string; commit: string; files: Record<string, string> };
  /** Letters whose file could not be read; their ingredients are absent. */
  missingLetters: string[];
  ingredients: IngredientRow[];
  /** TTY=PIN rows (salt or other precise form): [rxcui, name]. */
  preciseIngredients: [string, string][];
}

export interface RxTermsIngredients {
  note: string;
  source: { repository: string; commit: string; path: string; blob: string };
  /** [ingredient rxcui, RxNorm ingredient name]. */
  ingredients: [string, string][];
}

interface ExportedConcept {
  Name: string;
  RXCUI: string;
  TTY: string;
  SCDCs?: { Name: string }[];
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });

/** "isosorbide mononitrate 10 MG" -> "isosorbide mononitrate"; "insulin lispro 100 UNT/ML" -> "insulin lispro". */
export function scdcIngredientName(scdc: string): string {
  return scdc.replace(/\s+\d[\d.,]*\s*(?:MG|MCG|UNT|ML|MEQ|G|%|MMOL|BAU|AU|PNU|CELLS|IU|ACTUAT|HR|SQ-HDM|MG\/ML|UNT\/ML)\b.*$/i, '').trim();
}

export function prescribeRows(concepts: ExportedConcept[]): IngredientRow[] {
  return concepts
    .filter((c) => c.TTY === 'IN' && /^\d+$/.test(c.RXCUI))
    .map((c): IngredientRow => {
      const precise = [...new Set((c.SCDCs ?? []).map((s) => scdcIngredientName(s.Name)))].filter((n) => n.toLowerCase() !== c.Name.toLowerCase()).sort();
      return [c.RXCUI, c.Name, precise];
    });
}

export function extractPrescribe(gitDir: string): PrescribeIngredients {
  const files: Record<string, string> = {};
  const missingLetters: string[] = [];
  const rows: IngredientRow[] = [];
  const pins: [string, string][] = [];
  for (const letter of LETTERS) {
    const spec = `${PRESCRIBE_COMMIT}:web/data/${letter}.json`;
    let text = '';
    try {
      text = git(gitDir, 'cat-file', '-p', spec);
    } catch {
      text = '';
    }
    if (!text.trim()) {
      missingLetters.push(letter);
      continue;
    }
    files[letter] = git(gitDir, 'rev-parse', spec).trim();
    const concepts = JSON.parse(text) as ExportedConcept[];
    rows.push(...prescribeRows(concepts));
    pins.push(...concepts.filter((c) => c.TTY === 'PIN' && /^\d+$/.test(c.RXCUI)).map((c): [string, string] => [c.RXCUI, c.Name]));
  }
  rows.sort((a, b) => a[1].localeCompare(b[1]) || Number(a[0]) - Number(b[0]));
  pins.sort((a, b) => a[1].localeCompare(b[1]) || Number(a[0]) - Number(b[0]));
  return {
    note:
      'TTY=IN rows of the RxNorm Current Prescribable Content (NLM, release 2025-10-06; no licence required): RXCUI, name and the precise-ingredient names of its clinical drug components; and the TTY=PIN rows (RXCUI, name). RXNORM-sourced concepts only.',
    release: '2025-10-06',
    source: { repository: 'https://github.com/davidanderson3/rxnorm-ingredients', commit: PRESCRIBE_COMMIT, files },
    missingLetters,
    ingredients: rows,
    preciseIngredients: pins
  };
}

export function extractRxTerms(gitDir: string): RxTermsIngredients {
  const spec = `${RXTERMS_COMMIT}:assets/drug-ingredients.json`;
  const data = JSON.parse(git(gitDir, 'cat-file', '-p', spec)) as { names: Record<string, string> };
  const ingredients = Object.entries(data.names)
    .filter(([code, name]) => /^\d+$/.test(code) && /^a/i.test(name))
    .sort((a, b) => a[1].localeCompare(b[1]) || Number(a[0]) - Number(b[0]));
  return {
    note:
      'Ingredient RXCUIs (RxNorm TTY=IN, the ING_RXCUI column of NLM RxTermsIngredients, RxTerms 202606) and names, for names starting with "a" only: the letter missing from the prescribable-content extract.',
    source: { repository: 'https://github.com/GiulianoTaliano/pill-o-clock', commit: RXTERMS_COMMIT, path: 'assets/drug-ingredients.json', blob: git(gitDir, 'rev-parse', spec).trim() },
    ingredients
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [prescribeDir, rxtermsDir] = process.argv.slice(2);
  if (!prescribeDir || !rxtermsDir) {
    console.error('Usage: npx tsx scripts/drug-pack/extract-rxnorm.ts <git dir of davidanderson3/rxnorm-ingredients> <git dir of GiulianoTaliano/pill-o-clock>');
    process.exit(2);
  }
  const sources = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../knowledge/drug-pack/sources');
  const prescribe = extractPrescribe(prescribeDir);
  writeFileSync(path.join(sources, 'rxnorm-prescribe-ingredients.json'), JSON.stringify(prescribe, null, 0).replace(/\],\[/g, '],\n[') + '\n');
  const rxterms = extractRxTerms(rxtermsDir);
  writeFileSync(path.join(sources, 'rxterms-ingredients-a.json'), JSON.stringify(rxterms, null, 1) + '\n');
  console.log(`RxNorm prescribable IN rows: ${prescribe.ingredients.length} (letters missing: ${prescribe.missingLetters.join(', ') || 'none'}); RxTerms "a" rows: ${rxterms.ingredients.length}`);
}
