import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { initPatientDoc, readPatient, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName, scheduleName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { runEdgeEnrol } from '../cli/edge-enrol';
import { makeBundle } from './bundle';
import { KEY_FILE, loadKeys, publicKeyFrom } from './replication-crypto';
import { readEdgeLink, type EdgeReplicator } from './replication-edge';
import { signedPost } from './signed-http';

/**
 * The hub judges what a clinic box replicates: a box whose key was stolen,
 * or whose own server was changed, writes its store directly (here through
 * the box's trusted `seed` path, which skips the box's own write policy)
 * and lets replication carry it. The hub refuses and sets aside what breaks
 * the record's rules or leaves the box's clinic, and takes the rest.
 */

let hub: TestApp;
let edge: TestApp;
let clinicId: string;
let otherClinicId: string;
let ids: Record<string, string>;
let otherIds: Record<string, string>;
let edgeId: string;
let replicator: EdgeReplicator;
let hubAdmin: string;
const providers: WebsocketProvider[] = [];

const P1 = '6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a01';
const P2 = '6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a02';
/** A patient of the other clinic. */
const P3 = '6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a03';
const ENC = '7b2e1d3f-4c5e-4f60-9a1b-2c3d4e5f6a01';
const PAY = '8c3f2e4a-5d6f-4071-8b2c-3d4e5f6a7b01';
const SIGNED_AT = '2026-11-30T09:15:00.000Z';

function openDevice(app: TestApp, name: string, cookie: string): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(app.url.replace(/^http/, 'ws') + '/sync', name, doc, {
    WebSocketPolyfill: class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200
  });
  providers.push(provider);
  return { doc, provider };
}

function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function load(app: TestApp, name: string, clinic = clinicId): Promise<Y.Doc | null> {
  const state = await app.sync.readState(name, clinic);
  if (!state) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** What a box writes to its own store without its write policy (a changed server), as one update. */
async function craft(name: string, write: (doc: Y.Doc) => void): Promise<void> {
  const doc = (await load(edge, name)) ?? new Y.Doc();
  const before = Y.encodeStateVector(doc);
  write(doc);
  await edge.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc, before), ids['k.admin'], 'seed');
}

/** An honest edit at the box: the front desk's device renames the patient (judged by the box's own policy). */
async function honestEdit(family: string): Promise<void> {
  const device = openDevice(edge, docName('patient', P1), await sessionCookieFor(edge.url, 'k.desk'));
  await synced(device.provider);
  updatePatient(device.doc, { family }, { id: ids['k.desk'], name: 'k.desk' });
  await waitFor(async () => {
    const d = await load(edge, docName('patient', P1));
    return !!d && readPatient(d)?.family === family;
  });
}

const held = () => hub.db.prepare('SELECT origin, doc_name AS doc, via, code, rules, times FROM replication_quarantine ORDER BY doc_name').all();
const quarantineAudit = (app: TestApp) => app.db.prepare("SELECT outcome, target, detail FROM audit_log WHERE action = 'edge.quarantine' ORDER BY seq").all() as { outcome: string; target: string; detail: string }[];

function ledgerAmount(doc: Y.Doc | null): unknown {
  return (doc?.getMap('ledger').get(PAY) as Y.Map<unknown> | undefined)?.get('amount');
}

function signedNote(doc: Y.Doc | null): unknown {
  const entry = doc?.getMap('encounters').get(ENC) as Y.Map<unknown> | undefined;
  return (entry?.get('note') as Y.Map<unknown> | undefined)?.get('status');
}

beforeAll(async () => {
  hub = await startTestApp({ replication: { role: 'hub' } });
  const made = await addClinic(hub, 'Kisumu Clinic', [
    { username: 'k.admin', roles: ['admin'] },
    { username: 'k.desk', roles: ['frontdesk'] },
    { username: 'k.clin', roles: ['clinician'] }
  ]);
  const other = await addClinic(hub, 'Other Clinic', [{ username: 'o.nurse', roles: ['nurse'] }]);
  clinicId = made.clinicId;
  ids = made.ids;
  otherClinicId = other.clinicId;
  otherIds = other.ids;
  hubAdmin = await sessionCookieFor(hub.url, 'k.admin');
  edge = await startTestApp({ replication: { role: 'edge', start: false } });
  const res = await fetch(`${hub.url}/api/admin/edges/enrolment-codes`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Kisumu box' }) });
  const { code } = (await res.json()) as { code: string };
  expect(await runEdgeEnrol(['--hub', hub.url, '--code', code], edge.dataDir, () => {})).toBe(0);
  edgeId = readEdgeLink(edge.db)!.edgeId;
  replicator = edge.replication.edge()!;

  // At the hub: two patients of the clinic, a signed visit note, a payment; a patient of the other clinic.
  const desk = { id: ids['k.desk'], name: 'k.desk' };
  for (const [id, family, mrn] of [[P1, 'Otieno', 'MRN-1'], [P2, 'Wanjiru', 'MRN-2']] as const) {
    const d = new Y.Doc();
    initPatientDoc(d, id, { family, given: ['A'], birthDate: '1988-02-03', gender: 'female' }, desk, mrn);
    if (id === P2) {
      d.getMap('ledger').set(PAY, new Y.Map<unknown>(Object.entries({ id: PAY, kind: 'payment', amount: 500, currency: 'KES', clinicId, method: 'cash', createdAt: SIGNED_AT, createdBy: 'k.desk', createdById: ids['k.desk'] })));
    }
    await hub.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(d), ids['k.desk'], 'seed');
  }
  const chart = new Y.Doc();
  const note = new Y.Map<unknown>();
  const enc = new Y.Map<unknown>();
  chart.getMap('encounters').set(ENC, enc);
  enc.set('id', ENC);
  enc.set('resourceType', 'Encounter');
  enc.set('note', note);
  note.set('subjective', new Y.Text('Cough for three days.'));
  note.set('status', 'signed');
  note.set('signature', { byId: ids['k.clin'], by: 'k.clin', at: SIGNED_AT, text: { subjective: 'Cough for three days.' } });
  await hub.sync.applyServerUpdate(docName('chart', P1), clinicId, Y.encodeStateAsUpdate(chart), ids['k.clin'], 'seed');
  const p3 = new Y.Doc();
  initPatientDoc(p3, P3, { family: 'Kamau', given: ['B'], birthDate: '1975-05-05', gender: 'male' }, { id: otherIds['o.nurse'], name: 'o.nurse' }, 'MRN-9');
  await hub.sync.applyServerUpdate(docName('patient', P3), otherClinicId, Y.encodeStateAsUpdate(p3), otherIds['o.nurse'], 'seed');

  const first = await replicator.round();
  expect([first.users, first.pulled, first.refused]).toEqual([3, 3, 0]);
  expect(signedNote(await load(edge, docName('chart', P1)))).toBe('signed');
}, 30_000);

afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});

afterAll(async () => {
  await edge?.stop();
  await hub?.stop();
});

describe('the hub judges what a clinic box replicates', () => {
  it('over the link: a deleted signed note, an edited payment and another clinic’s patient are set aside; an ordinary edit arrives', async () => {
    await craft(docName('chart', P1), (d) => d.getMap('encounters').delete(ENC));
    await craft(docName('patient', P2), (d) => (d.getMap('ledger').get(PAY) as Y.Map<unknown>).set('amount', 5));
    await craft(docName('chart', P3), (d) => d.getMap('allergies').set('a1', new Y.Map<unknown>(Object.entries({ id: 'a1', resourceType: 'AllergyIntolerance', note: 'planted' }))));
    await honestEdit('Otieno-Were');
    expect(signedNote(await load(edge, docName('chart', P1)))).toBeUndefined();

    const r = await replicator.round();
    expect([r.pushed, r.refused]).toEqual([1, 3]);
    // Positive control: the ordinary edit arrived.
    expect(readPatient((await load(hub, docName('patient', P1)))!)?.family).toBe('Otieno-Were');
    // The hub's record is untouched.
    expect(signedNote(await load(hub, docName('chart', P1)))).toBe('signed');
    expect(ledgerAmount(await load(hub, docName('patient', P2)))).toBe(500);
    expect(await load(hub, docName('chart', P3), otherClinicId)).toBeNull();

    const origin = `edge:${edgeId}`;
    expect(held()).toEqual([
      { origin, doc: `chart:${P1}`, via: 'link', code: 'forbidden', rules: '["record.no-delete"]', times: 1 },
      { origin, doc: `chart:${P3}`, via: 'link', code: 'forbidden', rules: '["replication.scope"]', times: 1 },
      { origin, doc: `patient:${P2}`, via: 'link', code: 'forbidden', rules: '["billing.append-only"]', times: 1 }
    ]);
    const audited = quarantineAudit(hub);
    expect(audited.map((a) => [a.outcome, a.target, (JSON.parse(a.detail) as { rules: string[] }).rules]).sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual([
      ['failure', `chart:${P1}`, ['record.no-delete']],
      ['failure', `chart:${P3}`, ['replication.scope']],
      ['failure', `patient:${P2}`, ['billing.append-only']]
    ]);

    // The administrator sees what was set aside, and why, in the clinic boxes list.
    const list = (await (await fetch(`${hub.url}/api/admin/edges`, { headers: { cookie: hubAdmin } })).json()) as { edges: { id: string; heldCount: number; held: { docName: string; reason: string; rules: string[] }[] }[] };
    const box = list.edges.find((e) => e.id === edgeId)!;
    expect(box.heldCount).toBe(3);
    expect(box.held.find((h) => h.docName === `patient:${P2}`)).toMatchObject({ rules: ['billing.append-only'], reason: 'Refused by the rules of the record: A money entry is never changed or deleted: reverse it with a reason.' });
    expect(box.held.find((h) => h.docName === `chart:${P3}`)?.reason).toBe('This patient belongs to another clinic.');

    // Replication goes on: the next honest edit arrives, nothing is audited again.
    await honestEdit('Otieno-Were-Ochieng');
    const next = await replicator.round();
    expect([next.pushed, next.refused]).toEqual([1, 0]);
    expect(readPatient((await load(hub, docName('patient', P1)))!)?.family).toBe('Otieno-Were-Ochieng');
    expect(quarantineAudit(hub)).toHaveLength(3);
  });

  it('by sneakernet file: the same judge sets aside what breaks the rules, and imports the rest', async () => {
    await craft(docName('patient', P2), (d) => d.getMap('ledger').delete(PAY));
    await honestEdit('Ochieng');
    const edgeAdmin = await sessionCookieFor(edge.url, 'k.admin');
    const file = await (await fetch(`${edge.url}/api/admin/edge/bundle/export`, { method: 'POST', headers: { cookie: edgeAdmin, 'content-type': 'application/json' }, body: '{}' })).text();
    const res = await fetch(`${hub.url}/api/admin/edges/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: file });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { docs: number; refused: { name: string; rules: string[] }[] };
    expect(body.refused.map((x) => [x.name, x.rules])).toEqual([[`patient:${P2}`, ['record.no-delete', 'billing.append-only']]]);
    expect(body.docs).toBe(1);
    expect(readPatient((await load(hub, docName('patient', P1)))!)?.family).toBe('Ochieng');
    expect(ledgerAmount(await load(hub, docName('patient', P2)))).toBe(500);
    const row = hub.db.prepare('SELECT via, rules, times FROM replication_quarantine WHERE doc_name = ?').get(`patient:${P2}`);
    expect(row).toEqual({ via: 'bundle', rules: '["record.no-delete","billing.append-only"]', times: 2 });
  });

  it('a crafted push: another clinic’s schedule, a signature in a stranger’s name, a patient’s form; a clean update beside them is taken', async () => {
    const link = readEdgeLink(edge.db)!;
    const keys = loadKeys(path.join(edge.dataDir, KEY_FILE))!;
    const push = (docs: { name: string; update: string }[]) =>
      signedPost({ hubUrl: hub.url, path: '/api/replication/push', edgeId, signKey: keys.signPrivate, hubSignKey: publicKeyFrom(link.hubSignKey, 'ed25519'), payload: { docs } }) as Promise<{ applied: number; refused: { name: string; rules: string[] }[] }>;
    const update = (write: (d: Y.Doc) => void, base?: Y.Doc | null) => {
      const d = base ?? new Y.Doc();
      const sv = Y.encodeStateVector(d);
      write(d);
      return Buffer.from(Y.encodeStateAsUpdate(d, sv)).toString('base64');
    };
    const hubChart = await load(hub, docName('chart', P1));
    const r = await push([
      { name: scheduleName(otherClinicId), update: update((d) => d.getMap('availability').set('x', 'planted')) },
      {
        name: docName('chart', P1),
        update: update((d) => {
          const enc = new Y.Map<unknown>();
          d.getMap('encounters').set('e2', enc);
          enc.set('id', 'e2');
          enc.set('resourceType', 'Encounter');
          const note = new Y.Map<unknown>();
          enc.set('note', note);
          note.set('status', 'signed');
          note.set('signature', { byId: otherIds['o.nurse'], by: 'o.nurse', at: SIGNED_AT });
        }, hubChart)
      },
      { name: docName('chart', P2), update: update((d) => d.getMap('intakeResponses').set('i1', new Y.Map<unknown>(Object.entries({ id: 'i1', answers: 'planted' })))) },
      { name: docName('patient', P1), update: update((d) => updatePatient(d, { phone: '+254 700 000 222' }, { id: ids['k.desk'], name: 'k.desk' }), await load(hub, docName('patient', P1))) }
    ]);
    expect(r.applied).toBe(1);
    expect(r.refused.map((x) => [x.name, x.rules])).toEqual([
      [scheduleName(otherClinicId), ['replication.scope']],
      [docName('chart', P1), ['provenance.unknown-user']],
      [docName('chart', P2), ['intake.server-only']]
    ]);
    expect(readPatient((await load(hub, docName('patient', P1)))!)?.phone).toBe('+254 700 000 222');
    expect(await load(hub, scheduleName(otherClinicId), otherClinicId)).toBeNull();
  });

  it('the box judges what its hub sends for scope: another clinic’s document is set aside there', async () => {
    const hubKeys = loadKeys(path.join(hub.dataDir, KEY_FILE))!;
    const boxKey = (hub.db.prepare('SELECT box_key FROM edges WHERE id = ?').get(edgeId) as { box_key: string }).box_key;
    const d = new Y.Doc();
    d.getMap('availability').set('x', 'planted');
    const own = await load(hub, docName('patient', P1));
    updatePatient(own!, { phone: '+254 700 000 333' }, { id: ids['k.desk'], name: 'k.desk' });
    const users = (await import('./replication-core')).exportUsers(hub.db, clinicId);
    const file = makeBundle(hubKeys, boxKey, { from: 'hub', edgeId }, {
      docs: [
        { name: scheduleName(otherClinicId), update: Buffer.from(Y.encodeStateAsUpdate(d)).toString('base64') },
        { name: docName('patient', P1), update: Buffer.from(Y.encodeStateAsUpdate(own!)).toString('base64') }
      ],
      users
    });
    const edgeAdmin = await sessionCookieFor(edge.url, 'k.admin');
    const res = await fetch(`${edge.url}/api/admin/edge/bundle`, { method: 'POST', headers: { cookie: edgeAdmin, 'content-type': 'application/json' }, body: file });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { docs: number; refused: number })).toMatchObject({ docs: 1, refused: 1 });
    expect(readPatient((await load(edge, docName('patient', P1)))!)?.phone).toBe('+254 700 000 333');
    expect(edge.db.prepare('SELECT origin, doc_name AS doc, via, rules FROM replication_quarantine').all()).toEqual([{ origin: 'hub', doc: scheduleName(otherClinicId), via: 'bundle', rules: '["replication.scope"]' }]);
    expect(quarantineAudit(edge).map((a) => [a.outcome, a.target])).toEqual([['failure', scheduleName(otherClinicId)]]);
  });
});
