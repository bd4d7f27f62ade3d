import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import { migrateSyncTables } from '../store/doc-store';
import { SqliteDocumentStore, type DocumentStore } from '../store/document-store';
import { DocRegistry } from './doc-registry';
import { GroupCommit, type WriteRow } from './group-commit';
import { noteString, RecordingAudit, textEdit, waitFor } from './sync-test-server';

const NAME = 'chart:2c1b0a99-8877-4665-9544-332211009988';
const PARSED = parseDocName(NAME) as DocName;

let db: Database.Database;
let store: SqliteDocumentStore;
let registry: DocRegistry;
let commits: GroupCommit;
let audit: RecordingAudit;
const dropped: WriteRow[][] = [];
const row = (bytes: Uint8Array): WriteRow[] => [{ bytes, userId: 'u1' }];

beforeEach(() => {
  db = new Database(':memory:');
  migrateSyncTables(db);
  audit = new RecordingAudit();
  store = new SqliteDocumentStore(db, audit);
  registry = new DocRegistry(store, { idleEvictMs: 20, compactEvery: 1000 });
  dropped.length = 0;
  commits = new GroupCommit({ store, registry, onApplied: () => {}, onDropped: (_live, rows) => void dropped.push([...rows]) });
});
afterEach(async () => {
  await registry.closeAll();
  db.close();
});

describe('GroupCommit', () => {
  it('stores a turn’s updates in order, then applies each', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const author = new Y.Doc();
    const seen: number[] = [];
    for (const word of ['one ', 'two ', 'three']) {
      commits.enqueue({
        live,
        rows: row(textEdit(author, word)),
        audit: [{ action: 'doc.update.corrected', outcome: 'failure', userId: 'u1', target: NAME, detail: { word } }],
        writer: { userId: 'u1' },
        applied: ([seq]) => seen.push(seq),
        failed: (err) => {
          throw err;
        }
      });
    }
    expect(seen).toEqual([]);
    expect(noteString(live.doc)).toBe('');
    expect(audit.events).toEqual([]);
    await waitFor(() => seen.length === 3);
    expect(seen[2] - seen[0]).toBe(2);
    expect(noteString(live.doc)).toBe('one two three');
    // The audit entries that go with the writes were stored with them, in order.
    expect(audit.events.map((e) => e.detail?.word)).toEqual(['one ', 'two ', 'three']);
    registry.release(live);
  });

  it('lets a document go once the last queued write is applied, even if its editor left first', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    commits.enqueue({ live, rows: row(textEdit(new Y.Doc(), 'x')), audit: [], writer: { userId: 'u1' }, applied: () => {}, failed: () => {} });
    registry.release(live); // the connection closed before the turn ended
    commits.flush();
    await waitFor(() => registry.size === 0);
  });

  it('applies nothing of a group it could not store and reports each write', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    db.exec('DROP TABLE doc_updates');
    const failures: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      commits.enqueue({
        live,
        rows: row(textEdit(new Y.Doc(), 'x')),
        audit: [],
        writer: { userId: 'u1' },
        applied: () => {
          throw new Error('must not apply');
        },
        failed: (err) => failures.push(err)
      });
    }
    commits.flush();
    expect(failures).toHaveLength(2);
    expect(noteString(live.doc)).toBe('');
    expect(dropped).toHaveLength(2);
    registry.release(live);
  });
});

/** A store that commits over the network: each commit waits until the test lets it finish (or fail). */
interface Held {
  groupSize: number;
  finish(): void;
  fail(err: Error): void;
}
function heldStore(inner: SqliteDocumentStore): DocumentStore & { held: Held[] } {
  const held: Held[] = [];
  return {
    held,
    engine: 'postgres',
    find: (name) => inner.find(name),
    load: (name) => inner.load(name),
    loadSince: (name, after) => inner.loadSince(name, after),
    saveSnapshot: (name, state, upto) => inner.saveSnapshot(name, state, upto),
    changedSince: (clinicId, kinds, since) => inner.changedSince(clinicId, kinds, since),
    quarantined: () => inner.quarantined(),
    quarantine: (name, reason) => inner.quarantine(name, reason),
    releaseQuarantine: (name) => inner.releaseQuarantine(name),
    compactLog: (opts) => inner.compactLog(opts),
    provenance: (name) => inner.provenance(name),
    compactionPoint: (name) => inner.compactionPoint(name),
    close: async () => {},
    commit: (writes, events) =>
      new Promise((resolve, reject) => {
        held.push({ groupSize: writes.length, finish: () => resolve(inner.commit(writes, events)), fail: reject });
      })
  };
}

describe('GroupCommit on a store that commits asynchronously', () => {
  let held: ReturnType<typeof heldStore>;
  beforeEach(() => {
    held = heldStore(new SqliteDocumentStore(db, audit));
    registry = new DocRegistry(held, { idleEvictMs: 20, compactEvery: 1000 });
    commits = new GroupCommit({ store: held, registry, onApplied: () => {}, onDropped: (_live, rows) => void dropped.push([...rows]) });
  });

  it('applies (and so broadcasts) nothing before the commit returns; writes arriving meanwhile form the next group', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const author = new Y.Doc();
    const seen: string[] = [];
    const write = (word: string) =>
      commits.enqueue({ live, rows: row(textEdit(author, word)), audit: [], writer: { userId: 'u1' }, applied: () => seen.push(word), failed: (err) => { throw err; } });
    write('one ');
    await waitFor(() => held.held.length === 1);
    write('two ');
    write('three');
    await new Promise((r) => setImmediate(r));
    // One group in flight: the later writes wait for it instead of racing it.
    expect(held.held).toHaveLength(1);
    expect(noteString(live.doc)).toBe('');
    expect(seen).toEqual([]);
    held.held[0].finish();
    await waitFor(() => held.held.length === 2);
    expect(seen).toEqual(['one ']);
    expect(noteString(live.doc)).toBe('one ');
    expect(held.held[1].groupSize).toBe(2);
    held.held[1].finish();
    await waitFor(() => seen.length === 3);
    expect(noteString(live.doc)).toBe('one two three');
    registry.release(live);
  });

  it('a failed commit applies nothing and fails each write; a server write waits its turn and is refused the same way', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const failures: unknown[] = [];
    commits.enqueue({ live, rows: row(textEdit(new Y.Doc(), 'x')), audit: [], writer: { userId: 'u1' }, applied: () => { throw new Error('must not apply'); }, failed: (err) => failures.push(err) });
    await waitFor(() => held.held.length === 1);
    const serverWrite = commits.writeNow(live, row(textEdit(new Y.Doc(), 'y')), [], { userId: 'u1', server: true });
    held.held[0].fail(new Error('connection lost'));
    await waitFor(() => held.held.length === 2);
    expect(failures).toHaveLength(1);
    expect(noteString(live.doc)).toBe('');
    held.held[1].fail(new Error('connection lost'));
    await expect(serverWrite).rejects.toThrow('connection lost');
    expect(noteString(live.doc)).toBe('');
    expect(dropped).toHaveLength(2);
    // Positive control: the next write that commits is applied.
    const ok = commits.writeNow(live, row(textEdit(new Y.Doc(), 'z')), [], { userId: 'u1', server: true });
    await waitFor(() => held.held.length === 3);
    held.held[2].finish();
    expect(await ok).toHaveLength(1);
    expect(noteString(live.doc)).toBe('z');
    registry.release(live);
  });
});

describe('opening a document when the store cannot be read', () => {
  it('fails the open without setting the document aside; content that cannot load is set aside', async () => {
    const inner = new SqliteDocumentStore(db, audit);
    let failure: unknown = null;
    const store: DocumentStore = { ...heldStore(inner), load: (name) => (failure ? Promise.reject(failure) : inner.load(name)) };
    const reg = new DocRegistry(store, { idleEvictMs: 20, compactEvery: 1000 });
    // PostgreSQL shutting down (SQLSTATE 57P01), then a refused connection: the document is not to blame.
    failure = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    await expect(reg.acquire(NAME, PARSED, 'clinic-a')).rejects.toMatchObject({ code: '57P01' });
    failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    await expect(reg.acquire(NAME, PARSED, 'clinic-a')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await inner.quarantined()).toEqual([]);
    expect(await reg.isQuarantined(NAME)).toBe(false);
    // Once the store answers again the document opens.
    failure = null;
    const live = await reg.acquire(NAME, PARSED, 'clinic-a');
    reg.release(live, { evictIfIdle: true });
    // Positive control: a stored row that is not a valid update sets the document aside.
    failure = new TypeError('Unexpected end of array');
    await expect(reg.acquire(NAME, PARSED, 'clinic-a')).rejects.toThrow('document is quarantined');
    expect(await inner.quarantined()).toEqual([NAME]);
    await reg.closeAll();
  });
});
