import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addTask, listTasks, setTaskStatus } from '../../src/lib/chart/tasks-doc';
import { tasksName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { raiseInboxItem } from './inbox';

/**
 * The inbox's way in (inbox.ts): the server raises the item in the clinic's
 * tasks document; a staff device may move it along but may neither make one
 * up nor change what prompted it (crafted updates to the batch endpoint).
 */

let app: TestApp;
let clinic: string;
let ids: Record<string, string>;
const PATIENT = '2f0c8f0e-7a53-4a4c-9d0e-5b8a1c2d3e4f';
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

async function serverCopy(): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(tasksName(clinic), clinic);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

async function send(user: string, change: (doc: Y.Doc) => void): Promise<{ error?: { code: string; rules?: string[] } }> {
  const device = await serverCopy();
  const sv = Y.encodeStateVector(device);
  change(device);
  const cookie = await sessionCookieFor(app.url, user);
  const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [], updates: [{ name: tasksName(clinic), update: b64(Y.encodeStateAsUpdate(device, sv)) }] }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { docs: { error?: { code: string; rules?: string[] } }[] }).docs[0];
}

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Clinic A', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]);
  clinic = a.clinicId;
  ids = a.ids;
});
afterAll(async () => app?.close());

describe('raiseInboxItem', () => {
  it('files a new item in the clinic tasks document, attributed to the patient account', async () => {
    const id = await raiseInboxItem(app.sync, { clinicId: clinic, patientId: PATIENT, kind: 'message', ref: 'thread-1', label: 'Rash on arm', description: 'New message from the patient' }, { userId: 'patient-user-1', name: 'Portal patient' }, new Date('2026-12-06T10:00:00Z'));
    const tasks = listTasks(await serverCopy());
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ id, status: 'requested', dueDate: '2026-12-06', category: 'clinical', owner: { kind: 'role', role: 'clinician' }, focus: { kind: 'message', ref: 'thread-1', label: 'Rash on arm' }, createdBy: 'Portal patient' });
  });

  it('lets staff move an item along (new → in progress → done)', async () => {
    const [item] = listTasks(await serverCopy());
    expect((await send('amara', (d) => setTaskStatus(d, item.id, 'in-progress', { id: ids.amara, name: 'Amara' }))).error).toBeUndefined();
    expect(listTasks(await serverCopy())[0].status).toBe('in-progress');
  });

  it('refuses an inbox item made up on a staff device (positive control: the same task as an ordinary one is accepted)', async () => {
    const input = { description: 'New message from the patient', patientId: PATIENT, owner: { kind: 'role' as const, role: 'clinician' as const }, dueDate: '2026-12-06', category: 'clinical' as const };
    const ok = await send('priya', (d) => addTask(d, { ...input, focus: { kind: 'none', ref: '', label: '' } }, { id: ids.priya, name: 'Priya' }));
    expect(ok.error).toBeUndefined();
    const refused = await send('priya', (d) => addTask(d, { ...input, focus: { kind: 'message', ref: 'thread-x', label: 'Fake' } }, { id: ids.priya, name: 'Priya' }));
    expect(refused.error?.code).toBe('refused');
    expect(refused.error?.rules).toContain('tasks.inbox');
    expect(listTasks(await serverCopy()).filter((t) => t.focus.kind === 'message')).toHaveLength(1);
  });

  it('refuses a change to what prompted an item', async () => {
    const item = listTasks(await serverCopy()).find((t) => t.focus.kind === 'message')!;
    const refused = await send('amara', (d) => ((d.getMap('tasks').get(item.id) as Y.Map<unknown>).set('focusRef', 'thread-2')));
    expect(refused.error?.code).toBe('refused');
    expect(refused.error?.rules).toContain('record.immutable');
    expect(listTasks(await serverCopy()).find((t) => t.id === item.id)?.focus.ref).toBe('thread-1');
  });

  it('creates the tasks document when the clinic has none yet', async () => {
    const b = await addClinic(app, 'Clinic B', [{ username: 'b.doc', roles: ['clinician'] }]);
    await raiseInboxItem(app.sync, { clinicId: b.clinicId, patientId: PATIENT, kind: 'home-reading', ref: 'r1', label: 'BP 185/120', description: 'Home reading out of range' }, { userId: 'p2', name: 'Portal patient' });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await app.sync.readState(tasksName(b.clinicId), b.clinicId))!);
    expect(listTasks(doc).map((t) => t.focus.kind)).toEqual(['home-reading']);
  });
});
