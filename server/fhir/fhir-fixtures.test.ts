import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { CHART_COLLECTIONS } from '../../src/lib/domain/chart';
import { CLINICAL_COLLECTIONS } from '../../src/lib/domain/clinical';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';
import type { SyncService } from '../types';
import { createFhirStore } from './fhir-store';
import { createFhirImporter } from './import-bundle';

/**
 * Every Synthea fixture through `POST /fhir/R4` on the real server: each
 * resource is either charted or kept (none dropped), a second import stores
 * nothing, and a bundle broken at its very end writes nothing at all.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FIXTURES = fs.readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json')).sort();
const load = (file: string): Json => JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8'));
const COLLECTIONS = [...new Set<string>([...CHART_COLLECTIONS, ...CLINICAL_COLLECTIONS])];

let app: TestApp;
let clinicId: string;
let cookie: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ clinicId } = await addClinic(app, 'Fixture Clinic', [{ username: 'importer', roles: ['clinician'] }]));
  cookie = await sessionCookieFor(app.url, 'importer');
});

afterAll(async () => {
  await app.stop();
});

function post(body: unknown): Promise<Response> {
  return fetch(`${app.url}/fhir/R4`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', cookie },
    body: JSON.stringify(body)
  });
}

async function docOf(kind: 'patient' | 'chart', patientId: string): Promise<Y.Doc | null> {
  const state = await app.sync.readState(docName(kind, patientId), clinicId);
  if (!state) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** Rows of every table an import writes, so "nothing was written" can be checked as a whole. */
function footprint(): Record<string, number> {
  const n = (sql: string) => (app.db.prepare(sql).get() as { n: number }).n;
  return {
    updates: n('SELECT count(*) AS n FROM doc_updates'),
    documents: n('SELECT count(*) AS n FROM documents'),
    kept: n('SELECT count(*) AS n FROM fhir_kept_resources'),
    links: n('SELECT count(*) AS n FROM fhir_patient_links'),
    patients: n('SELECT count(*) AS n FROM patients')
  };
}

/** The same bundle with a dangling reference in its last entry that has one: validation must reach the end before writing. */
function brokenAtTheEnd(bundle: Json): Json {
  const b = structuredClone(bundle);
  const last = [...b.entry].reverse().find((e: Json) => e.resource.encounter?.reference || e.resource.subject?.reference);
  if (last.resource.encounter?.reference) last.resource.encounter.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000';
  else last.resource.subject.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000';
  return b;
}

describe.each(FIXTURES)('%s', (file) => {
  const bundle = load(file);
  let response: Json;
  let patientId: string;

  it('is refused whole when broken at its last entry, with nothing written', async () => {
    const before = footprint();
    const res = await post(brokenAtTheEnd(bundle));
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as Json;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].expression[0]).toMatch(/^Bundle\.entry\[\d+\]\.resource\.(encounter|subject)\.reference$/);
    expect(footprint()).toEqual(before);
  });

  it('imports, accounting for every resource: charted in its collection or kept verbatim', async () => {
    const res = await post(bundle);
    expect(res.status).toBe(200);
    response = (await res.json()) as Json;
    expect(response.entry).toHaveLength(bundle.entry.length);
    patientId = response.entry[0].response.location.split('/')[1];
    const patient = readPatient((await docOf('patient', patientId))!);
    const sent = bundle.entry[0].resource;
    expect(patient?.birthDate).toBe(sent.birthDate);
    expect(patient?.family).toBe(sent.name[0].family.replace(/\d+$/, ''));

    const chart = (await docOf('chart', patientId))!;
    const kept = new Set(createFhirStore(app.db).kept(clinicId, patientId).map((k) => `${k.type}/${k.entryId}`));
    const charted = new Map<string, string>();
    for (const c of COLLECTIONS) chart.getMap(c).forEach((_v, id) => charted.set(id, c));

    const tally = { patient: 0, charted: 0, kept: 0 };
    response.entry.forEach((e: Json, i: number) => {
      const type = bundle.entry[i].resource.resourceType as string;
      expect(e.response.status).toBe('201 Created');
      const [locType, entryId] = (e.response.location as string).split('/');
      expect(locType).toBe(type);
      if (type === 'Patient') return void tally.patient++;
      const isKept = e.response.outcome?.issue?.[0]?.code === 'informational';
      if (isKept) {
        expect(kept.has(`${type}/${entryId}`), `${type}/${entryId} kept`).toBe(true);
        tally.kept++;
      } else {
        expect(charted.has(entryId), `${type}/${entryId} charted`).toBe(true);
        tally.charted++;
      }
    });
    expect(tally.patient).toBe(1);
    expect(tally.patient + tally.charted + tally.kept).toBe(bundle.entry.length);
    // Nothing in the chart that the bundle did not send: one entry per charted resource.
    expect(charted.size).toBe(tally.charted);
    expect(kept.size).toBe(tally.kept);
  });

  it('imports again without storing anything, answering 200 OK for every entry', async () => {
    const before = footprint();
    const vector = Y.encodeStateVector((await docOf('chart', patientId))!);
    const res = await post(bundle);
    expect(res.status).toBe(200);
    const again = (await res.json()) as Json;
    expect(again.entry.every((e: Json) => e.response.status === '200 OK')).toBe(true);
    expect(again.entry[0].response.location).toBe(`Patient/${patientId}`);
    expect(footprint()).toEqual(before);
    expect(Y.encodeStateVector((await docOf('chart', patientId))!)).toEqual(vector);
  });
});

describe('a failure between the two document writes', () => {
  it('leaves no patient visible, and importing again completes the record', async () => {
    const bundle = load(FIXTURES[0]);
    const fresh = await addClinic(app, 'Crash Clinic', [{ username: 'crash', roles: ['clinician'] }]);
    const caller = { userId: fresh.ids.crash, name: 'crash', clinicId: fresh.clinicId };
    // A sync service whose disk fails when the patient document is written (after the chart).
    const failing: SyncService = {
      ...bind(app.sync),
      async applyServerUpdate(name, clinic, update, userId) {
        if (name.startsWith('patient:')) throw new Error('disk I/O error');
        return app.sync.applyServerUpdate(name, clinic, update, userId);
      }
    };
    await expect(createFhirImporter({ sync: failing, store: createFhirStore(app.db) }).importBundle(caller, bundle)).rejects.toThrow('disk I/O error');
    // The chart was stored, under an id derived from the record: it names no one and no list shows it.
    const docs = () => app.db.prepare('SELECT name, kind FROM documents WHERE clinic_id = ?').all(fresh.clinicId) as { name: string; kind: string }[];
    expect(docs().map((d) => d.kind)).toEqual(['chart']);
    expect(app.patients.list(fresh.clinicId)).toEqual([]);

    const { summary } = await createFhirImporter({ sync: app.sync, store: createFhirStore(app.db) }).importBundle(caller, bundle);
    expect(docs().map((d) => d.name).sort()).toEqual([docName('chart', summary.patientId), docName('patient', summary.patientId)]);
    expect(summary.wrote).toEqual({ patient: true, chart: false });
    expect(app.patients.list(fresh.clinicId).map((p) => p.id)).toEqual([summary.patientId]);
  });
});

function bind(sync: SyncService): SyncService {
  return {
    handleUpgrade: (...a) => sync.handleUpgrade(...a),
    handleBatch: (...a) => sync.handleBatch(...a),
    changes: (...a) => sync.changes(...a),
    applyServerUpdate: (...a) => sync.applyServerUpdate(...a),
    readState: (...a) => sync.readState(...a),
    readStoredSince: (...a) => sync.readStoredSince(...a),
    stats: () => sync.stats(),
    endSession: (...a) => sync.endSession(...a),
    revokeRestricted: (...a) => sync.revokeRestricted(...a),
    close: () => sync.close()
  };
}
