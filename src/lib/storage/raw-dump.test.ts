import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, initChartDoc, noteSection } from '../chart/chart-doc';
import { initPatientDoc, readPatient } from '../chart/patient-doc';
import { toSummary } from '../domain/patient';
import { findAccount, rememberAccount } from './device-database';
import { testVault } from './test-vault';

/**
 * What someone who copies the device's IndexedDB sees: every database, every
 * object store, every record, serialized with byte arrays decoded as text.
 */
async function dumpIndexedDb(): Promise<string> {
  const out: string[] = [];
  for (const info of await indexedDB.databases()) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(info.name!);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    for (const store of Array.from(db.objectStoreNames)) {
      const records = await new Promise<unknown[]>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const r of records) out.push(`${info.name}/${store}: ${serialize(r)}`);
    }
    db.close();
  }
  return out.join('\n');
}

function serialize(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Uint8Array ? new TextDecoder('utf-8', { fatal: false }).decode(v) + '|' + Array.from(v, (b) => String.fromCharCode(b)).join('') : v
  );
}

test('a raw dump of every object store holds no patient name, birth date or note text', async () => {
  const dr = { id: 'u1', name: 'Dr. Test' };
  const pid = crypto.randomUUID();
  const vault = await testVault();
  await rememberAccount({ username: 'drtest', userId: vault.userId, name: 'Dr. Test' });

  const patient = new Y.Doc();
  const chart = new Y.Doc();
  initPatientDoc(patient, pid, { family: 'Zyxwabian', given: ['Quortle'], birthDate: '1961-07-19', gender: 'female' }, dr, 'ABCDEFGH1');
  initChartDoc(chart, pid);
  const enc = addEncounter(chart, { reason: 'Follow-up' }, dr);
  addAllergy(chart, { substance: 'Sulfamethoxazole', category: 'medication', reaction: 'Hives' }, dr);
  noteSection(chart, enc, 'subjective').insert(0, 'Patient reports intermittent vertigo since spring.');
  await vault.docs.append(`chart:${pid}`, Y.encodeStateAsUpdate(chart), { pending: true });
  await vault.docs.append(`patient:${pid}`, Y.encodeStateAsUpdate(patient), { pending: false });
  await vault.docs.compact(`chart:${pid}`);
  await vault.patients.put(toSummary(readPatient(patient)!));
  await vault.meta.setSealed('profile', { name: 'Dr. Test' });

  const dump = await dumpIndexedDb();
  expect(dump).toContain('outpost-user-');
  expect(dump).toContain('outpost-device/accounts');
  expect((await findAccount('drtest'))?.userId).toBe(vault.userId);
  for (const secret of ['Zyxwabian', 'Quortle', '1961-07-19', 'Sulfamethoxazole', 'intermittent vertigo', 'Hives']) {
    expect(dump).not.toContain(secret);
  }
  // The same dump of a plaintext update would contain them: the check can see bytes.
  expect(serialize(Y.encodeStateAsUpdate(chart))).toContain('intermittent vertigo');
  vault.close();
});
