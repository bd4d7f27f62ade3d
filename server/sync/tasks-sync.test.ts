import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initRegistriesDoc, listRegistries, saveRegistry } from '../../src/lib/chart/registries-doc';
import { addTask, initTasksDoc, listTasks, setTaskStatus } from '../../src/lib/chart/tasks-doc';
import { registriesName, tasksName } from '../../src/lib/domain/doc-names';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The clinic's tasks and registry definitions over the real platform
 * (session cookies, the batch endpoint, the change list, the write policy):
 * crafted writes sent straight to the server are refused with the rule
 * named, another clinic cannot open or claim them, and the desk may not
 * close a clinical task.
 */

let app: TestApp;
let clinicA: string;
let ids: Record<string, string>;
const PATIENT = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
type BatchDoc = { name: string; update?: string; error?: { code: string; message?: string; rules?: string[] } };

async function batch(user: string, body: unknown): Promise<BatchDoc[]> {
  const cookie = await sessionCookieFor(app.url, user);
  const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { docs: BatchDoc[] }).docs;
}

async function serverCopy(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicA);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

async function sendChange(user: string, name: string, change: (doc: Y.Doc) => void): Promise<BatchDoc> {
  const device = await serverCopy(name);
  const sv = Y.encodeStateVector(device);
  change(device);
  const [result] = await batch(user, { docs: [], updates: [{ name, update: b64(Y.encodeStateAsUpdate(device, sv)) }] });
  return result;
}

const TASK = { description: 'Review HbA1c 9.4%', patientId: PATIENT, owner: { kind: 'role' as const, role: 'nurse' as const }, dueDate: '2026-12-10', category: 'clinical' as const };

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
  await addClinic(app, 'Clinic B', [{ username: 'b.doc', roles: ['clinician'] }]);
});

afterAll(async () => {
  await app.stop();
});

describe('clinic tasks over the batch endpoint', () => {
  it('a clinician adds a task; the desk may not complete it (clinical), the nurse does', async () => {
    const name = tasksName(clinicA);
    let id = '';
    const added = await sendChange('amara', name, (d) => {
      initTasksDoc(d, clinicA);
      id = addTask(d, TASK, { id: ids.amara, name: 'amara' });
    });
    expect(added.error).toBeUndefined();
    const desk = await sendChange('priya', name, (d) => setTaskStatus(d, id, 'completed', { id: ids.priya, name: 'priya' }));
    expect(desk.error).toMatchObject({ code: 'refused', rules: ['tasks.role'] });
    expect(listTasks(await serverCopy(name))).toMatchObject([{ id, status: 'requested' }]);
    const nurse = await sendChange('njeri', name, (d) => setTaskStatus(d, id, 'completed', { id: ids.njeri, name: 'njeri' }));
    expect(nurse.error).toBeUndefined();
    expect(listTasks(await serverCopy(name))).toMatchObject([{ id, status: 'completed', completedBy: 'njeri' }]);
  });

  it('refuses a crafted task with an unknown status or no patient, and an administrator writing', async () => {
    const name = tasksName(clinicA);
    const raw = { id: 't-x', description: 'x', patientId: PATIENT, ownerKind: 'role', ownerRole: 'nurse', dueDate: '2026-12-10', category: 'admin', focusKind: 'none' };
    const unknown = await sendChange('amara', name, (d) => d.getMap('tasks').set('t-x', new Y.Map(Object.entries({ ...raw, status: 'archived' }))));
    expect(unknown.error).toMatchObject({ code: 'refused', rules: ['tasks.entry'] });
    const noPatient = await sendChange('amara', name, (d) => d.getMap('tasks').set('t-y', new Y.Map(Object.entries({ ...raw, id: 't-y', patientId: '', status: 'requested' }))));
    expect(noPatient.error).toMatchObject({ code: 'refused', rules: ['tasks.entry'] });
    const admin = await sendChange('alex', name, (d) => addTask(d, TASK, { id: ids.alex, name: 'alex' }));
    expect(admin.error?.code).toBe('forbidden');
    expect(listTasks(await serverCopy(name)).map((t) => t.id)).not.toContain('t-x');
    expect(listTasks(await serverCopy(name))).toHaveLength(1);
  });

  it("another clinic's clinician may not open or write the clinic's tasks; the change list offers them to its staff", async () => {
    const [read] = await batch('b.doc', { docs: [{ name: tasksName(clinicA), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    expect(read.error?.code).toBe('forbidden');
    const device = new Y.Doc();
    initTasksDoc(device, clinicA);
    addTask(device, TASK, { id: 'b', name: 'b.doc' });
    const [write] = await batch('b.doc', { docs: [], updates: [{ name: tasksName(clinicA), update: b64(Y.encodeStateAsUpdate(device)) }] });
    expect(write.error?.code).toBe('forbidden');
    for (const [user, sees] of [['amara', true], ['njeri', true], ['priya', true], ['alex', true], ['b.doc', false]] as const) {
      const cookie = await sessionCookieFor(app.url, user);
      const changes = (await (await getJson(app.url, '/api/sync/changes', cookie)).json()) as { docs: string[] };
      expect(changes.docs.includes(tasksName(clinicA)), user).toBe(sees);
    }
  });
});

describe('clinic registry definitions over the batch endpoint', () => {
  it('a clinician defines one; a crafted rule is refused; a nurse may not write', async () => {
    const name = registriesName(clinicA);
    const ok = await sendChange('amara', name, (d) => {
      initRegistriesDoc(d, clinicA);
      saveRegistry(d, { name: 'Women on statins', rules: [{ kind: 'sex', sex: 'female' }, { kind: 'medication', drugClass: 'statin' }] }, { id: ids.amara, name: 'amara' });
    });
    expect(ok.error).toBeUndefined();
    const crafted = await sendChange('amara', name, (d) =>
      d.getMap('registries').set('r-bad', new Y.Map(Object.entries({ id: 'r-bad', name: 'Everyone', description: '', rules: [{ kind: 'sql', where: '1=1' }], filters: [], status: 'active' })))
    );
    expect(crafted.error).toMatchObject({ code: 'refused', rules: ['registries.definition'] });
    const nurse = await sendChange('njeri', name, (d) => saveRegistry(d, { name: 'Nurse list', rules: [{ kind: 'pregnant' }] }, { id: ids.njeri, name: 'njeri' }));
    expect(nurse.error?.code).toBe('forbidden');
    expect(listRegistries(await serverCopy(name)).map((r) => r.name)).toEqual(['Women on statins']);
  });
});
