import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { UPDATE_RATE } from './sync-connection';
import {
  connectRaw,
  decodeServerMessage,
  noteString,
  rowCount,
  startTestServer,
  syncMessage,
  textEdit,
  typeInto,
  upgradeStatus,
  USERS,
  waitFor,
  type RawClient,
  type TestServer
} from './sync-test-server';

/**
 * What keeps one client, one document or one device's mistake from hurting
 * the others: redundant resends, client-id collisions, missing
 * dependencies, update floods, oversized documents, connection caps and a
 * document that cannot be loaded. Real server, real websockets.
 */
const CHART = docName('chart', '5a0f7e2c-1b3d-4e6f-8a9b-0c1d2e3f4a5b');
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

let server: TestServer | null = null;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server?.stop();
  server = null;
});

async function joined(name: string, as: Parameters<typeof connectRaw>[2]): Promise<RawClient> {
  const c = await connectRaw(server!.wsBase, name, as);
  clients.push(c);
  expect(decodeServerMessage(await c.next()).kind).toBe('step1');
  return c;
}

describe('redundant resends', () => {
  it('stores nothing and audits no update for a reconnect that only repeats deletions the server already has', async () => {
    server = await startTestServer();
    const device = new Y.Doc();
    const writer = await joined(CHART, 'clinician');
    writer.ws.send(syncMessage(2, textEdit(device, 'Cough for three days.')));
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    const before = Y.encodeStateVector(device);
    device.transact(() => {
      const t = (((device.getMap('encounters').values().next().value as Y.Map<unknown>).get('note') as Y.Map<unknown>).get('subjective') as Y.Text);
      t.delete(0, 6);
    });
    writer.ws.send(syncMessage(2, Y.encodeStateAsUpdate(device, before)));
    await waitFor(() => rowCount(server!.db, CHART) === 2);
    const updates = server.audit.of('doc.update').length;
    // A reader's device caught up with both; on reconnect its step 2 carries the delete set again.
    const reader = await joined(CHART, 'nurse');
    const serverVector = Y.encodeStateVector(server.service.liveDocument(CHART)!.doc);
    const echo = Y.encodeStateAsUpdate(device, serverVector);
    expect(Y.decodeUpdate(echo).ds.clients.size).toBe(1);
    reader.ws.send(syncMessage(1, echo));
    // A write sent after it proves the echo was handled first.
    writer.ws.send(syncMessage(2, textEdit(device, ' No fever.')));
    await waitFor(() => rowCount(server!.db, CHART) === 3);
    expect(server.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq').all(CHART)).toEqual([
      { user_id: USERS.clinician.id },
      { user_id: USERS.clinician.id },
      { user_id: USERS.clinician.id }
    ]);
    expect(server.audit.of('doc.update').filter((e) => e.userId === USERS.nurse.id)).toEqual([]);
    expect(server.audit.of('doc.update')).toHaveLength(updates + 1);
  });
});

describe('two devices under one Yjs client id', () => {
  function twins(): [Y.Doc, Y.Doc] {
    const a = new Y.Doc();
    const b = new Y.Doc();
    b.clientID = a.clientID; // a tablet restored from the other's backup
    return [a, b];
  }

  it('refuses the second device’s edit over the websocket instead of dropping it silently', async () => {
    server = await startTestServer();
    const [a, b] = twins();
    const first = await joined(CHART, 'clinician');
    first.ws.send(syncMessage(2, textEdit(a, 'Seen by device A.')));
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    const second = await joined(CHART, 'nurse');
    second.ws.send(syncMessage(2, textEdit(b, 'Other.')));
    const closed = await second.closed;
    expect(closed.code).toBe(4409);
    // The visit, note and section both devices created under the same ids are alike; the typed text (clock 3 on) is not.
    expect(closed.reason).toBe(`client id in use: ${a.clientID} from 3`);
    expect(rowCount(server.db, CHART)).toBe(1);
    expect(server.audit.of('doc.update.refused')).toMatchObject([{ userId: USERS.nurse.id, detail: { rules: ['sync.client-id-collision'], client: a.clientID, clock: 3 } }]);
  });

  it('answers the batch with client-id-conflict, not a silent success', async () => {
    server = await startTestServer();
    const [a, b] = twins();
    await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(textEdit(a, 'From A, a longer note.')) }] });
    const answer = await server.service.handleBatch(USERS.nurse, { docs: [{ name: CHART, stateVector: b64(Y.encodeStateVector(b)) }], updates: [{ name: CHART, update: b64(textEdit(b, 'From B.')) }] });
    expect(answer.docs[0].error).toMatchObject({ code: 'client-id-conflict', clientId: a.clientID, clock: 3 });
    expect(noteString(server.service.liveDocument(CHART)?.doc ?? new Y.Doc())).toBe('From A, a longer note.');
  });

  it('takes the same device sending the same edit twice as the echo it is', async () => {
    server = await startTestServer();
    const a = new Y.Doc();
    const edit = textEdit(a, 'Once.');
    await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(edit) }] });
    const again = await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(edit) }] });
    expect(again.docs[0].error).toBeUndefined();
    expect(rowCount(server.db, CHART)).toBe(1);
  });
});

describe('updates whose earlier changes the server lacks', () => {
  it('asks the client for what is missing (sync step 1) and stores the update once it has it', async () => {
    server = await startTestServer();
    const device = new Y.Doc();
    const first = textEdit(device, 'First. ');
    const second = textEdit(device, 'Second.');
    const c = await joined(CHART, 'clinician');
    c.ws.send(syncMessage(2, second));
    const ask = decodeServerMessage(await c.next());
    expect(ask.kind).toBe('step1');
    expect(rowCount(server.db, CHART)).toBe(0);
    // The client answers the step 1 with everything the server lacks.
    c.ws.send(syncMessage(1, Y.encodeStateAsUpdate(device, ask.payload)));
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    expect(noteString(server.service.liveDocument(CHART)!.doc)).toBe('First. Second.');
    expect(first.byteLength).toBeGreaterThan(0);
  });

  it('answers the batch with missing-dependencies and stores nothing', async () => {
    server = await startTestServer();
    const device = new Y.Doc();
    textEdit(device, 'First. ');
    const answer = await server.service.handleBatch(USERS.clinician, { docs: [{ name: CHART, stateVector: 'AA==' }], updates: [{ name: CHART, update: b64(textEdit(device, 'Second.')) }] });
    expect(answer.docs[0].error?.code).toBe('missing-dependencies');
    expect(answer.docs[0].stateVector).toBe(b64(Y.encodeStateVector(new Y.Doc())));
    expect(rowCount(server.db, CHART)).toBe(0);
  });
});

describe('limits', () => {
  it('closes a connection that floods updates with 4429, audited, after its burst', async () => {
    server = await startTestServer();
    const c = await joined(CHART, 'clinician');
    const device = new Y.Doc();
    for (let i = 0; i < UPDATE_RATE.burst + 50; i++) c.ws.send(syncMessage(2, textEdit(device, 'x')));
    const closed = await c.closed;
    expect(closed.code).toBe(4429);
    expect(server.audit.of('sync.limit')).toMatchObject([{ userId: USERS.clinician.id, target: CHART, detail: { limit: 'update-rate' } }]);
    // The flood was cut: not everything sent was stored.
    expect(rowCount(server.db, CHART)).toBeLessThan(UPDATE_RATE.burst + 50);
    expect(rowCount(server.db, CHART)).toBeGreaterThanOrEqual(UPDATE_RATE.burst);
  });

  it('refuses to grow a document past its size limit, on both paths', async () => {
    server = await startTestServer({ maxDocBytes: 4096 });
    const device = new Y.Doc();
    const c = await joined(CHART, 'clinician');
    c.ws.send(syncMessage(2, textEdit(device, 'a'.repeat(1000))));
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    c.ws.send(syncMessage(2, textEdit(device, 'b'.repeat(3500))));
    expect((await c.closed).code).toBe(4413);
    const answer = await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(textEdit(device, 'c'.repeat(3500))) }] });
    expect(answer.docs[0].error?.code).toBe('too-large');
    expect(rowCount(server.db, CHART)).toBe(1);
  });

  it('caps one user’s open connections', async () => {
    server = await startTestServer({ maxConnectionsPerUser: 2 });
    await joined(CHART, 'clinician');
    await joined(docName('chart', '6b1e8f3d-2c4e-4f70-9bac-1d2e3f4a5b6c'), 'clinician');
    expect(await upgradeStatus(server.wsBase, CHART, 'clinician')).toBe(503);
    expect(await upgradeStatus(server.wsBase, CHART, 'nurse')).toBe(101);
    expect(server.audit.of('sync.limit')).toMatchObject([{ userId: USERS.clinician.id, detail: { limit: 'user-connections' } }]);
  });

  it('holds a user off a document for a while after a refused update ended their connection', async () => {
    server = await startTestServer();
    const c = await joined(CHART, 'nurse');
    const device = new Y.Doc();
    c.ws.send(syncMessage(2, textEdit(device, 'draft')));
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    const before = Y.encodeStateVector(device);
    device.getMap('encounters').delete([...device.getMap('encounters').keys()][0]);
    c.ws.send(syncMessage(2, Y.encodeStateAsUpdate(device, before)));
    expect((await c.closed).code).toBe(4403);
    expect(await upgradeStatus(server.wsBase, CHART, 'nurse')).toBe(503);
    expect(await upgradeStatus(server.wsBase, CHART, 'clinician')).toBe(101);
  });
});

describe('a document that cannot be loaded', () => {
  it('is quarantined once, refused quickly afterwards, survives a restart, and leaves the rest of the server working', async () => {
    server = await startTestServer();
    const device = new Y.Doc();
    typeInto(device, 'Healthy');
    await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(Y.encodeStateAsUpdate(device)) }] });
    // Damage the stored rows behind the server's back (a disk fault, a bad restore).
    const poisoned = docName('chart', '7c2d9e4f-3a5b-4c6d-8e7f-901a2b3c4d5e');
    server.db.prepare('INSERT INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq) VALUES (?, ?, ?, ?, ?, 0)').run(poisoned, 'clinic-a', 'chart', poisoned.slice(6), new Date().toISOString());
    server.db.prepare('INSERT INTO doc_updates (name, "update", user_id, created_at) VALUES (?, ?, ?, ?)').run(poisoned, new Uint8Array([1, 1, 200, 200, 200, 3, 9, 9]), 'u-x', new Date().toISOString());
    expect(await upgradeStatus(server.wsBase, poisoned, 'clinician')).toBe(503);
    expect(await upgradeStatus(server.wsBase, poisoned, 'nurse')).toBe(503);
    expect(server.audit.of('doc.quarantined')).toMatchObject([{ target: poisoned }]);
    const batch = await server.service.handleBatch(USERS.clinician, { docs: [{ name: poisoned, stateVector: 'AA==' }, { name: CHART, stateVector: 'AA==' }] });
    expect(batch.docs.map((d) => d.error?.code)).toEqual(['unavailable', undefined]);

    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir });
    expect(await upgradeStatus(server.wsBase, poisoned, 'clinician')).toBe(503);
    expect(server.audit.of('doc.quarantined')).toEqual([]);
    expect(await upgradeStatus(server.wsBase, CHART, 'clinician')).toBe(101);
  });
});

describe('releasing a quarantined document', () => {
  it('an administrator releases it from another process (the admin CLI); the running server loads it again', async () => {
    const { runAdmin } = await import('../cli/admin-commands');
    server = await startTestServer();
    const name = docName('chart', '8d3e0f5a-4b6c-4d7e-9f80-a1b2c3d4e5f6');
    server.db.prepare('INSERT INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq) VALUES (?, ?, ?, ?, ?, 0)').run(name, 'clinic-a', 'chart', name.slice(6), new Date().toISOString());
    const bad = server.db.prepare('INSERT INTO doc_updates (name, "update", user_id, created_at) VALUES (?, ?, ?, ?)').run(name, new Uint8Array([1, 1, 200, 200, 200, 3, 9, 9]), 'u-x', new Date().toISOString());
    expect(await upgradeStatus(server.wsBase, name, 'clinician')).toBe(503);
    // Repaired (the damaged row removed, as after a restore), then released by the CLI on the same file.
    server.db.prepare('DELETE FROM doc_updates WHERE seq = ?').run(bad.lastInsertRowid);
    const out: string[] = [];
    const io = { out: (l: string) => void out.push(l), askPassword: async () => '' };
    expect(await runAdmin(['list-quarantined'], server.dataDir, io)).toBe(0);
    expect(out.at(-1)?.startsWith(`${name}  `)).toBe(true);
    expect(await runAdmin(['release-document', '--document', name], server.dataDir, io)).toBe(0);
    expect(out.at(-1)).toBe(`Released ${name}: the server loads it again on its next open`);
    expect(await upgradeStatus(server.wsBase, name, 'clinician')).toBe(101);
  });
});

describe('honest resends are not taken for a client-id collision', () => {
  it('a device resending its overwrite of a field (an item located by its origin, not its key) is an echo', async () => {
    server = await startTestServer();
    const device = new Y.Doc();
    typeInto(device, 'x');
    const visit = device.getMap('encounters').get('7e57e57e-0000-4000-8000-00000000a11c') as Y.Map<unknown>;
    const first = Y.encodeStateAsUpdate(device);
    await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(first) }] });
    const sv = Y.encodeStateVector(device);
    device.transact(() => {
      visit.set('reason', 'Cough');
      visit.set('reason', 'Cough and fever');
    });
    const overwrite = Y.encodeStateAsUpdate(device, sv);
    const once = await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(overwrite) }] });
    expect(once.docs[0].error).toBeUndefined();
    // The same rows sent again merged with earlier ones, as a device does after a lost answer.
    const again = await server.service.handleBatch(USERS.clinician, { updates: [{ name: CHART, update: b64(Y.mergeUpdates([first, overwrite])) }] });
    expect(again.docs[0].error).toBeUndefined();
  });
});
