import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initTemplatesDoc, listClinicTemplates, saveClinicTemplate } from '../../src/lib/chart/templates-doc';
import { templatesName } from '../../src/lib/domain/doc-names';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * A clinic's own visit templates over the real platform (session cookies,
 * the batch endpoint, the change list, the write policy): its clinicians
 * and administrators write them, its nurses only read them, the front desk
 * and other clinics cannot open them, and a crafted template is refused.
 */

let app: TestApp;
let clinicA: string;
let clinicB: string;
let ids: Record<string, string>;

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
type BatchDoc = { name: string; update?: string; error?: { code: string; rules?: string[] } };

async function batch(user: string, body: unknown): Promise<BatchDoc[]> {
  const cookie = await sessionCookieFor(app.url, user);
  const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { docs: BatchDoc[] }).docs;
}

/** The server's copy of the clinic's templates, as a device would receive it. */
async function serverCopy(): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(templatesName(clinicA), clinicA);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** A change made on a device's copy of the server's document, sent by `user` through the batch endpoint. */
async function sendChange(user: string, change: (doc: Y.Doc) => void): Promise<BatchDoc> {
  const device = await serverCopy();
  const sv = Y.encodeStateVector(device);
  change(device);
  const [result] = await batch(user, { docs: [], updates: [{ name: templatesName(clinicA), update: b64(Y.encodeStateAsUpdate(device, sv)) }] });
  return result;
}

const INPUT = { name: 'Malaria follow-up', visitType: 'Follow-up', sections: { subjective: 'Fever since last visit: ', objective: '', assessment: '', plan: 'Next review: ' } };

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Clinic A', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'njeri', roles: ['nurse'] },
    { username: 'alex', roles: ['admin'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]);
  clinicA = a.clinicId;
  ids = a.ids;
  clinicB = (await addClinic(app, 'Clinic B', [{ username: 'b.doc', roles: ['clinician'] }])).clinicId;
});

afterAll(async () => {
  await app.stop();
});

describe('clinic templates document', () => {
  it('a clinician sets it up and adds a template; it is stored as theirs, bound to the clinic', async () => {
    const result = await sendChange('amara', (d) => {
      initTemplatesDoc(d, clinicA);
      saveClinicTemplate(d, INPUT, { id: ids.amara, name: 'amara' });
    });
    expect(result.error).toBeUndefined();
    expect(listClinicTemplates(await serverCopy())).toMatchObject([{ name: 'Malaria follow-up', visitType: 'Follow-up', status: 'active', updatedBy: 'amara' }]);
    expect(app.db.prepare('SELECT clinic_id, kind FROM documents WHERE name = ?').get(templatesName(clinicA))).toEqual({ clinic_id: clinicA, kind: 'templates' });
  });

  it('an administrator may edit; a nurse reads but may not write; the front desk may not open it', async () => {
    const [existing] = listClinicTemplates(await serverCopy());
    expect((await sendChange('alex', (d) => saveClinicTemplate(d, { ...INPUT, name: 'Malaria review' }, { id: ids.alex, name: 'alex' }, existing.id))).error).toBeUndefined();

    const [read] = await batch('njeri', { docs: [{ name: templatesName(clinicA), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    const nurseCopy = new Y.Doc();
    Y.applyUpdate(nurseCopy, Buffer.from(read.update!, 'base64'));
    expect(listClinicTemplates(nurseCopy).map((t) => t.name)).toEqual(['Malaria review']);

    const nurseWrite = await sendChange('njeri', (d) => saveClinicTemplate(d, { ...INPUT, name: 'Nurse edit' }, { id: ids.njeri, name: 'njeri' }, existing.id));
    expect(nurseWrite.error?.code).toBe('forbidden');
    const deskWrite = await sendChange('priya', (d) => saveClinicTemplate(d, INPUT, { id: ids.priya, name: 'priya' }));
    expect(deskWrite.error?.code).toBe('forbidden');
    expect(listClinicTemplates(await serverCopy()).map((t) => t.name)).toEqual(['Malaria review']);
  });

  it('refuses crafted templates: oversized text, no name, a deletion', async () => {
    const [existing] = listClinicTemplates(await serverCopy());
    const oversized = await sendChange('amara', (d) =>
      d.getMap('templates').set('t-big', new Y.Map(Object.entries({ id: 't-big', name: 'Big', status: 'active', plan: 'x'.repeat(4001) })))
    );
    expect(oversized.error).toMatchObject({ code: 'refused', rules: ['templates.entry'] });
    const unnamed = await sendChange('amara', (d) => d.getMap('templates').set('t-anon', new Y.Map(Object.entries({ id: 't-anon', name: '', status: 'active' }))));
    expect(unnamed.error).toMatchObject({ code: 'refused', rules: ['templates.entry'] });
    const deleted = await sendChange('amara', (d) => d.getMap('templates').delete(existing.id));
    expect(deleted.error).toMatchObject({ code: 'refused', rules: ['record.no-delete'] });
    expect(listClinicTemplates(await serverCopy()).map((t) => t.id)).toEqual([existing.id]);
  });

  it("another clinic's clinician may not open or claim it; the change list offers it to the clinic's clinical staff and admin only", async () => {
    const [other] = await batch('b.doc', { docs: [{ name: templatesName(clinicA), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    expect(other.error?.code).toBe('forbidden');
    for (const [user, sees] of [['amara', true], ['njeri', true], ['alex', true], ['priya', false]] as const) {
      const cookie = await sessionCookieFor(app.url, user);
      const changes = (await (await getJson(app.url, '/api/sync/changes', cookie)).json()) as { docs: string[] };
      expect(changes.docs.includes(templatesName(clinicA)), user).toBe(sees);
    }
  });
});
