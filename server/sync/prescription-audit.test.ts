import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { listMedicationRecords, prescribe, type DetectedIssue, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import { overrideHeldSend, queueSend, updateSend, readSend } from '../../src/lib/chart/pharmacy-send-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SERVER_WRITER_ID } from './prescription-audit';

/**
 * The prescribing audit trail and the clinician-only rule, derived on the
 * server from chart updates sent by real y-websocket clients signed in
 * with real sessions.
 */
let app: TestApp;
let ids: Record<string, string>;
const cookies: Record<string, string> = {};
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  app = await startTestApp();
  ({ ids } = await addClinic(app, 'Audit Clinic', [
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

async function openChart(user: string, name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
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
      detail: { medicationId: medId, context: 'sign', ruleId: 'pddi-warfarin-nsaid', severity: 'serious', kind: 'drug-drug', reason: 'Short course, INR in 3 days' }
    });
    // Later edits of the entry (stopping it) are not a second signature.
    (doc.getMap('medications').get(medId) as Y.Map<unknown>).set('status', 'stopped');
    await new Promise((r) => setTimeout(r, 200));
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

  it('refuses a prescription naming another clinician as prescriber', async () => {
    const name = docName('chart', crypto.randomUUID());
    const doc = await openChart('doc2', name);
    const medId = prescribe(doc, ibuprofen([]), { id: ids.doc, name: 'doc' });
    await waitFor(() => listMedicationRecords(doc).find((m) => m.id === medId)?.status === 'entered-in-error');
    expect(auditRows('prescription.sign', name)).toMatchObject([{ outcome: 'failure', user_id: ids.doc2, detail: { refused: 'requester-is-not-the-author' } }]);
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
      detail: { medicationId: medId, sendId, context: 'send', ruleId: 'allergy-nsaid', severity: 'serious', reason: 'Intolerance only, discussed' }
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
    expect(auditRows('prescription.override', name)).toMatchObject([{ outcome: 'failure', detail: { ruleId: 'pddi-warfarin-nsaid', severity: 'serious', reason: 'Benefit outweighs risk' } }]);
    const viewer = await openChart('doc', name);
    await waitFor(() => listMedicationRecords(viewer).find((m) => m.id === medId)?.status === 'entered-in-error');
  });
});
