import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { listNoKnownAllergyStatements, recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { listMedicationRecords, prescribe as writePrescription, type DetectedIssue, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import type { Actor } from '../../src/lib/domain/chart';
import { overrideHeldSend, queueSend, updateSend, readSend } from '../../src/lib/chart/pharmacy-send-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import type { SyncServer } from '../sync/sync-service';
import type { Writer } from '../sync/live-doc';
import { SERVER_WRITER_ID } from '../sync/write-pipeline';
import { sha256 } from './rules/prescriptions';

/**
 * The prescribing rules of the write policy (rules/prescriptions.ts): the
 * audit trail and the clinician-only rules, derived on the server from chart
 * updates sent by real y-websocket clients signed in with real sessions, and
 * through the batch path.
 */
let app: TestApp;
let ids: Record<string, string>;
let clinicId: string;
const cookies: Record<string, string> = {};
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  app = await startTestApp();
  ({ ids, clinicId } = await addClinic(app, 'Audit Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'doc2', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] }
  ]));
  for (const u of ['doc', 'doc2', 'nurse']) cookies[u] = await sessionCookieFor(app.url, u);
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

const closes = new WeakMap<Y.Doc, number[]>();

async function openChart(user: string, name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${app.url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: wsAs(user), disableBc: true, maxBackoffTime: 200 });
  providers.push(provider);
  const codes: number[] = [];
  closes.set(doc, codes);
  provider.on('connection-close', (e: { code: number } | null) => {
    if (e) codes.push(e.code);
  });
  if (!provider.synced) await new Promise<void>((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
  return doc;
}

/** The server's stored copy of a chart. */
async function stored(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** Waits until the server closed `doc`'s connection for a refusal. */
const refusedConnection = (doc: Y.Doc) => waitFor(() => (closes.get(doc) ?? []).includes(4403));

/**
 * A later, allowed write (a clinician's own prescription, from a connection
 * of its own), waited for until `observer` has it. The server broadcasts to
 * a connection in the order it handled the writes, so whatever it would have
 * sent `observer` of an earlier, refused write has arrived by then: only
 * after this is the absence of that write on `observer` meaningful.
 */
async function laterAllowedWriteSeenBy(observer: Y.Doc, name: string): Promise<string> {
  const writer = await openChart('doc', name);
  const markerId = prescribe(writer, ibuprofen([]), { id: ids.doc, name: 'doc' });
  await waitFor(() => listMedicationRecords(observer).some((m) => m.id === markerId));
  return markerId;
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Row {
  action: string;
  outcome: string;
  user_id: string;
  target: string;
  detail: Record<string, unknown>;
}
function auditRows(action: string, target: string): Row[] {
  return (app.db.prepare('SELECT action, outcome, user_id, target, detail FROM audit_log WHERE action = ? AND target = ? ORDER BY seq').all(action, target) as (Omit<Row, 'detail'> & { detail: string })[]).map(
    (r) => ({ ...r, detail: JSON.parse(r.detail) })
  );
}

/**
 * Signs as the app does on a chart whose allergies were asked: "no known
 * allergies" is recorded in the same write unless the chart holds a
 * statement, so the server's own drug checks (prescription-checks-policy.test.ts)
 * find nothing unanswered and these tests see the audit trail alone.
 */
function prescribe(doc: Y.Doc, input: PrescriptionInput, actor: Actor, id?: string): string {
  let out = '';
  doc.transact(() => {
    if (listNoKnownAllergyStatements(doc).length === 0) recordNoKnownAllergies(doc, actor, 0);
    out = writePrescription(doc, input, actor, id);
  });
  return out;
}

const issue = (severity: DetectedIssue['severity'], reason?: string, byId = 'x'): DetectedIssue => ({
  kind: 'drug-drug',
  severity,
  title: 'Warfarin + NSAID',
  detail: 'Bleeding risk',
  action: 'Avoid',
  ruleId: 'pddi-warfarin-nsaid',
  source: { citation: 'HL7 PDDI-CDS' },
  ...(reason ? { override: { reason, by: 'Dr', byId, at: '2026-12-01T10:00:00.000Z' } } : {})
});

const ibuprofen = (issues: DetectedIssue[]): PrescriptionInput => ({
  medicationCodeableConcept: { text: 'ibuprofen 400 MG Oral Tablet' },
  dosage: { text: 'Take 1 tablet three times daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 15, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
  detectedIssues: issues
});

describe('prescribing audit from chart updates', () => {
  it('records a clinician signing, with each override: rule id, severity and reason', async () => {
    const name = docName('chart', crypto.randomUUID());
    const doc = await openChart('doc', name);
    const medId = prescribe(doc, ibuprofen([issue('serious', 'Short course, INR in 3 days', ids.doc), issue('moderate')]), { id: ids.doc, name: 'doc' });
    await waitFor(() => auditRows('prescription.override', name).length === 1);
    expect(auditRows('prescription.sign', name)).toEqual([
      { action: 'prescription.sign', outcome: 'success', user_id: ids.doc, target: name, detail: { medicationId: medId, requester: `Practitioner/${ids.doc}`, status: 'active', alerts: 2, overridden: 1 } }
    ]);
    expect(auditRows('prescription.override', name)[0]).toMatchObject({
      outcome: 'success',
      user_id: ids.doc,
      detail: { medicationId: medId, context: 'sign', ruleId: 'pddi-warfarin-nsaid', severity: 'serious', kind: 'drug-drug', reasonLength: 27, reasonSha256: sha256('Short course, INR in 3 days') }
    });
    // Later edits of the entry (stopping it) are not a second signature.
    (doc.getMap('medications').get(medId) as Y.Map<unknown>).set('status', 'stopped');
    await waitFor(() => auditRows('prescription.change', name).length === 1);
    expect(auditRows('prescription.sign', name)).toHaveLength(1);
  });

  it('refuses a prescription written by a nurse: audited as a failure and marked entered-in-error everywhere', async () => {
    const name = docName('chart', crypto.randomUUID());
    const watcher = await openChart('doc', name);
    const nurseDoc = await openChart('nurse', name);
    // A modified client skips the app's role check and writes a signed request anyway.
    const medId = prescribe(nurseDoc, ibuprofen([]), { id: ids.nurse, name: 'nurse' });
    const status = () => listMedicationRecords(watcher).find((m) => m.id === medId)?.status;
    await waitFor(() => status() === 'entered-in-error');
    const rec = listMedicationRecords(nurseDoc).find((m) => m.id === medId)!;
    expect(rec).toMatchObject({ status: 'entered-in-error', statusReason: 'Refused by the server: signed by a user who is not a clinician', statusChangedBy: 'Outpost server' });
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', user_id: ids.nurse, detail: { medicationId: medId, refused: 'not-a-clinician' } }]);
    // The correction is stored, attributed to the server.
    const writers = app.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq').all(name) as { user_id: string }[];
    expect(writers.at(-1)?.user_id).toBe(SERVER_WRITER_ID);
    expect(new Set(writers.slice(0, -1).map((w) => w.user_id))).toEqual(new Set([ids.nurse]));
  });

  it('refuses a prescription naming another clinician as prescriber: nothing of it is stored or broadcast', async () => {
    const name = docName('chart', crypto.randomUUID());
    const watcher = await openChart('doc', name);
    const doc = await openChart('doc2', name);
    const medId = prescribe(doc, ibuprofen([]), { id: ids.doc, name: 'doc' });
    await refusedConnection(doc);
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', user_id: ids.doc2, detail: { refused: 'requester-is-not-the-author' } }]);
    expect(auditRows('doc.update.refused', name)).toMatchObject([{ outcome: 'failure', user_id: ids.doc2, detail: { via: 'websocket', rules: ['provenance.forged-id'] } }]);
    const marker = await laterAllowedWriteSeenBy(watcher, name);
    expect(listMedicationRecords(await stored(name)).map((m) => m.id)).toEqual([marker]);
    expect(listMedicationRecords(watcher).map((m) => m.id)).toEqual([marker]);
    expect(medId).not.toBe(marker);
  });

  it('records an override given when a held send is released, with the send it belongs to', async () => {
    const name = docName('chart', crypto.randomUUID());
    const doc = await openChart('doc', name);
    const actor = { id: ids.doc, name: 'doc' };
    const medId = prescribe(doc, ibuprofen([]), actor);
    const sendId = queueSend(doc, medId, 'riverside', actor);
    const held = { ...issue('serious'), kind: 'drug-allergy', ruleId: 'allergy-nsaid', title: 'NSAID allergy' };
    updateSend(doc, sendId, { state: 'held', heldAlerts: [held] }, actor);
    overrideHeldSend(doc, sendId, [{ ...held, override: { reason: 'Intolerance only, discussed', by: 'doc', byId: ids.doc, at: new Date().toISOString() } }], actor);
    await waitFor(() => auditRows('prescription.override', name).length === 1);
    expect(auditRows('prescription.override', name)[0]).toMatchObject({
      outcome: 'success',
      detail: { medicationId: medId, sendId, context: 'send', ruleId: 'allergy-nsaid', severity: 'serious', reasonLength: 27, reasonSha256: sha256('Intolerance only, discussed') }
    });
    expect(readSend(doc, sendId).state).toBe('queued');
  });

  it('refuses an override of a held send written by a nurse: audited as a failure and the send cancelled', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc', name);
    const actor = { id: ids.doc, name: 'doc' };
    const medId = prescribe(docClient, ibuprofen([]), actor);
    const sendId = queueSend(docClient, medId, 'riverside', actor);
    const held = { ...issue('serious'), kind: 'drug-allergy', ruleId: 'allergy-nsaid', title: 'NSAID allergy' };
    updateSend(docClient, sendId, { state: 'held', heldAlerts: [held] }, actor);
    const nurseDoc = await openChart('nurse', name);
    await waitFor(() => nurseDoc.getMap('pharmacySends').has(sendId) && readSend(nurseDoc, sendId).state === 'held');
    overrideHeldSend(nurseDoc, sendId, [{ ...held, override: { reason: 'Nurse decided to send', by: 'nurse', byId: ids.nurse, at: new Date().toISOString() } }], { id: ids.nurse, name: 'nurse' });
    await waitFor(() => readSend(docClient, sendId).state === 'cancelled');
    expect(readSend(docClient, sendId).cancelReason).toBe('Refused by the server: only a clinician overrides alerts');
    expect(auditRows('prescription.override', name)).toMatchObject([{ outcome: 'failure', user_id: ids.nurse, detail: { context: 'send', refused: 'not-a-clinician' } }]);
  });

  it('audits and refuses the same way when the update arrives in an offline catch-up batch', async () => {
    const name = docName('chart', crypto.randomUUID());
    const offline = new Y.Doc();
    const medId = prescribe(offline, ibuprofen([issue('serious', 'Benefit outweighs risk', ids.nurse)]), { id: ids.nurse, name: 'nurse' });
    const res = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookies.nurse },
      body: JSON.stringify({ docs: [], updates: [{ name, update: Buffer.from(Y.encodeStateAsUpdate(offline)).toString('base64') }] })
    });
    expect(res.status).toBe(200);
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', user_id: ids.nurse, detail: { medicationId: medId, refused: 'not-a-clinician' } }]);
    expect(auditRows('prescription.override', name)).toMatchObject([{ outcome: 'failure', detail: { ruleId: 'pddi-warfarin-nsaid', severity: 'serious', reasonLength: 22, reasonSha256: sha256('Benefit outweighs risk') } }]);
    const viewer = await openChart('doc', name);
    await waitFor(() => listMedicationRecords(viewer).find((m) => m.id === medId)?.status === 'entered-in-error');
  });
});

describe('signed prescriptions stay as signed', () => {
  const nurseActor = () => ({ id: ids.nurse, name: 'nurse' });
  const entry = (doc: Y.Doc, id: string) => doc.getMap('medications').get(id) as Y.Map<unknown>;
  const med = (doc: Y.Doc, id: string) => listMedicationRecords(doc).find((m) => m.id === id);

  it('puts entered-in-error back when a nurse sets her refused prescription active again', async () => {
    const name = docName('chart', crypto.randomUUID());
    const nurseDoc = await openChart('nurse', name);
    const medId = prescribe(nurseDoc, ibuprofen([]), nurseActor());
    await waitFor(() => med(nurseDoc, medId)?.status === 'entered-in-error');
    entry(nurseDoc, medId).set('status', 'active');
    await waitFor(() => auditRows('prescription.change', name).length === 1);
    await waitFor(() => med(nurseDoc, medId)?.status === 'entered-in-error');
    expect(auditRows('prescription.change', name)).toMatchObject([
      { outcome: 'failure', user_id: ids.nurse, detail: { medicationId: medId, fields: ['status'], from: 'entered-in-error', to: 'active', refused: 'not-a-clinician' } }
    ]);
    const viewer = await openChart('doc', name);
    expect(med(viewer, medId)?.status).toBe('entered-in-error');
  });

  it('undoes a nurse changing the drug and dose of a clinician’s prescription in place, and keeps the signed one in force', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc', name);
    const medId = prescribe(docClient, ibuprofen([]), { id: ids.doc, name: 'doc' });
    const nurseDoc = await openChart('nurse', name);
    await waitFor(() => med(nurseDoc, medId) !== undefined);
    nurseDoc.transact(() => {
      entry(nurseDoc, medId).set('medicationCodeableConcept', { text: 'oxycodone 10 MG Oral Tablet' });
      entry(nurseDoc, medId).set('dispense', { quantity: { value: 90, unit: 'tablet' }, numberOfRepeatsAllowed: 5 });
    });
    await waitFor(() => auditRows('prescription.change', name).length === 1);
    await waitFor(() => med(nurseDoc, medId)?.medicationCodeableConcept.text === 'ibuprofen 400 MG Oral Tablet');
    expect(med(docClient, medId)).toMatchObject({ status: 'active', medicationCodeableConcept: { text: 'ibuprofen 400 MG Oral Tablet' }, dispense: { quantity: { value: 15 } } });
    expect(auditRows('prescription.change', name)).toMatchObject([
      { outcome: 'failure', user_id: ids.nurse, detail: { medicationId: medId, fields: ['medicationCodeableConcept', 'dispense'], refused: 'not-a-clinician' } }
    ]);
  });

  it('undoes an in-place dose change by another clinician, but lets a clinician stop a prescription', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc', name);
    const medId = prescribe(docClient, ibuprofen([]), { id: ids.doc, name: 'doc' });
    const other = await openChart('doc2', name);
    await waitFor(() => med(other, medId) !== undefined);
    entry(other, medId).set('dosage', { ...med(other, medId)!.dosage!, doseQuantity: { value: 4, unit: 'tablet' } });
    await waitFor(() => auditRows('prescription.change', name).length === 1);
    await waitFor(() => med(other, medId)?.dosage?.doseQuantity.value === 1);
    expect(auditRows('prescription.change', name)[0]).toMatchObject({ outcome: 'failure', user_id: ids.doc2, detail: { fields: ['dosage'], refused: 'signed-fields-changed' } });
    entry(other, medId).set('status', 'stopped');
    await waitFor(() => auditRows('prescription.change', name).length === 2);
    expect(auditRows('prescription.change', name)[1]).toMatchObject({ outcome: 'success', user_id: ids.doc2, detail: { from: 'active', to: 'stopped' } });
    await waitFor(() => med(docClient, medId)?.status === 'stopped');
    expect(med(await stored(name), medId)?.status).toBe('stopped');
  });

  it('refuses a nurse deleting a signed prescription: the clinician’s copy and the server keep it', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc', name);
    const medId = prescribe(docClient, ibuprofen([]), { id: ids.doc, name: 'doc' });
    const nurseDoc = await openChart('nurse', name);
    await waitFor(() => med(nurseDoc, medId) !== undefined);
    nurseDoc.getMap('medications').delete(medId);
    await refusedConnection(nurseDoc);
    expect(auditRows('doc.update.refused', name)).toMatchObject([{ outcome: 'failure', user_id: ids.nurse, detail: { rules: ['record.no-delete'] } }]);
    const marker = await laterAllowedWriteSeenBy(docClient, name);
    expect(med(await stored(name), medId)).toMatchObject({ status: 'active', requester: { reference: `Practitioner/${ids.doc}` } });
    expect(listMedicationRecords(docClient).map((m) => [m.id, m.status]).sort()).toEqual([[medId, 'active'], [marker, 'active']].sort());
  });

  it('treats a client-written sourceId as no exemption: a nurse’s “imported” signed request is refused; the server’s own import is not', async () => {
    const name = docName('chart', crypto.randomUUID());
    const nurseDoc = await openChart('nurse', name);
    const medId = crypto.randomUUID();
    // A modified client writes the entry with a sourceId in the same transaction, as if it were imported.
    nurseDoc.transact(() => {
      prescribe(nurseDoc, ibuprofen([]), nurseActor(), medId);
      entry(nurseDoc, medId).set('sourceId', 'MedicationRequest/ext-1');
    });
    await waitFor(() => med(nurseDoc, medId)?.status === 'entered-in-error');
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', user_id: ids.nurse, detail: { medicationId: medId, refused: 'not-a-clinician' } }]);

    const offline = new Y.Doc();
    const sneaky = crypto.randomUUID();
    offline.transact(() => {
      prescribe(offline, ibuprofen([]), nurseActor(), sneaky);
      entry(offline, sneaky).set('sourceId', 'MedicationRequest/ext-2');
    });
    const batchName = docName('chart', crypto.randomUUID());
    const res = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookies.nurse },
      body: JSON.stringify({ docs: [], updates: [{ name: batchName, update: Buffer.from(Y.encodeStateAsUpdate(offline)).toString('base64') }] })
    });
    expect(res.status).toBe(200);
    expect(auditRows('prescription.sign', batchName)).toMatchObject([{ outcome: 'failure', detail: { claimsImport: true, refused: 'not-a-clinician' } }]);

    const imported = new Y.Doc();
    const importedId = prescribe(imported, ibuprofen([]), { id: ids.doc, name: 'Imported' });
    entry(imported, importedId).set('sourceId', 'MedicationRequest/ext-3');
    const importName = docName('chart', crypto.randomUUID());
    await app.sync.applyServerUpdate(importName, clinicId, Y.encodeStateAsUpdate(imported), ids.doc);
    expect(auditRows('prescription.sign', importName)).toEqual([]);
    const viewer = await openChart('doc', importName);
    expect(med(viewer, importedId)?.status).toBe('active');
  });
});

const med0 = (doc: Y.Doc, id: string) => listMedicationRecords(doc).find((m) => m.id === id);

describe('overrides belong to their author and their prescription or send', () => {
  it('refuses a nurse copying a clinician’s signing override into a held send: audited, and the send stays held', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc', name);
    const actor = { id: ids.doc, name: 'doc' };
    const medId = prescribe(docClient, ibuprofen([issue('serious', 'Short course, INR in 3 days', ids.doc)]), actor);
    const sendId = queueSend(docClient, medId, 'riverside', actor);
    const held = issue('serious');
    updateSend(docClient, sendId, { state: 'held', heldAlerts: [held] }, actor);
    const nurseDoc = await openChart('nurse', name);
    await waitFor(() => nurseDoc.getMap('pharmacySends').has(sendId) && readSend(nurseDoc, sendId).state === 'held');
    const signed = listMedicationRecords(nurseDoc).find((m) => m.id === medId)!.detectedIssues;
    overrideHeldSend(nurseDoc, sendId, signed, { id: ids.nurse, name: 'nurse' });
    await refusedConnection(nurseDoc);
    expect(auditRows('prescription.override', name).filter((r) => r.detail.context === 'send')).toMatchObject([
      { outcome: 'failure', user_id: ids.nurse, detail: { sendId, refused: 'not-a-clinician' } }
    ]);
    await laterAllowedWriteSeenBy(docClient, name);
    expect(readSend(await stored(name), sendId).state).toBe('held');
    expect(readSend(docClient, sendId).state).toBe('held');
  });

  it('refuses a clinician releasing a send with an override that names another clinician: the send stays held', async () => {
    const name = docName('chart', crypto.randomUUID());
    const docClient = await openChart('doc2', name);
    const actor = { id: ids.doc2, name: 'doc2' };
    const medId = prescribe(docClient, ibuprofen([]), actor);
    const sendId = queueSend(docClient, medId, 'riverside', actor);
    const held = issue('serious');
    updateSend(docClient, sendId, { state: 'held', heldAlerts: [held] }, actor);
    await waitFor(async () => (await stored(name)).getMap('pharmacySends').has(sendId) && readSend(await stored(name), sendId).state === 'held');
    overrideHeldSend(docClient, sendId, [issue('serious', 'Discussed with the patient', ids.doc)], actor);
    await refusedConnection(docClient);
    expect(auditRows('prescription.override', name)).toMatchObject([{ outcome: 'failure', user_id: ids.doc2, detail: { refused: 'override-is-not-the-author' } }]);
    expect(readSend(await stored(name), sendId).state).toBe('held');
  });

  it('refuses a prescription whose signing override names another user', async () => {
    const name = docName('chart', crypto.randomUUID());
    const doc = await openChart('doc2', name);
    const medId = prescribe(doc, ibuprofen([issue('serious', 'Benefit outweighs risk', ids.doc)]), { id: ids.doc2, name: 'doc2' });
    await refusedConnection(doc);
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', detail: { refused: 'override-is-not-the-author' } }]);
    expect(med0(await stored(name), medId)).toBeUndefined();
  });

  it('keeps free-text reasons out of the audit log', () => {
    const rows = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'prescription.override'").all() as { detail: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.detail).not.toMatch(/INR|Intolerance|outweighs|Discussed|decided/);
  });
});

describe('corrections are durable and the watcher never fails a stored write', () => {
  it('writes the refusal even when the server shuts down right after the offending write, and it is there after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-restart-'));
    const first = await startTestApp({ dataDir });
    const { clinicId: clinic, ids: u } = await addClinic(first, 'Restart Clinic', [{ username: 'night-nurse', roles: ['nurse'] }]);
    const cookie = await sessionCookieFor(first.url, 'night-nurse');
    const name = docName('chart', crypto.randomUUID());
    const doc = new Y.Doc();
    const WS = class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket;
    const provider = new WebsocketProvider(`${first.url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: WS, disableBc: true, connect: true });
    let medId = '';
    try {
      await new Promise<void>((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
      const live = (first.sync as SyncServer).liveDocument(name)!;
      let closing: Promise<void> | null = null;
      // Shut down inside the very turn the nurse's write is applied on the server.
      live.doc.on('afterTransaction', (tr: Y.Transaction) => {
        if (!closing && (tr.origin as Writer | null)?.userId === u['night-nurse']) closing = first.close();
      });
      medId = prescribe(doc, ibuprofen([]), { id: u['night-nurse'], name: 'night-nurse' });
      await waitFor(() => closing !== null);
      await closing;
    } finally {
      provider.destroy();
    }
    const second = await startTestApp({ dataDir });
    try {
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await second.sync.readState(name, clinic))!);
      expect(listMedicationRecords(stored).find((m) => m.id === medId)?.status).toBe('entered-in-error');
    } finally {
      await second.stop();
    }
  });

  it('stores no write whose audit entries cannot be stored: the device keeps it and it arrives once the audit store works', async () => {
    const name = docName('chart', crypto.randomUUID());
    app.db.exec(`CREATE TEMP TRIGGER refuse_sign_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'prescription.sign' BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END`);
    const offline = new Y.Doc();
    const medId = prescribe(offline, ibuprofen([]), { id: ids.doc, name: 'doc' });
    const push = () =>
      fetch(`${app.url}/api/sync/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookies.doc },
        body: JSON.stringify({ docs: [], updates: [{ name, update: Buffer.from(Y.encodeStateAsUpdate(offline)).toString('base64') }] })
      }).then((r) => r.json() as Promise<{ docs: { name: string; error?: { code: string } }[] }>);
    try {
      const answer = await push();
      expect(answer.docs).toMatchObject([{ name, error: { code: 'internal' } }]);
      expect(med0(await stored(name), medId)).toBeUndefined();
    } finally {
      app.db.exec('DROP TRIGGER refuse_sign_audit');
    }
    const again = await push();
    expect(again.docs[0].error).toBeUndefined();
    expect(med0(await stored(name), medId)?.status).toBe('active');
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'success', user_id: ids.doc }]);
    // The chain stays whole across the rolled-back attempt.
    const { verifyAuditChain } = await import('../audit/audit-log');
    expect(verifyAuditChain(app.db)).toMatchObject({ ok: true });
  });

  it('stores a correction in the same transaction as the write it corrects, right after it', async () => {
    const name = docName('chart', crypto.randomUUID());
    const nurseDoc = await openChart('nurse', name);
    const medId = prescribe(nurseDoc, ibuprofen([]), { id: ids.nurse, name: 'nurse' });
    await waitFor(() => med0(nurseDoc, medId)?.status === 'entered-in-error');
    const rows = app.db.prepare('SELECT seq, user_id, created_at FROM doc_updates WHERE name = ? ORDER BY seq').all(name) as { seq: number; user_id: string; created_at: string }[];
    const last = rows.slice(-2);
    expect(last.map((r) => r.user_id)).toEqual([ids.nurse, SERVER_WRITER_ID]);
    expect(last[1].seq).toBe(last[0].seq + 1);
    expect(last[1].created_at).toBe(last[0].created_at);
  });
});
