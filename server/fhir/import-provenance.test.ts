import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addAllergy, initChartDoc, listAllergies } from '../../src/lib/chart/chart-doc';
import { listDemographicsReviews } from '../../src/lib/chart/demographics-review-doc';
import { listMedicationRecords, prescribe } from '../../src/lib/chart/medication-doc';
import { initPatientDoc, readPatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';

/**
 * Imports never rewrite what Outpost wrote. A bundle whose ids name a
 * prescription signed in Outpost, an allergy charted in Outpost and the
 * patient registered in Outpost (the attack: "Amoxicillin 1 cap tid" turned
 * into "Morphine 100 mg every hour", still active and still naming its
 * prescriber) is refused entry by entry, the rest of the bundle is charted,
 * the demographics wait for review, and the import is audited with counts.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let app: TestApp;
let ids: Record<string, string>;
let clinicId: string;
const cookies: Record<string, string> = {};
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  app = await startTestApp();
  ({ ids, clinicId } = await addClinic(app, 'Provenance Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'boss', roles: ['admin'] }
  ]));
  for (const u of ['doc', 'boss']) cookies[u] = await sessionCookieFor(app.url, u);
});
afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});
afterAll(async () => {
  await app.stop();
});

function post(body: unknown, cookie = cookies.doc): Promise<Response> {
  return fetch(`${app.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie }, body: JSON.stringify(body) });
}

/** A y-websocket client signed in as `user`, as the app syncs a chart. */
async function openDoc(user: string, name: string): Promise<Y.Doc> {
  const cookie = cookies[user];
  const Ws = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  } as unknown as typeof globalThis.WebSocket;
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${app.url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: Ws, disableBc: true, maxBackoffTime: 200 });
  providers.push(provider);
  if (!provider.synced) await new Promise<void>((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
  return doc;
}

async function stored(kind: 'patient' | 'chart', patientId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, (await app.sync.readState(docName(kind, patientId), clinicId))!);
  return doc;
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const updateRows = () => (app.db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n;

/** A patient registered in Outpost, with an allergy charted and amoxicillin prescribed by the clinician, through the app's sync. */
async function outpostPatient(): Promise<{ patientId: string; rxId: string; allergyId: string }> {
  const patientId = crypto.randomUUID();
  const doctor = { id: ids.doc, name: 'doc' };
  const patient = await openDoc('doc', docName('patient', patientId));
  initPatientDoc(patient, patientId, { family: 'Okafor', given: ['Ada'], birthDate: '1961-07-14', gender: 'female' }, doctor, newMrn());
  const chart = await openDoc('doc', docName('chart', patientId));
  initChartDoc(chart, patientId);
  const allergyId = addAllergy(chart, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Hives' }, doctor);
  const rxId = prescribe(
    chart,
    {
      medicationCodeableConcept: { text: 'Amoxicillin 500 MG Oral Capsule' },
      dosage: { text: 'Take 1 capsule three times daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'capsule' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
      dispense: { quantity: { value: 21, unit: 'capsule' }, numberOfRepeatsAllowed: 0 },
      // As the prescribe page signs it: the allergy alert answered with the clinician's reason (the server checks again).
      detectedIssues: [
        {
          kind: 'drug-allergy',
          severity: 'serious',
          title: 'Penicillin allergy: ordered drug is a penicillin',
          detail: 'The patient has a recorded penicillin allergy and the ordered drug is a penicillin.',
          action: 'Avoid',
          ruleId: 'allergy-penicillin',
          source: { citation: 'Drug allergy practice parameter (2022)' },
          override: { reason: 'Tolerated amoxicillin since, per patient', by: 'doc', byId: ids.doc, at: new Date().toISOString() }
        }
      ]
    },
    doctor
  );
  await waitFor(async () => listMedicationRecords(await stored('chart', patientId)).some((m) => m.id === rxId) && readPatient(await stored('patient', patientId)) !== null);
  return { patientId, rxId, allergyId };
}

/** The attack bundle: the Outpost patient's id with another birth date, the prescription's id with morphine every hour, the allergy's id with another substance, and one new problem. */
function attackBundle(t: { patientId: string; rxId: string; allergyId: string }): Json {
  const patientUrl = `urn:uuid:${t.patientId}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: { resourceType: 'Patient', id: t.patientId, name: [{ family: 'Okafor', given: ['Ada'] }], gender: 'female', birthDate: '1990-01-01' },
        request: { method: 'PUT', url: `Patient/${t.patientId}` }
      },
      {
        fullUrl: `urn:uuid:${t.rxId}`,
        resource: {
          resourceType: 'MedicationRequest',
          id: t.rxId,
          status: 'active',
          intent: 'order',
          subject: { reference: patientUrl },
          medicationCodeableConcept: { text: 'Morphine 100 MG' },
          authoredOn: '2026-12-01T10:00:00Z',
          dosageInstruction: [{ text: '100 mg every hour', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'h' } } }]
        },
        request: { method: 'PUT', url: `MedicationRequest/${t.rxId}` }
      },
      {
        fullUrl: `urn:uuid:${t.allergyId}`,
        resource: { resourceType: 'AllergyIntolerance', id: t.allergyId, patient: { reference: patientUrl }, code: { text: 'Latex' }, category: ['environment'] },
        request: { method: 'PUT', url: `AllergyIntolerance/${t.allergyId}` }
      },
      {
        fullUrl: 'urn:uuid:5d0c1f7e-2b1a-4c1e-9a55-0f6b1c2d3e4f',
        resource: {
          resourceType: 'Condition',
          id: '5d0c1f7e-2b1a-4c1e-9a55-0f6b1c2d3e4f',
          subject: { reference: patientUrl },
          code: { text: 'Essential hypertension', coding: [{ system: 'http://snomed.info/sct', code: '59621000' }] },
          onsetDateTime: '2020-03-01T00:00:00Z'
        },
        request: { method: 'POST', url: 'Condition' }
      }
    ]
  };
}

describe('an import whose ids name what Outpost wrote', () => {
  let target: { patientId: string; rxId: string; allergyId: string };
  let response: Json;

  beforeAll(async () => {
    target = await outpostPatient();
    const res = await post(attackBundle(target));
    expect(res.status).toBe(200);
    response = (await res.json()) as Json;
  });

  it('refuses the signed prescription and the allergy, each with its reason, and charts the rest', () => {
    const [patient, rx, allergy, problem] = response.entry.map((e: Json) => e.response);
    expect(rx).toEqual({
      status: '409 Conflict',
      outcome: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'conflict', diagnostics: 'Not imported: the id names a prescription signed in Outpost, which an import never changes.', expression: ['Bundle.entry[1].resource.id'] }]
      }
    });
    expect(allergy.status).toBe('409 Conflict');
    expect(allergy.outcome.issue[0].diagnostics).toBe('Not imported: the id names an entry recorded in Outpost, which an import never changes.');
    expect(problem).toEqual({ status: '201 Created', location: 'Condition/5d0c1f7e-2b1a-4c1e-9a55-0f6b1c2d3e4f' });
    expect(patient.status).toBe('200 OK');
    expect(patient.outcome.issue[0].diagnostics).toContain('wait on the patient\u2019s record for staff to accept or reject');
  });

  it('leaves the prescription as signed: amoxicillin, three times daily, active, by its prescriber', async () => {
    const rx = listMedicationRecords(await stored('chart', target.patientId)).find((m) => m.id === target.rxId)!;
    expect(rx).toMatchObject({
      status: 'active',
      medicationCodeableConcept: { text: 'Amoxicillin 500 MG Oral Capsule' },
      dosageText: 'Take 1 capsule three times daily',
      requester: { reference: `Practitioner/${ids.doc}`, display: 'doc' }
    });
    expect(rx.sourceId).toBeUndefined();
  });

  it('leaves the allergy and the birth date as recorded, and charts the new problem', async () => {
    const chart = await stored('chart', target.patientId);
    expect(listAllergies(chart).find((a) => a.id === target.allergyId)).toMatchObject({ code: { text: 'Penicillin' }, category: 'medication', criticality: 'high' });
    expect(chart.getMap('conditions').has('5d0c1f7e-2b1a-4c1e-9a55-0f6b1c2d3e4f')).toBe(true);
    const patient = await stored('patient', target.patientId);
    expect(readPatient(patient)?.birthDate).toBe('1961-07-14');
  });

  it('puts the different birth date up for review instead', async () => {
    const reviews = listDemographicsReviews(await stored('patient', target.patientId));
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ status: 'pending', proposed: { birthDate: '1990-01-01' }, proposedBy: 'doc', proposedById: ids.doc, source: 'urn:outpost:import:unnamed-source' });
    // Only the field that differs is proposed.
    expect(Object.keys(reviews[0].proposed)).toEqual(['birthDate']);
  });

  it('audits the import with counts of created, updated and refused entries, and no patient data', () => {
    const rows = app.db
      .prepare("SELECT outcome, detail FROM audit_log WHERE action = 'import' AND target = ? ORDER BY seq")
      .all(docName('patient', target.patientId)) as { outcome: string; detail: string }[];
    expect(rows.map((r) => r.outcome)).toEqual(['success', 'failure']);
    expect(JSON.parse(rows[0].detail)).toMatchObject({ created: 1, updated: 0, refused: 2, refusedReasons: { 'signed-prescription': 1, 'outpost-entry': 1 }, demographicsProposed: true });
    expect(JSON.parse(rows[1].detail)).toEqual({ reason: 'entries-refused', refused: 2, refusedReasons: { 'signed-prescription': 1, 'outpost-entry': 1 } });
    expect(rows.map((r) => r.detail).join(' ')).not.toMatch(/Okafor|Ada|1961|1990|Morphine|Amoxicillin|Penicillin|Latex/);
  });

  it('refuses the same again on a second try and proposes nothing new', async () => {
    const rows = updateRows();
    const res = (await (await post(attackBundle(target))).json()) as Json;
    expect(res.entry.map((e: Json) => e.response.status)).toEqual(['200 OK', '409 Conflict', '409 Conflict', '200 OK']);
    expect(updateRows()).toBe(rows);
    expect(listDemographicsReviews(await stored('patient', target.patientId))).toHaveLength(1);
  });

  it('answers an administrator 403 and stores nothing', async () => {
    const rows = updateRows();
    const res = await post(attackBundle(target), cookies.boss);
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).issue[0]).toMatchObject({ code: 'forbidden', diagnostics: 'Only clinicians may import records.' });
    expect(updateRows()).toBe(rows);
    const denied = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND target = 'fhir-import' AND user_id = ?").get(ids.boss) as { n: number };
    expect(denied.n).toBe(1);
  });
});

describe('entries from the same source and from another', () => {
  const bundle: Json = JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, 'Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json'), 'utf8'));
  const firstObservation = (b: Json) => b.entry.find((e: Json) => e.resource.resourceType === 'Observation' && e.resource.valueQuantity);
  let patientId: string;

  beforeAll(async () => {
    const res = (await (await post(bundle)).json()) as Json;
    patientId = res.entry[0].response.location.split('/')[1];
  });

  it('records the source with every imported entry', async () => {
    const chart = await stored('chart', patientId);
    const obs = chart.getMap('observations').get(firstObservation(bundle).resource.id) as Y.Map<unknown>;
    expect(obs.get('sourceSystem')).toBe('http://hospital.smarthealthit.org');
    expect(obs.get('sourceId')).toBe(firstObservation(bundle).resource.id);
  });

  it('lets the same source update what it created', async () => {
    const changed = structuredClone(bundle);
    firstObservation(changed).resource.valueQuantity.value = 77.7;
    const res = (await (await post(changed)).json()) as Json;
    expect(res.entry.every((e: Json) => e.response.status === '200 OK')).toBe(true);
    const chart = await stored('chart', patientId);
    expect((chart.getMap('observations').get(firstObservation(bundle).resource.id) as Y.Map<unknown>).get('valueQuantity')).toMatchObject({ value: 77.7 });
  });

  it('refuses another source the same entries and keeps the values', async () => {
    const other = structuredClone(bundle);
    other.meta = { source: 'https://other-ehr.example/fhir' };
    firstObservation(other).resource.valueQuantity.value = 1.1;
    const res = (await (await post(other)).json()) as Json;
    const i = other.entry.indexOf(firstObservation(other));
    expect(res.entry[i].response).toMatchObject({ status: '409 Conflict', outcome: { issue: [{ code: 'conflict', diagnostics: expect.stringContaining('imported from another source') }] } });
    const chart = await stored('chart', patientId);
    expect((chart.getMap('observations').get(firstObservation(bundle).resource.id) as Y.Map<unknown>).get('valueQuantity')).toMatchObject({ value: 77.7 });
    // Resources kept beside the chart (a claim) are the first source's too.
    const claim = other.entry.findIndex((e: Json) => e.resource.resourceType === 'Claim');
    expect(res.entry[claim].response.status).toBe('409 Conflict');
    expect(res.entry.filter((e: Json) => e.response.status !== '409 Conflict')).toHaveLength(1);
  });
});
