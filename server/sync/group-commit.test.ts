import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import { migrateSyncTables } from '../store/doc-store';
import { SqliteDocumentStore } from '../store/document-store';
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
