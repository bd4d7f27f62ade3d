import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClinicMismatchError, DocStore, migrateSyncTables, type DocIdentity } from './doc-store';

const DOC: DocIdentity = {
  name: 'chart:0e4b5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a',
  clinicId: 'clinic-a',
  kind: 'chart',
  patientId: '0e4b5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a'
};

function edit(doc: Y.Doc, text: string): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getText('t').insert(doc.getText('t').length, text);
  return Y.encodeStateAsUpdate(doc, before);
}

let db: Database.Database;
let store: DocStore;
beforeEach(() => {
  db = new Database(':memory:');
  migrateSyncTables(db);
  migrateSyncTables(db); // idempotent
  store = new DocStore(db);
});

describe('DocStore', () => {
  it('creates the document on its first write and bumps last_seq on each', () => {
    const src = new Y.Doc();
    expect(store.find(DOC.name)).toBeNull();
    const s1 = store.append(DOC, edit(src, 'a'), 'u1');
    const s2 = store.append(DOC, edit(src, 'b'), 'u2');
    expect(store.find(DOC.name)).toMatchObject({ clinicId: 'clinic-a', kind: 'chart', lastSeq: s2 });
    expect(s2).toBeGreaterThan(s1);
    const rows = db.prepare('SELECT user_id, created_at FROM doc_updates ORDER BY seq').all() as { user_id: string; created_at: string }[];
    expect(rows.map((r) => r.user_id)).toEqual(['u1', 'u2']);
    expect(rows.every((r) => !Number.isNaN(Date.parse(r.created_at)))).toBe(true);
  });

  it('refuses a write naming another clinic', () => {
    store.append(DOC, edit(new Y.Doc(), 'a'), 'u1');
    expect(() => store.append({ ...DOC, clinicId: 'clinic-b' }, edit(new Y.Doc(), 'b'), 'u2')).toThrow(ClinicMismatchError);
    expect((db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n).toBe(1);
  });

  it('appends a group in one transaction: all or none', () => {
    const other = { ...DOC, name: `patient:${DOC.patientId}`, kind: 'patient' as const };
    const seqs = store.appendMany([
      { doc: DOC, update: edit(new Y.Doc(), 'a'), userId: 'u1' },
      { doc: other, update: edit(new Y.Doc(), 'b'), userId: 'u2' }
    ]);
    expect(seqs[1]).toBe(seqs[0] + 1);
    expect(() =>
      store.appendMany([
        { doc: DOC, update: edit(new Y.Doc(), 'c'), userId: 'u1' },
        { doc: { ...other, clinicId: 'clinic-b' }, update: edit(new Y.Doc(), 'd'), userId: 'u3' }
      ])
    ).toThrow(ClinicMismatchError);
    expect((db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n).toBe(2);
    expect(store.find(DOC.name)?.lastSeq).toBe(seqs[0]);
  });

  it('loads snapshot plus the rows after it; an older snapshot never replaces a newer one', () => {
    const src = new Y.Doc();
    store.append(DOC, edit(src, 'one '), 'u1');
    const s2 = store.append(DOC, edit(src, 'two '), 'u1');
    store.saveSnapshot(DOC.name, Y.encodeStateAsUpdate(src), s2);
    store.saveSnapshot(DOC.name, new Uint8Array([0, 0]), s2 - 1);
    store.append(DOC, edit(src, 'three'), 'u1');

    const loaded = store.load(DOC.name)!;
    expect(loaded.rowsSinceSnapshot).toBe(1);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, loaded.update);
    expect(copy.getText('t').toString()).toBe('one two three');
    expect((db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n).toBe(3);
  });

  it('lists changed documents per clinic and kind', () => {
    const s1 = store.append(DOC, edit(new Y.Doc(), 'a'), 'u1');
    const patient = { ...DOC, name: `patient:${DOC.patientId}`, kind: 'patient' as const };
    const s2 = store.append(patient, edit(new Y.Doc(), 'b'), 'u1');
    expect(store.changedSince('clinic-a', ['patient', 'chart'], 0)).toEqual({ names: [DOC.name, patient.name], maxSeq: s2 });
    expect(store.changedSince('clinic-a', ['patient'], 0).names).toEqual([patient.name]);
    expect(store.changedSince('clinic-a', ['chart'], s1).names).toEqual([]);
    expect(store.changedSince('clinic-b', ['chart'], 0).names).toEqual([]);
    expect(store.load('chart:unknown')).toBeNull();
  });
});
