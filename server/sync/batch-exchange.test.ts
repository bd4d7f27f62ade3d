import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import {
  connectRaw,
  decodeServerMessage,
  demographicsEdit,
  noteString,
  rowCount,
  startTestServer,
  textEdit,
  USERS,
  type TestServer
} from './sync-test-server';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const CHART = docName('chart', ID);
const PATIENT = docName('patient', ID);
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function seed(name: string, content: string, clinicId = 'clinic-a'): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const edit = name.startsWith('patient:') ? demographicsEdit(doc, content) : textEdit(doc, content);
  await server!.service.applyServerUpdate(name, clinicId, edit, 'u-seed', 'seed');
  return doc;
}

describe('batch catch-up', () => {
  it('persists pushed updates as the user, broadcasts them, and answers the diff and state vector', async () => {
    server = await startTestServer();
    const serverSide = await seed(CHART, 'Server note. ');
    const watcher = await connectRaw(server.wsBase, CHART, 'nurse');
    expect(decodeServerMessage(await watcher.next()).kind).toBe('step1');

    // A device that caught up earlier, then typed while offline.
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(serverSide));
    const pending = textEdit(device, 'Offline note.');
    const answer = await server.service.handleBatch(USERS.clinician, {
      docs: [{ name: CHART, stateVector: b64(Y.encodeStateVector(device)) }],
      updates: [{ name: CHART, update: b64(pending) }]
    });

    expect(answer.docs).toHaveLength(1);
    const [entry] = answer.docs;
    expect(entry.error).toBeUndefined();
    Y.applyUpdate(device, bytes(entry.update!));
    Y.applyUpdate(serverSide, pending);
    expect(noteString(device)).toBe(noteString(serverSide));
    expect(noteString(device)).toBe('Server note. Offline note.');
    expect(bytes(entry.stateVector!)).toEqual(Y.encodeStateVector(device));

    const row = server.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq DESC LIMIT 1').get(CHART);
    expect(row).toEqual({ user_id: USERS.clinician.id });
    expect(decodeServerMessage(await watcher.next()).kind).toBe('update');
    expect(server.audit.of('doc.batch')).toHaveLength(1);
    expect(server.audit.of('doc.batch')[0].detail).toMatchObject({ docs: 1, updates: 1, written: 1, errors: 0, served: [CHART] });
    expect(server.audit.of('doc.update').at(-1)).toMatchObject({ userId: USERS.clinician.id, target: CHART });
    watcher.ws.terminate();
  });

  it('answers documents nobody has open from storage without loading them', async () => {
    server = await startTestServer();
    const stored = await seed(PATIENT, 'Demographics');
    expect(server.service.stats().openDocs).toBe(0);
    const answer = await server.service.handleBatch(USERS.frontdesk, {
      docs: [{ name: PATIENT, stateVector: b64(new Uint8Array([0])) }]
    });
    expect(server.service.stats().openDocs).toBe(0);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, bytes(answer.docs[0].update!));
    expect(copy.getMap('patient').get('family')).toBe('Demographics');
    expect(bytes(answer.docs[0].stateVector!)).toEqual(Y.encodeStateVector(stored));
  });

  it('refuses per document and serves the rest', async () => {
    server = await startTestServer();
    const ours = await seed(PATIENT, 'ours');
    const foreign = docName('patient', '9b2c6f4e-1d3a-4e5b-8c7d-6e5f4a3b2c1d');
    await seed(foreign, 'theirs', 'clinic-b');
    const badUpdateDoc = docName('patient', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    const updateOnly = docName('patient', 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    const newDevice = new Y.Doc();
    newDevice.clientID = 4242;

    const answer = await server.service.handleBatch(USERS.frontdesk, {
      docs: [
        { name: CHART, stateVector: 'AA==' },
        { name: PATIENT, stateVector: 'AA==' },
        { name: foreign, stateVector: 'AA==' },
        { name: badUpdateDoc, stateVector: 'AA==' }
      ],
      updates: [
        { name: badUpdateDoc, update: b64(demographicsEdit(new Y.Doc(), 'ok')) },
        { name: badUpdateDoc, update: b64(new Uint8Array([5, 200, 1, 9, 9, 9])) },
        { name: updateOnly, update: b64(demographicsEdit(newDevice, 'new')) }
      ]
    });
    const byName = new Map(answer.docs.map((d) => [d.name, d]));
    expect([...byName.keys()].sort()).toEqual([CHART, PATIENT, foreign, badUpdateDoc, updateOnly].sort());
    expect(byName.get(CHART)).toEqual({ name: CHART, error: { code: 'forbidden', message: 'Your role may not open this document.' } });
    expect(byName.get(foreign)).toEqual({ name: foreign, error: { code: 'forbidden', message: 'This document belongs to another clinic.' } });
    expect(byName.get(badUpdateDoc)?.error?.code).toBe('invalid');

    // Served: the whole patient document (the client sent an empty state vector), and the server's state vector.
    const patient = byName.get(PATIENT)!;
    expect(patient.error).toBeUndefined();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, bytes(patient.update!));
    expect(copy.getMap('patient').toJSON()).toEqual({ family: 'ours' });
    expect(bytes(patient.stateVector!)).toEqual(Y.encodeStateVector(ours));
    expect(Y.decodeStateVector(bytes(patient.stateVector!))).toEqual(new Map([[ours.clientID, 1]]));

    // A document only written to: stored, answered with the server's state vector (the one edit), no diff.
    const written = byName.get(updateOnly)!;
    expect(written.error).toBeUndefined();
    expect(written.update).toBeUndefined();
    expect(Y.decodeStateVector(bytes(written.stateVector!))).toEqual(new Map([[4242, 1]]));
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await server.service.readState(updateOnly, 'clinic-a'))!);
    expect(stored.getMap('patient').toJSON()).toEqual({ family: 'new' });

    expect(rowCount(server.db, badUpdateDoc)).toBe(0);
    expect(rowCount(server.db, updateOnly)).toBe(1);
    expect(server.audit.of('authz.denied').map((e) => e.target).sort()).toEqual([CHART, foreign].sort());
    const detail = server.audit.of('doc.batch').at(-1)?.detail as { served: string[] };
    expect({ ...detail, served: [...detail.served].sort() }).toEqual({ docs: 5, updates: 3, written: 1, errors: 3, served: [PATIENT, updateOnly].sort() });
  });

  it('drops writes from a read-only role and says so', async () => {
    server = await startTestServer();
    await seed(PATIENT, 'x');
    const answer = await server.service.handleBatch(USERS.admin, {
      docs: [{ name: PATIENT, stateVector: 'AA==' }],
      updates: [{ name: PATIENT, update: b64(demographicsEdit(new Y.Doc(), 'y')) }]
    });
    expect(answer.docs[0].error?.code).toBe('forbidden');
    expect(rowCount(server.db, PATIENT)).toBe(1);
    expect(server.audit.of('doc.update.rejected')).toHaveLength(1);
  });

  it.each([
    ['not an object', 42],
    ['a name that is not a document', { docs: [{ name: 'chart:nope', stateVector: 'AA==' }] }],
    ['a state vector that is not base64', { docs: [{ name: CHART, stateVector: 'not base64!' }] }],
    ['too many documents', { docs: Array.from({ length: 201 }, () => ({ name: CHART, stateVector: 'AA==' })) }],
    ['too many updates', { updates: Array.from({ length: 501 }, () => ({ name: CHART, update: 'AA==' })) }]
  ])('refuses a malformed request (%s) as a whole', async (_label, body) => {
    server = await startTestServer();
    const err = await server.service.handleBatch(USERS.clinician, body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('invalid');
    expect((err as AppError).details?.length).toBeGreaterThan(0);
  });
});
