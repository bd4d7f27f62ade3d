import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocName, type DocName } from '../../src/lib/domain/doc-names';
import { migrateSyncTables } from '../store/doc-store';
import { SqliteDocumentStore } from '../store/document-store';
import { DocRegistry } from './doc-registry';
import { GroupCommit } from './group-commit';
import type { Peer } from './live-doc';
import { MESSAGE_SYNC, SYNC_UPDATE } from './protocol';
import { noteString, RecordingAudit, textEdit, waitFor } from './sync-test-server';

/**
 * What editors receive when a write is stored: the broadcast goes out only
 * after the row is committed, to every connection but the writer's, and a
 * corrected write reaches the others as one update holding the correction.
 */
const NAME = 'chart:5d4c3b2a-1908-4776-8655-443322110099';
const PARSED = parseDocName(NAME) as DocName;

let db: Database.Database;
let registry: DocRegistry;
let commits: GroupCommit;

/** A connection that records each update it is sent, with how many rows were stored when it was sent. */
class RecordingPeer implements Peer {
  readonly received: { update: Uint8Array; storedRows: number }[] = [];
  send(message: Uint8Array): void {
    const d = decoding.createDecoder(message);
    expect(decoding.readVarUint(d)).toBe(MESSAGE_SYNC);
    expect(decoding.readVarUint(d)).toBe(SYNC_UPDATE);
    const storedRows = (db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n;
    this.received.push({ update: decoding.readVarUint8Array(d), storedRows });
  }
  /** The note as this connection would see it after applying what it received. */
  note(start: Uint8Array[] = []): string {
    const doc = new Y.Doc();
    for (const u of [...start, ...this.received.map((r) => r.update)]) Y.applyUpdate(doc, u);
    return noteString(doc);
  }
}

beforeEach(() => {
  db = new Database(':memory:');
  migrateSyncTables(db);
  const store = new SqliteDocumentStore(db, new RecordingAudit());
  registry = new DocRegistry(store, { idleEvictMs: 60_000, compactEvery: 1000 });
  commits = new GroupCommit({ store, registry, onApplied: () => {}, onDropped: () => {} });
});
afterEach(async () => {
  await registry.closeAll();
  db.close();
});

describe('broadcast of stored writes', () => {
  it('sends each write to the other editors only once its row is committed, never back to its writer', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const writer = new RecordingPeer();
    const other = new RecordingPeer();
    live.peers.add(writer);
    live.peers.add(other);
    const author = new Y.Doc();
    let applied = 0;
    for (const word of ['one ', 'two ']) {
      commits.enqueue({ live, rows: [{ bytes: textEdit(author, word), userId: 'u1' }], audit: [], writer: { userId: 'u1', peer: writer }, applied: () => applied++, failed: (err) => { throw err; } });
    }
    expect(other.received).toEqual([]);
    await waitFor(() => applied === 2);
    // Both rows of the turn were committed (in one transaction) before the first was sent.
    expect(other.received.map((r) => r.storedRows)).toEqual([2, 2]);
    expect(other.note()).toBe('one two ');
    expect(writer.received).toEqual([]);
  });

  it('a corrected write reaches the others as one update with its correction; its writer is sent the correction', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const writer = new RecordingPeer();
    const other = new RecordingPeer();
    live.peers.add(writer);
    live.peers.add(other);
    const author = new Y.Doc();
    const edit = textEdit(author, 'draft');
    // The server's correction, written on a copy holding the edit (as the write policy does on its shadow).
    const server = new Y.Doc();
    Y.applyUpdate(server, edit);
    const correction = textEdit(server, ' (corrected)');
    let applied = false;
    commits.enqueue({ live, rows: [{ bytes: edit, userId: 'u1' }, { bytes: correction, userId: 'outpost-server' }], audit: [], writer: { userId: 'u1', peer: writer }, applied: () => (applied = true), failed: (err) => { throw err; } });
    await waitFor(() => applied);
    expect(other.received.length).toBe(1);
    expect(other.received[0].storedRows).toBe(2);
    expect(other.note()).toBe('draft (corrected)');
    expect(writer.received.length).toBe(1);
    expect(writer.note([edit])).toBe('draft (corrected)');
    expect(noteString(live.doc)).toBe('draft (corrected)');
  });

  it('rows read back from the store are sent to every editor only for what they change', async () => {
    const live = await registry.acquire(NAME, PARSED, 'clinic-a');
    const peer = new RecordingPeer();
    live.peers.add(peer);
    const author = new Y.Doc();
    const first = textEdit(author, 'one ');
    const second = textEdit(author, 'two');
    await commits.writeNow(live, [{ bytes: first, userId: 'u1' }], [], { userId: 'u1', server: true });
    expect(peer.received.length).toBe(1);
    // Another process stored `second`: the read-back holds this process's own row (already sent) and it.
    live.advance([first, second], live.heldSeq + 1);
    expect(peer.received.length).toBe(2);
    expect(peer.note()).toBe('one two');
    // Nothing new: nothing sent.
    live.advance([first, second], live.heldSeq + 1);
    expect(peer.received.length).toBe(2);
  });
});
