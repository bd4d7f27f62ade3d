import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addAllergy } from '../../src/lib/chart/chart-doc';
import { recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { listMedicationRecords, prescribe, type DetectedIssue } from '../../src/lib/chart/medication-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { bundledDrugPack } from '../../src/lib/domain/drugs';
import { alertKey, checkDraft, emptyDraft, needsOverride, signPrescription, type PrescriptionDraft } from '../../src/lib/services/prescribe.service';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { NITRATE_ALERT, oralRx } from './hostile-cases';

/**
 * The server runs the drug checks again on every prescription signed
 * (rules/prescription-checks.ts) and marks entered-in-error one whose
 * serious alerts the signing clinician did not answer with a reason. Real
 * server, real sessions, real y-websocket clients: crafted signatures that
 * leave alerts out are corrected and audited; the same signatures with the
 * clinician's reasons, a clean prescription, and the prescribe page's own
 * flow (prescribe.service) are taken as signed.
 */
let app: TestApp;
let ids: Record<string, string>;
let clinicId: string;
const cookies: Record<string, string> = {};
const providers: WebsocketProvider[] = [];
/** The drug pack the server checks with: the one the app ships (a version another change may move on). */
const PACK = bundledDrugPack().version;

beforeAll(async () => {
  app = await startTestApp();
  ({ ids, clinicId } = await addClinic(app, 'Checks Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'doc2', roles: ['clinician'] }
  ]));
  for (const u of ['doc', 'doc2']) cookies[u] = await sessionCookieFor(app.url, u);
});
afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});
afterAll(async () => {
  await app.stop();
});

function wsAs(user: string): typeof globalThis.WebSocket {
  const cookie = cookies[user];
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  } as unknown as typeof globalThis.WebSocket;
}

async function open(user: string, name: string, doc: Y.Doc = new Y.Doc()): Promise<Y.Doc> {
  const provider = new WebsocketProvider(`${app.url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: wsAs(user), disableBc: true, maxBackoffTime: 200 });
  providers.push(provider);
  if (!provider.synced) await new Promise<void>((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
  return doc;
}

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stored(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

interface Row {
  action: string;
  outcome: string;
  user_id: string;
  detail: Record<string, unknown>;
}
function audit(action: string, target: string): Row[] {
  return (app.db.prepare('SELECT action, outcome, user_id, detail FROM audit_log WHERE action = ? AND target = ? ORDER BY seq').all(action, target) as (Omit<Row, 'detail'> & { detail: string })[]).map((r) => ({
    ...r,
    detail: JSON.parse(r.detail)
  }));
}

const doc1 = () => ({ id: ids.doc, name: 'doc' });
const reason = (byId: string, by = 'doc') => ({ reason: 'Discussed with the patient', by, byId, at: new Date().toISOString() });

/** A chart on the server, opened by the clinician, set up by `setUp` through the same connection (judged like any write). */
async function chart(setUp: (d: Y.Doc) => void): Promise<{ name: string; doc: Y.Doc; patientId: string }> {
  const patientId = crypto.randomUUID();
  const name = docName('chart', patientId);
  const doc = await open('doc', name);
  setUp(doc);
  return { name, doc, patientId };
}

const nka = (d: Y.Doc) => void recordNoKnownAllergies(d, doc1(), 0);
const sildenafil = (d: Y.Doc) => {
  nka(d);
  prescribe(d, oralRx('sildenafil 50 MG Oral Tablet', 1, 'tablet', 1), doc1());
};
const penicillinAllergy = (d: Y.Doc) =>
  void addAllergy(d, { substance: 'Penicillin', category: 'medication', criticality: 'high', reaction: 'Hives', severity: 'moderate', verificationStatus: 'confirmed' }, doc1());

/** Waits until the server has taken the signature (its sign note and any correction are stored with it), then reads the stored prescription. */
async function signedOnServer(name: string, medId: string) {
  await waitFor(() => audit('prescription.sign', name).some((r) => r.detail.medicationId === medId));
  return listMedicationRecords(await stored(name)).find((m) => m.id === medId)!;
}

const ALLERGY_ALERT: Omit<DetectedIssue, 'override'> = {
  kind: 'drug-allergy',
  severity: 'serious',
  title: 'Penicillin allergy: ordered drug is a penicillin',
  detail: 'The patient has a recorded penicillin allergy and the ordered drug is a penicillin.',
  action: 'Avoid',
  ruleId: 'allergy-penicillin',
  source: { citation: 'Khan DA, et al. Drug allergy: a 2022 practice parameter update.' }
};
const NOT_ASKED_ALERT: Omit<DetectedIssue, 'override'> = {
  kind: 'not-checked',
  severity: 'serious',
  title: 'Allergies not yet asked: this order was not checked against allergies',
  detail: 'The chart records no allergy and no “no known allergies” statement.',
  action: 'Ask the patient.',
  ruleId: 'allergies-not-asked',
  source: { citation: 'HL7 FHIR R4 AllergyIntolerance' }
};

describe('a signature that leaves out an alert the server finds', () => {
  it.each([
    ['beside active sildenafil, a nitrate', sildenafil, 'isosorbide mononitrate 30 MG Oral Tablet', { ruleId: 'fda-pde5-nitrate', severity: 'contraindicated', kind: 'drug-drug' }, 1, 'PDE5 inhibitor + nitrate: isosorbide mononitrate with sildenafil'],
    ['against a recorded penicillin allergy, amoxicillin', penicillinAllergy, 'amoxicillin 500 MG Oral Capsule', { ruleId: 'allergy-penicillin', severity: 'serious', kind: 'drug-allergy' }, 1, 'Penicillin allergy: ordered drug is a penicillin'],
    ['with allergies never asked, acetaminophen', () => {}, 'acetaminophen 500 MG Oral Tablet', { ruleId: 'allergies-not-asked', severity: 'serious', kind: 'not-checked' }, 1, 'Allergies not yet asked: this order was not checked against allergies']
  ] as const)('%s: marked entered in error by the server, corrected and audited with the rule', async (_label, setUp, drug, unanswered, alerts, title) => {
    const { name, doc } = await chart(setUp);
    const medId = prescribe(doc, oralRx(drug, 1, drug.includes('Capsule') ? 'capsule' : 'tablet', 1), doc1());
    // The signer's own copy gets the correction too.
    await waitFor(() => listMedicationRecords(doc).find((m) => m.id === medId)?.status === 'entered-in-error');
    const med = await signedOnServer(name, medId);
    expect([med.status, med.statusReason, med.statusChangedBy]).toEqual(['entered-in-error', `Refused by the server: signed without a reason for ${title}`, 'Outpost server']);
    expect(audit('doc.update.corrected', name)).toEqual([{ action: 'doc.update.corrected', outcome: 'failure', user_id: ids.doc, detail: { via: 'websocket', rules: ['prescription.unanswered-alert'], at: [`medications/${medId}`] } }]);
    expect(audit('prescription.recheck', name)).toEqual([
      { action: 'prescription.recheck', outcome: 'failure', user_id: ids.doc, detail: { medicationId: medId, pack: PACK, alerts, unanswered: [unanswered] } }
    ]);
  });

  it('an override of the alert written in another clinician’s name: refused (provenance.forged-id), nothing stored', async () => {
    const { name, doc } = await chart(sildenafil);
    const closed = new Promise<number>((resolve) => providers.at(-1)!.on('connection-close', (e: { code: number } | null) => e && resolve(e.code)));
    const medId = prescribe(doc, oralRx('isosorbide mononitrate 30 MG Oral Tablet', 1, 'tablet', 1, [{ ...NITRATE_ALERT, override: reason(ids.doc2, 'doc2') }]), doc1());
    expect(await closed).toBe(4403);
    await waitFor(() => audit('doc.update.refused', name).length === 1);
    expect(audit('doc.update.refused', name)[0].detail.rules).toEqual(['provenance.forged-id']);
    expect(listMedicationRecords(await stored(name)).map((m) => m.id)).not.toContain(medId);
  });

  it('a reason shorter than the page asks for does not answer the alert', async () => {
    const { name, doc } = await chart(sildenafil);
    const short = { ...reason(ids.doc), reason: 'ok  ' };
    // The page's own writer refuses it; a crafted client writes the entry directly.
    doc.transact(() => {
      const e = new Y.Map<unknown>();
      doc.getMap('medications').set('crafted-1', e);
      const rx = oralRx('isosorbide mononitrate 30 MG Oral Tablet', 1, 'tablet', 1, [{ ...NITRATE_ALERT, override: short }]);
      const now = new Date().toISOString();
      for (const [k, v] of Object.entries({ resourceType: 'MedicationRequest', id: 'crafted-1', status: 'active', intent: 'order', medicationCodeableConcept: rx.medicationCodeableConcept, authoredOn: now, dosageText: rx.dosage.text, dosage: rx.dosage, dispense: rx.dispense, requester: { reference: `Practitioner/${ids.doc}`, display: 'doc' }, detectedIssues: rx.detectedIssues, createdAt: now, createdBy: 'doc', updatedAt: now, updatedBy: 'doc' }))
        e.set(k, v);
    });
    const med = await signedOnServer(name, 'crafted-1');
    expect(med.status).toBe('entered-in-error');
    expect(audit('prescription.recheck', name).map((r) => r.detail.unanswered)).toEqual([[{ ruleId: 'fda-pde5-nitrate', severity: 'contraindicated', kind: 'drug-drug' }]]);
  });
});

describe('a device that signed offline', () => {
  it('before a clashing medicine was recorded on another device: taken as signed (its pharmacy send is checked again when it goes out)', async () => {
    const { name, doc } = await chart(nka);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(doc));
    const medId = prescribe(offline, oralRx('isosorbide mononitrate 30 MG Oral Tablet', 1, 'tablet', 1), doc1());
    // Meanwhile, online, another clinician prescribes sildenafil: recorded after the offline signature.
    const other = await open('doc2', name);
    const sildenafilId = prescribe(other, oralRx('sildenafil 50 MG Oral Tablet', 1, 'tablet', 1), { id: ids.doc2, name: 'doc2' });
    expect((await signedOnServer(name, sildenafilId)).status).toBe('active');
    // Back online, the device's signature arrives after it.
    await open('doc', name, offline);
    const med = await signedOnServer(name, medId);
    expect(med.status).toBe('active');
    expect(audit('prescription.recheck', name)).toEqual([]);
    expect(audit('doc.update.corrected', name)).toEqual([]);
    // The current chart does raise the contraindication: the prescribe page and the pharmacy outbox see it now.
    expect(checkDraft({ chartDoc: offline }, { ...emptyDraft(), drugId: 'isosorbide-mononitrate', strength: '30 mg', doseValue: 1, quantity: 30 }).map((a) => a.ruleId)).toContain('fda-pde5-nitrate');
  });
});

describe('positive controls: what the clinician answered is taken as signed', () => {
  it.each([
    ['beside active sildenafil, a nitrate with the reason', sildenafil, 'isosorbide mononitrate 30 MG Oral Tablet', NITRATE_ALERT],
    ['against a recorded penicillin allergy, amoxicillin with the reason', penicillinAllergy, 'amoxicillin 500 MG Oral Capsule', ALLERGY_ALERT],
    ['with allergies never asked, acetaminophen with the reason to go ahead', () => {}, 'acetaminophen 500 MG Oral Tablet', NOT_ASKED_ALERT]
  ] as const)('%s: active, nothing corrected', async (_label, setUp, drug, alert) => {
    const { name, doc } = await chart(setUp);
    const medId = prescribe(doc, oralRx(drug, 1, drug.includes('Capsule') ? 'capsule' : 'tablet', 1, [{ ...alert, override: reason(ids.doc) }]), doc1());
    const med = await signedOnServer(name, medId);
    expect(med.status).toBe('active');
    expect(audit('doc.update.corrected', name)).toEqual([]);
    expect(audit('prescription.recheck', name)).toEqual([]);
  });

  it('a clean prescription (allergies asked, nothing interacting, a usual dose): active, no alert needed', async () => {
    const { name, doc } = await chart(nka);
    const medId = prescribe(doc, oralRx('acetaminophen 500 MG Oral Tablet', 1, 'tablet', 3), doc1());
    const med = await signedOnServer(name, medId);
    expect([med.status, med.detectedIssues]).toEqual(['active', []]);
    expect(audit('doc.update.corrected', name)).toEqual([]);
  });

  it('an alert the device recorded that the server did not find is kept as written', async () => {
    const { name, doc } = await chart(nka);
    const extra: DetectedIssue = { ...ALLERGY_ALERT, override: reason(ids.doc) };
    const medId = prescribe(doc, oralRx('acetaminophen 500 MG Oral Tablet', 1, 'tablet', 3, [extra]), doc1());
    const med = await signedOnServer(name, medId);
    expect([med.status, med.detectedIssues]).toEqual(['active', [extra]]);
  });

  it('the prescribe page’s own flow (prescribe.service): the reasons it asks for satisfy the server', async () => {
    const { name, doc } = await chart(sildenafil);
    const draft: PrescriptionDraft = { ...emptyDraft(), drugId: 'isosorbide-mononitrate', strength: '30 mg', doseValue: 1, quantity: 30 };
    const alerts = checkDraft({ chartDoc: doc }, draft);
    expect(alerts.filter(needsOverride).map(alertKey)).toEqual(['fda-pde5-nitrate|PDE5 inhibitor + nitrate: isosorbide mononitrate with sildenafil']);
    const r = signPrescription({ chartDoc: doc }, draft, { [alertKey(alerts[0])]: 'Sildenafil stopped, patient aware' }, { actor: doc1(), roles: ['clinician'] });
    if (!r.ok) throw new Error(r.message);
    const med = await signedOnServer(name, r.id);
    expect(med.status).toBe('active');
    expect(audit('doc.update.corrected', name)).toEqual([]);
  });
});

describe('the patient’s age, from the server’s patient list', () => {
  /** A 3-year-old weighing 12 kg, allergies asked: amoxicillin 500 mg three times a day is 125 mg/kg/day. */
  async function child(): Promise<{ name: string; doc: Y.Doc; patientDoc: Y.Doc }> {
    const c = await chart((d) => {
      nka(d);
      recordVitals(d, { weight: 12 }, doc1());
    });
    const patientDoc = await open('doc', docName('patient', c.patientId));
    initPatientDoc(patientDoc, c.patientId, { family: 'Otieno', given: ['Baraka'], birthDate: '2023-06-01', gender: 'male' }, doc1(), '');
    await waitFor(() => (app.db.prepare('SELECT birth_date FROM patients WHERE id = ?').get(c.patientId) as { birth_date: string } | undefined)?.birth_date === '2023-06-01');
    return { ...c, patientDoc };
  }
  const amoxicillin = (issues: DetectedIssue[] = []) => oralRx('amoxicillin 500 MG Oral Capsule', 1, 'capsule', 3, issues);

  it('a child’s dose over the pediatric range, signed without the alert: corrected with the pediatric rule', async () => {
    const { name, doc } = await child();
    const medId = prescribe(doc, amoxicillin(), doc1());
    const med = await signedOnServer(name, medId);
    expect([med.status, med.statusReason]).toEqual(['entered-in-error', 'Refused by the server: signed without a reason for Dose above the pediatric range: amoxicillin 500 mg (41.67 mg/kg per dose, 125 mg/kg/day)']);
    expect(audit('prescription.recheck', name).map((r) => r.detail.unanswered)).toEqual([[{ ruleId: 'dose-range-pediatric', severity: 'serious', kind: 'dose-range' }]]);
  });

  it('the same order for a patient the server knows no birth date of is checked as an adult: taken', async () => {
    const { name, doc } = await chart((d) => {
      nka(d);
      recordVitals(d, { weight: 12 }, doc1());
    });
    const med = await signedOnServer(name, prescribe(doc, amoxicillin(), doc1()));
    expect(med.status).toBe('active');
  });

  it('the prescribe page with the patient’s record open sees the same alert, and its reason is taken', async () => {
    const { name, doc, patientDoc } = await child();
    const draft: PrescriptionDraft = { ...emptyDraft(), drugId: 'amoxicillin', strength: '500 mg', form: 'capsule', doseValue: 1, doseUnit: 'capsule', frequency: 'three-times-daily', quantity: 21, quantityUnit: 'capsule' };
    const alerts = checkDraft({ chartDoc: doc, patientDoc }, draft).filter(needsOverride);
    expect(alerts.map((a) => a.ruleId)).toEqual(['dose-range-pediatric']);
    const r = signPrescription({ chartDoc: doc, patientDoc }, draft, { [alertKey(alerts[0])]: 'Weight re-checked, specialist advice' }, { actor: doc1(), roles: ['clinician'] });
    if (!r.ok) throw new Error(r.message);
    expect((await signedOnServer(name, r.id)).status).toBe('active');
  });
});
