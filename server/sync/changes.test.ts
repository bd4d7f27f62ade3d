import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { startTestServer, textEdit, USERS, type TestServer } from './sync-test-server';

const P1 = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const P2 = '6e7f8091-2b3c-4d4e-9f0a-1b2c3d4e5f60';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function write(name: string, clinicId = 'clinic-a'): Promise<void> {
  await server!.service.applyServerUpdate(name, clinicId, textEdit(new Y.Doc(), 'x'), 'u-seed', 'seed');
}

describe('changed documents since a cursor', () => {
  it('lists only the clinic’s documents the role may read, and moves the cursor past them', async () => {
    server = await startTestServer();
    await write(docName('patient', P1));
    await write(docName('chart', P1));
    await write(docName('patient', P2), 'clinic-b');

    const all = await server.service.changes(USERS.clinician, undefined);
    expect(all.docs).toEqual([docName('patient', P1), docName('chart', P1)]);
    expect((await server.service.changes(USERS.frontdesk, undefined)).docs).toEqual([docName('patient', P1)]);
    expect((await server.service.changes(USERS.patient, undefined)).docs).toEqual([]);

    expect(await server.service.changes(USERS.clinician, all.cursor)).toEqual({ docs: [], cursor: all.cursor });
    await write(docName('patient', P1));
    const next = await server.service.changes(USERS.clinician, all.cursor);
    expect(next.docs).toEqual([docName('patient', P1)]);
    expect(Number(next.cursor)).toBeGreaterThan(Number(all.cursor));
  });

  it('refuses a cursor it did not issue', async () => {
    server = await startTestServer();
    await expect(server.service.changes(USERS.clinician, '1; DROP TABLE documents')).rejects.toThrow(AppError);
  });
});
