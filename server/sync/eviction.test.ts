import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { connectRaw, decodeServerMessage, noteString, startTestServer, syncMessage, textEdit, USERS, waitFor, type TestServer } from './sync-test-server';

const CHART = docName('chart', '0f8fad5b-d9cb-469f-a165-70867728950e');

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

/** Listener counts of lib0 observables (Y.Doc, Awareness), by event name. */
function listeners(observable: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const map = (observable as { _observers: Map<string, Set<unknown>> })._observers;
  for (const [event, set] of map) out[event] = set.size;
  return out;
}

async function openAndClose(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const c = await connectRaw(server!.wsBase, CHART, i % 2 ? 'clinician' : 'nurse');
    expect(decodeServerMessage(await c.next()).kind).toBe('step1');
    c.ws.close();
    await c.closed;
  }
}

describe('memory held for documents', () => {
  it('keeps one listener per document however many connections came and went', async () => {
    server = await startTestServer({ idleEvictMs: 60_000 });
    await openAndClose(1);
    await waitFor(() => server!.service.stats().connections === 0);
    const live = server.service.liveDocument(CHART)!;
    const before = { doc: listeners(live.doc), awareness: listeners(live.awareness) };

    await openAndClose(40);
    await waitFor(() => server!.service.stats().connections === 0);
    expect(server.service.liveDocument(CHART)).toBe(live);
    expect({ doc: listeners(live.doc), awareness: listeners(live.awareness) }).toEqual(before);
    expect(live.peers.size).toBe(0);
    expect(live.holds).toBe(0);
  });

  it('evicts a document once idle, destroying it, and reloads it from storage on the next open', async () => {
    server = await startTestServer({ idleEvictMs: 50 });
    const c = await connectRaw(server.wsBase, CHART, 'clinician');
    await c.next();
    c.ws.send(syncMessage(2, textEdit(new Y.Doc(), 'kept')));
    await waitFor(() => server!.service.stats().openDocs === 1);
    const live = server.service.liveDocument(CHART)!;
    c.ws.close();
    await c.closed;

    await waitFor(() => server!.service.stats().openDocs === 0);
    expect(live.doc.isDestroyed).toBe(true);
    expect(listeners(live.doc).update ?? 0).toBe(0);

    const again = await server.service.handleBatch(USERS.clinician, { docs: [{ name: CHART, stateVector: 'AA==' }] });
    const copy = new Y.Doc();
    Y.applyUpdate(copy, new Uint8Array(Buffer.from(again.docs[0].update!, 'base64')));
    expect(noteString(copy)).toBe('kept');
  });

  it('keeps a document a batch just used for the idle period, then lets it go', async () => {
    server = await startTestServer({ idleEvictMs: 80 });
    await server.service.handleBatch(USERS.clinician, {
      docs: [],
      updates: [{ name: CHART, update: Buffer.from(textEdit(new Y.Doc(), 'x')).toString('base64') }]
    });
    expect(server.service.stats().openDocs).toBe(1);
    await waitFor(() => server!.service.stats().openDocs === 0);
  });

  it('does not keep documents written by a server-side import', async () => {
    server = await startTestServer({ idleEvictMs: 60_000 });
    await server.service.applyServerUpdate(CHART, 'clinic-a', textEdit(new Y.Doc(), 'imported'), 'u-import');
    expect(server.service.stats().openDocs).toBe(0);
    expect(server.changed).toEqual([{ name: CHART, clinicId: 'clinic-a' }]);
  });
});
