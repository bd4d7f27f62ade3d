import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addClinic, startTestApp, TEST_PASSWORD, type TestApp } from '../../../server/http/test-app';
import { addAllergy } from '../chart/chart-doc';
import { recordNoKnownAllergies } from '../chart/allergy-status';
import { listMedicationRecords } from '../chart/medication-doc';
import { initPatientDoc, readPatient } from '../chart/patient-doc';
import { docName } from '../domain/doc-names';
import { listSends, readSend } from '../chart/pharmacy-send-doc';
import { testVault } from '../storage/test-vault';
import { cookieJar, signIn } from '../sync/test-client';
import { ApiClient } from './api-client';
import {
  backoffMs,
  cancelSend,
  isDue,
  processOutbox,
  recheckSend,
  releaseHeldSend,
  retrySend,
  sendToPharmacy,
  type Who
} from './pharmacy-outbox.service';
import { alertKey, checkDraft, emptyDraft, signPrescription, type PrescriptionDraft } from './prescribe.service';

/**
 * The outbox against the real server's demo pharmacy: sends queued with no
 * network go out later, are re-checked against the chart as it is then, and
 * are held, retried or delivered accordingly.
 */
let app: TestApp;
let api: ApiClient;
let who: Who;

beforeAll(async () => {
  app = await startTestApp();
  await addClinic(app, 'Outbox Clinic', [{ username: 'doc', roles: ['clinician'] }]);
  const jar = cookieJar();
  api = new ApiClient({ base: app.url, fetch: jar.fetch });
  const user = await signIn(api, 'doc', TEST_PASSWORD);
  who = { actor: { id: user.id, name: user.name }, roles: user.roles };
});
afterAll(async () => {
  await app.stop();
});

const draft = (drugId: string, extra: Partial<PrescriptionDraft> = {}): PrescriptionDraft => ({
  ...emptyDraft(),
  drugId,
  strength: drugId === 'warfarin' ? '5 mg' : '400 mg',
  doseValue: 1,
  doseUnit: 'tablet',
  frequency: drugId === 'warfarin' ? 'once-daily' : 'three-times-daily',
  durationDays: drugId === 'warfarin' ? null : 5,
  quantity: drugId === 'warfarin' ? 30 : 15,
  ...extra
});

/** A patient over 65 on warfarin, prescribed ibuprofen with the (serious) interaction overridden. */
function chartWithIbuprofen() {
  const patientDoc = new Y.Doc();
  initPatientDoc(patientDoc, crypto.randomUUID(), { family: 'Rivera', given: ['Ana'], birthDate: '1950-02-03', gender: 'female' }, who.actor, 'MRN-7');
  const docs = { chartDoc: new Y.Doc(), patientDoc };
  // Allergies asked: the patient has none (an unasked list raises its own alert, tested in prescribe.service.test.ts).
  recordNoKnownAllergies(docs.chartDoc, who.actor, 0);
  expect(signPrescription(docs, draft('warfarin'), {}, who)).toMatchObject({ ok: true });
  const [ddi] = checkDraft(docs, draft('ibuprofen'));
  expect(ddi).toMatchObject({ ruleId: 'pddi-warfarin-nsaid', severity: 'serious' });
  const signed = signPrescription(docs, draft('ibuprofen'), { [alertKey(ddi)]: 'Short course, INR checked in 3 days' }, who);
  if (!signed.ok) throw new Error(signed.message);
  return { docs, medId: signed.id };
}

/** The chart as the server holds it once the device synced: the pharmacy checks each send against it. */
async function onServer(docs: { chartDoc: Y.Doc; patientDoc: Y.Doc }): Promise<void> {
  const name = docName('chart', readPatient(docs.patientDoc)!.id);
  await api.request('/api/sync/batch', { method: 'POST', body: { docs: [], updates: [{ name, update: Buffer.from(Y.encodeStateAsUpdate(docs.chartDoc)).toString('base64') }] } });
}

describe('pharmacy outbox', () => {
  it('delivers a queued send after re-checking it; the override made at signing still counts', async () => {
    const { docs, medId } = chartWithIbuprofen();
    await onServer(docs);
    const queued = sendToPharmacy(docs.chartDoc, medId, 'riverside', who);
    expect(queued.ok).toBe(true);
    const id = queued.ok ? queued.id : '';
    expect(readSend(docs.chartDoc, id)).toMatchObject({ state: 'queued', pharmacyId: 'riverside', attempts: 0 });
    expect(sendToPharmacy(docs.chartDoc, medId, 'hilltop', who)).toMatchObject({ ok: false, message: 'This prescription is already on its way to a pharmacy' });

    const report = await processOutbox(docs, api, who);
    expect(report).toEqual({ delivered: [id], held: [], failed: [] });
    const sent = readSend(docs.chartDoc, id);
    expect(sent).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(sent.pharmacyReference).toMatch(/^RX-[0-9A-F]{8}$/);

    // The pharmacy's receipt row and the audit entry name ids only.
    const row = app.db.prepare('SELECT * FROM pharmacy_receipts WHERE request_id = ?').get(medId) as Record<string, unknown>;
    expect(row).toMatchObject({ pharmacy_id: 'riverside', reference: sent.pharmacyReference });
    const audit = app.db.prepare("SELECT * FROM audit_log WHERE action = 'pharmacy.send' ORDER BY seq DESC LIMIT 1").get() as { detail: string; outcome: string };
    expect(audit.outcome).toBe('success');
    expect(JSON.parse(audit.detail)).toMatchObject({ requestId: medId, duplicate: false });
    expect(audit.detail).not.toMatch(/Rivera|1950|ibuprofen/i);
  });

  it('holds a send when an allergy recorded after signing raises a new serious alert, and releases it with a reason', async () => {
    const { docs, medId } = chartWithIbuprofen();
    await onServer(docs);
    const queued = sendToPharmacy(docs.chartDoc, medId, 'riverside', who);
    const id = queued.ok ? queued.id : '';
    // A colleague records an aspirin allergy while the send waits.
    addAllergy(docs.chartDoc, { substance: 'Aspirin', category: 'medication', reaction: 'Wheeze' }, { id: 'u9', name: 'Nurse Lee' });

    expect(await processOutbox(docs, api, who)).toEqual({ delivered: [], held: [id], failed: [] });
    const held = readSend(docs.chartDoc, id);
    expect(held.state).toBe('held');
    expect(held.heldAlerts.map((a) => [a.ruleId, a.severity])).toEqual([['allergy-nsaid', 'serious']]);
    expect(held.lastError).toMatch(/New alert since signing/);
    // Nothing reached the pharmacy.
    expect(app.db.prepare('SELECT count(*) AS n FROM pharmacy_receipts WHERE request_id = ?').get(medId)).toEqual({ n: 0 });
    // A held send stays held on later runs.
    expect(await processOutbox(docs, api, who)).toEqual({ delivered: [], held: [], failed: [] });

    expect(releaseHeldSend(docs.chartDoc, id, {}, who)).toMatchObject({ ok: false });
    const reason = 'Allergy was intolerance only; discussed';
    expect(releaseHeldSend(docs.chartDoc, id, { [alertKey(held.heldAlerts[0])]: reason }, who)).toEqual({ ok: true, id });
    expect(readSend(docs.chartDoc, id).sendOverrides[0].override).toMatchObject({ reason, byId: who.actor.id });

    expect((await processOutbox(docs, api, who)).delivered).toEqual([id]);
    // Both overrides are now on record: the one at signing and the one at send time.
    const med = listMedicationRecords(docs.chartDoc).find((m) => m.id === medId)!;
    expect(recheckSend(docs, med, readSend(docs.chartDoc, id), who.actor).missing).toEqual([]);
  });

  it('retries with backoff while the pharmacy is down, and can be cancelled', async () => {
    const { docs, medId } = chartWithIbuprofen();
    await onServer(docs);
    const queued = sendToPharmacy(docs.chartDoc, medId, 'valley-closed', who);
    const id = queued.ok ? queued.id : '';
    const t0 = new Date();
    expect((await processOutbox(docs, api, who, () => t0)).failed).toEqual([id]);
    const failed = readSend(docs.chartDoc, id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failed.permanent).toBeUndefined();
    expect(failed.lastError).toMatch(/not taking prescriptions/);
    expect(Date.parse(failed.nextAttemptAt!) - t0.getTime()).toBe(backoffMs(1));
    expect(isDue(failed, t0)).toBe(false);
    expect(isDue(failed, new Date(t0.getTime() + backoffMs(1)))).toBe(true);
    // Second failure doubles the wait.
    const t1 = new Date(t0.getTime() + backoffMs(1));
    await processOutbox(docs, api, who, () => t1);
    expect(Date.parse(readSend(docs.chartDoc, id).nextAttemptAt!) - t1.getTime()).toBe(backoffMs(2));
    expect(backoffMs(2)).toBe(2 * backoffMs(1));
    expect(backoffMs(50)).toBe(15 * 60_000);

    expect(retrySend(docs.chartDoc, id, who).ok).toBe(true);
    expect(cancelSend(docs.chartDoc, id, 'Patient will collect elsewhere', who).ok).toBe(true);
    expect(readSend(docs.chartDoc, id)).toMatchObject({ state: 'cancelled', cancelReason: 'Patient will collect elsewhere' });
    expect(await processOutbox(docs, api, who)).toEqual({ delivered: [], held: [], failed: [] });
  });

  it('an unreachable server leaves the send failed and due again later; nothing is lost', async () => {
    const { docs, medId } = chartWithIbuprofen();
    await onServer(docs);
    const queued = sendToPharmacy(docs.chartDoc, medId, 'hilltop', who);
    const id = queued.ok ? queued.id : '';
    const offline = new ApiClient({ base: 'http://127.0.0.1:9' });
    expect((await processOutbox(docs, offline, who)).failed).toEqual([id]);
    expect(readSend(docs.chartDoc, id).lastError).toMatch(/cannot be reached/);
    expect((await processOutbox(docs, api, who, () => new Date(Date.now() + backoffMs(1) + 1))).delivered).toEqual([id]);
  });

  it('a send that overtakes its chart update is retried, and delivered once the server has the prescription', async () => {
    const { docs, medId } = chartWithIbuprofen();
    const queued = sendToPharmacy(docs.chartDoc, medId, 'riverside', who);
    const id = queued.ok ? queued.id : '';
    expect((await processOutbox(docs, api, who)).failed).toEqual([id]);
    expect(readSend(docs.chartDoc, id)).toMatchObject({ state: 'failed', lastError: 'The prescription has not reached the clinic server yet. The send will be retried.' });
    expect(readSend(docs.chartDoc, id).permanent).toBeUndefined();
    await onServer(docs);
    expect((await processOutbox(docs, api, who, () => new Date(Date.now() + backoffMs(1) + 1))).delivered).toEqual([id]);
  });

  it('a send the server’s copy of the chart does not hold as signed is refused by the pharmacy for good', async () => {
    const { docs, medId } = chartWithIbuprofen();
    await onServer(docs);
    // Changed on this device only, in place: not what was signed.
    (docs.chartDoc.getMap('medications').get(medId) as Y.Map<unknown>).set('medicationCodeableConcept', { text: 'oxycodone 10 MG Oral Tablet' });
    const queued = sendToPharmacy(docs.chartDoc, medId, 'riverside', who);
    const id = queued.ok ? queued.id : '';
    expect((await processOutbox(docs, api, who)).failed).toEqual([id]);
    expect(readSend(docs.chartDoc, id)).toMatchObject({ state: 'failed', permanent: true, lastError: expect.stringMatching(/differs from the signed prescription/) });
    expect(app.db.prepare('SELECT count(*) AS n FROM pharmacy_receipts WHERE request_id = ?').get(medId)).toEqual({ n: 0 });
  });

  it('a queued send is kept in the encrypted chart on the device, so it survives a restart', async () => {
    const { docs, medId } = chartWithIbuprofen();
    sendToPharmacy(docs.chartDoc, medId, 'riverside', who);
    const vault = await testVault();
    await vault.docs.append('chart:p1', Y.encodeStateAsUpdate(docs.chartDoc), { pending: true });
    const reopened = new Y.Doc();
    expect(await vault.docs.loadInto('chart:p1', reopened, 'store')).toBe(true);
    vault.close();
    expect(listSends(reopened).map((s) => [s.medicationId, s.state])).toEqual([[medId, 'queued']]);
  });

  it('only a clinician queues, releases or cancels', () => {
    const { docs, medId } = chartWithIbuprofen();
    const nurse: Who = { actor: { id: 'n1', name: 'Nurse' }, roles: ['nurse'] };
    expect(sendToPharmacy(docs.chartDoc, medId, 'riverside', nurse)).toEqual({ ok: false, message: 'A clinician sends prescriptions' });
    expect(sendToPharmacy(docs.chartDoc, medId, 'nowhere', who)).toEqual({ ok: false, message: 'Choose a pharmacy from the directory' });
  });
});
