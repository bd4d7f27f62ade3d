import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFhirStore } from '../server/fhir/fhir-store';
import { createFhirImporter } from '../server/fhir/import-bundle';
import { addClinic, sessionCookieFor, startTestApp } from '../server/http/test-app';
import { SYNTHEA_DIR } from '../server/seed/synthea';

/**
 * FHIR transaction import into the real server over loopback HTTP: the 8
 * Synthea fixture bundles, copied under fresh patient ids to make a panel,
 * posted one after another to `POST /fhir/R4`. Prints patients per second
 * for a first import and for a repeated (no-op) import. Baseline, same
 * process: the same importer called in-process without HTTP, as the demo
 * seed calls it (bundles parsed beforehand), which shows what the request
 * path (body read, JSON parse, session, response) adds. Target ≥ 20
 * patients/s for the first import.
 */

const COPIES = 10;

function bundles(): { text: string; patientId: string; mr: string }[] {
  return fs
    .readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(SYNTHEA_DIR, f), 'utf8');
      const patient = (JSON.parse(text) as { entry: { resource: { id: string; identifier: { value: string }[] } }[] }).entry[0].resource;
      return { text, patientId: patient.id, mr: patient.identifier[0].value };
    });
}

/** The same record under a new patient id and MR number, so each copy is its own patient. */
function copyOf(b: { text: string; patientId: string; mr: string }): string {
  return b.text.split(b.patientId).join(crypto.randomUUID()).split(b.mr).join(crypto.randomUUID());
}

export async function run(): Promise<void> {
  const app = await startTestApp();
  try {
    const { clinicId, ids } = await addClinic(app, 'Bench Clinic', [{ username: 'bench.doc', roles: ['clinician'] }]);
    const cookie = await sessionCookieFor(app.url, 'bench.doc');
    const panel = Array.from({ length: COPIES }, () => bundles().map(copyOf)).flat();
    const bytes = panel.reduce((n, t) => n + Buffer.byteLength(t), 0);
    const post = async (body: string) => {
      const res = await fetch(`${app.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie }, body });
      if (res.status !== 200) throw new Error(`import answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { entry: unknown[] };
    };

    for (const b of bundles()) await post(copyOf(b)); // warm-up: module init, JIT, first SQLite pages
    let entries = 0;
    const t0 = performance.now();
    for (const body of panel) entries += (await post(body)).entry.length;
    const first = performance.now() - t0;
    const t1 = performance.now();
    for (const body of panel) await post(body);
    const again = performance.now() - t1;

    const importer = createFhirImporter({ sync: app.sync, store: createFhirStore(app.db) });
    const caller = { userId: ids['bench.doc'], name: 'bench', clinicId };
    const parsed = Array.from({ length: COPIES }, () => bundles().map((b) => JSON.parse(copyOf(b)) as unknown)).flat();
    const t2 = performance.now();
    for (const bundle of parsed) await importer.importBundle(caller, bundle);
    const inProcess = performance.now() - t2;

    const rate = (ms: number) => (panel.length / ms) * 1000;
    console.log(`FHIR import: ${panel.length} Synthea patients (${entries} resources, ${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON), sequential POST /fhir/R4 over loopback`);
    console.log(`  first import     ${rate(first).toFixed(1)} patients/s  (${(first / panel.length).toFixed(1)} ms/patient, ${((entries / first) * 1000).toFixed(0)} resources/s)`);
    console.log(`  repeated import  ${rate(again).toFixed(1)} patients/s  (no-op: nothing stored)`);
    console.log(`  baseline: same importer in-process (as the demo seed calls it) ${rate(inProcess).toFixed(1)} patients/s; ratio HTTP/in-process ${(rate(first) / rate(inProcess)).toFixed(2)}x`);
    console.log(`  target ≥ 20 patients/s: ${rate(first) >= 20 ? 'met' : 'NOT met'}`);
  } finally {
    await app.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
