/**
 * Builds knowledge/drug-pack/drug-pack.json.
 *
 *   npx tsx scripts/drug-pack/build.ts
 *
 * When the shared reference data (../shared) is present, it re-extracts the
 * PDDI-CDS value sets and Synthea codes into knowledge/drug-pack/sources/ first.
 * Without it (an ordinary clone) it says so and builds from the committed
 * extracts, which stay the source of truth. SOURCE_DATE_EPOCH fixes the build
 * date for reproducible output.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemblePack } from './assemble-pack';
import type { LowPriorityList } from './extract-low-priority';
import type { PrescribeIngredients, RxTermsIngredients } from './extract-rxnorm';
import { copyPddiLicense, extractPddi, extractSynthea, sharedDataPresent, type PddiSources, type SyntheaCodes } from './extract-sources';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'knowledge/drug-pack');
const sourcesDir = path.join(outDir, 'sources');
const sharedDir = process.env.OUTPOST_SHARED_DIR ?? path.resolve(root, '../shared');
const PDDI_FILE = path.join(sourcesDir, 'pddi-cds-valuesets.json');
const SYNTHEA_FILE = path.join(sourcesDir, 'synthea-medication-codes.json');
const RXNORM_FILE = path.join(sourcesDir, 'rxnorm-prescribe-ingredients.json');
const RXTERMS_FILE = path.join(sourcesDir, 'rxterms-ingredients-a.json');
const LOW_PRIORITY_FILE = path.join(sourcesDir, 'phansalkar-2013-low-priority.json');

function writeJson(file: string, value: unknown, pretty = true) {
  writeFileSync(file, JSON.stringify(value, null, pretty ? 1 : undefined) + '\n');
}

mkdirSync(sourcesDir, { recursive: true });
if (sharedDataPresent(sharedDir)) {
  console.log(`Shared reference data found at ${sharedDir}: re-extracting sources into knowledge/drug-pack/sources/.`);
  writeJson(PDDI_FILE, extractPddi(sharedDir), false);
  writeJson(SYNTHEA_FILE, extractSynthea(sharedDir));
  copyPddiLicense(sharedDir, sourcesDir);
} else {
  console.log(
    `No shared reference data at ${sharedDir} (normal for a clone of the repository).\n` +
      'Building from the committed extracts in knowledge/drug-pack/sources/, which are the source of truth.'
  );
  for (const f of [PDDI_FILE, SYNTHEA_FILE, RXNORM_FILE, RXTERMS_FILE]) if (!existsSync(f)) throw new Error(`Missing committed source ${path.relative(root, f)}; cannot build.`);
}

const pddi = JSON.parse(readFileSync(PDDI_FILE, 'utf8')) as PddiSources;
const synthea = JSON.parse(readFileSync(SYNTHEA_FILE, 'utf8')) as SyntheaCodes;
// Committed extracts only; refresh them with scripts/drug-pack/extract-rxnorm.ts and extract-low-priority.ts.
for (const f of [RXNORM_FILE, RXTERMS_FILE, LOW_PRIORITY_FILE]) if (!existsSync(f)) throw new Error(`Missing committed source ${path.relative(root, f)}; cannot build.`);
const rxnorm = {
  prescribe: JSON.parse(readFileSync(RXNORM_FILE, 'utf8')) as PrescribeIngredients,
  rxterms: JSON.parse(readFileSync(RXTERMS_FILE, 'utf8')) as RxTermsIngredients
};
const epoch = process.env.SOURCE_DATE_EPOCH;
const builtAt = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString();
const lowPriority = JSON.parse(readFileSync(LOW_PRIORITY_FILE, 'utf8')) as LowPriorityList;
const { pack, warnings } = assemblePack({ pddi, synthea, rxnorm, lowPriority, builtAt });
for (const w of warnings) console.warn(`warning: ${w}`);
writeJson(path.join(outDir, 'drug-pack.json'), pack, false);
console.log(`Wrote knowledge/drug-pack/drug-pack.json v${pack.version}:`, pack.coverage.counts);
