import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Synthea sample records (fixtures/synthea): one FHIR R4 transaction
 * Bundle per patient, as Synthea writes them. The demo seed imports them
 * through the FHIR importer; tests and benchmarks read them from here.
 */

export const SYNTHEA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/synthea');

/** The fixture Bundles as parsed JSON, in file-name order; validated by whoever imports them. */
export function loadSyntheaBundles(dir: string = SYNTHEA_DIR): unknown[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown);
}
