import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, addEncounter, initChartDoc, noteSection } from '../chart/chart-doc';
import { initPatientDoc, readPatient } from '../chart/patient-doc';
import { toSummary } from '../domain/patient';
import { findAccount, rememberAccount } from './device-database';
import { dumpIndexedDb, rawText } from './raw-indexeddb-dump';
import { testVault } from './test-vault';

test('a raw dump of every object store holds no patient name, birth date or note text', async () => {
  const dr = { id: 'u1', name: 'Dr. Test' };
  const pid = crypto.randomUUID();
  const vault = await testVault();
  await rememberAccount({ username: 'drtest', userId: vault.userId, name: 'Dr. Test' });

  const patient = new Y.Doc();
  const chart = new Y.Doc();
  initPatientDoc(patient, pid, { family: 'Zyxwabian-Ñúñez', given: ['Zoë-Quortle'], birthDate: '1961-07-19', gender: 'female' }, dr, 'ABCDEFGH1');
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
  for (const secret of ['Zyxwabian', 'Ñúñez', 'Zoë-Quortle', 'Quortle', '1961-07-19', 'Sulfamethoxazole', 'intermittent vertigo', 'Hives']) {
    expect(dump).not.toContain(secret);
  }
  // The same dump of a plaintext update would contain them: the check can see bytes.
  expect(await rawText(Y.encodeStateAsUpdate(chart))).toContain('intermittent vertigo');
  expect(await rawText(Y.encodeStateAsUpdate(patient))).toContain('Zoë-Quortle');
  expect(await rawText(new Blob([new Uint8Array(Y.encodeStateAsUpdate(patient))]))).toContain('Zyxwabian-Ñúñez');
  vault.close();
});

/**
 * Positive controls for the dump itself: plaintext planted in a raw store, in
 * each shape a record could hold it, must show up. A dump that printed a Blob
 * as `{}` or decoded bytes as Latin-1 only would miss most of these.
 */
describe('the raw dump finds planted plaintext', () => {
  const NAME = 'Zoë Ñúñez';
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const utf16le = (s: string) => new Uint8Array(Uint16Array.from(s, (c) => c.charCodeAt(0)).buffer);
  const inNoise = (bytes: Uint8Array) => {
    const out = new Uint8Array(bytes.length + 7);
    out.set([0xff, 0x00, 0x81, 0xc3, 0x0a, 0x9f, 0x01]);
    out.set(bytes, 7);
    return out;
  };

  test.each<[string, () => unknown]>([
    ['a string', () => ({ id: 1, name: NAME })],
    ['a string in decomposed (NFD) form', () => ({ id: 1, name: NAME.normalize('NFD') })],
    ['a Blob of UTF-8 bytes', () => ({ id: 1, photo: new Blob([utf8(NAME)], { type: 'text/plain' }) })],
    ['a bare Blob record', () => new Blob([inNoise(utf8(NAME))])],
    ['an ArrayBuffer of UTF-8 bytes', () => ({ id: 1, bytes: utf8(NAME).slice().buffer })],
    ['an ArrayBuffer of Latin-1 bytes', () => ({ id: 1, bytes: latin1(NAME).buffer })],
    ['an ArrayBuffer of UTF-16LE bytes at an odd offset', () => ({ id: 1, bytes: inNoise(utf16le(NAME)).buffer })],
    ['a Uint8Array after binary noise', () => ({ id: 1, bytes: inNoise(utf8(NAME)) })],
    ['a Uint8Array window into a larger buffer', () => ({ id: 1, bytes: inNoise(utf8(NAME)).subarray(7) })],
    ['a DataView window into a larger buffer', () => ({ id: 1, bytes: new DataView(inNoise(utf8(NAME)).buffer, 7) })],
    ['a Map value inside an array', () => ({ id: 1, list: [new Map([['who', NAME]])] })]
  ])('%s', async (_shape, make) => {
    const name = await plant(make(), 'k1');
    // Decoded bytes may hold line breaks, so the dump is searched whole: the
    // name is there while the planted database exists and gone once it is not.
    const dump = await dumpIndexedDb();
    expect(dump).toContain(`${name}/records: "k1" => `);
    expect(dump).toContain(NAME);
    await drop(name);
    expect(await dumpIndexedDb()).not.toContain(NAME);
  });

  test('a plaintext key is found too', async () => {
    const name = await plant({ sealed: true }, ['patient', utf8(NAME).buffer]);
    expect(await dumpIndexedDb()).toContain(NAME);
    await drop(name);
    expect(await dumpIndexedDb()).not.toContain(NAME);
  });
});

/** A fresh database with one store holding one record, written straight through IndexedDB. */
async function plant(value: unknown, key: IDBValidKey): Promise<string> {
  const name = `plaintext-control-${crypto.randomUUID()}`;
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('records');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  return name;
}

function drop(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}
