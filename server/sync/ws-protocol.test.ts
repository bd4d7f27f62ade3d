import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import {
  connectRaw,
  decodeServerMessage,
  noteString,
  rowCount,
  startTestServer,
  syncMessage,
  textEdit,
  upgradeStatus,
  USERS,
  waitFor,
  type RawClient,
  type TestServer
} from './sync-test-server';

const CHART = docName('chart', '7c9e6679-7425-40de-944b-e07fc1f90ae7');
const PATIENT = docName('patient', '7c9e6679-7425-40de-944b-e07fc1f90ae7');

let server: TestServer | null = null;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server?.stop();
  server = null;
});

async function raw(name: string, as: Parameters<typeof connectRaw>[2]): Promise<RawClient> {
  const c = await connectRaw(server!.wsBase, name, as);
  clients.push(c);
  return c;
}

/** Connects and consumes the server's opening sync step 1. */
async function joined(name: string, as: Parameters<typeof connectRaw>[2]): Promise<RawClient> {
  const c = await raw(name, as);
  expect(decodeServerMessage(await c.next()).kind).toBe('step1');
  return c;
}

async function seed(name: string, content: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  await server!.service.applyServerUpdate(name, 'clinic-a', textEdit(doc, content), USERS.clinician.id, 'seed');
  return doc;
}

describe('the y-websocket handshake', () => {
  it('opens with sync step 1 reflecting stored state, and answers step 1 with step 2 holding it', async () => {
    server = await startTestServer();
    const stored = await seed(CHART, 'Hypertension, on lisinopril.');
    const c = await raw(CHART, 'clinician');

    const first = decodeServerMessage(await c.next());
    expect(first.kind).toBe('step1');
    expect(first.payload).toEqual(Y.encodeStateVector(stored));

    c.ws.send(syncMessage(0, Y.encodeStateVector(new Y.Doc())));
    const reply = decodeServerMessage(await c.next());
    expect(reply.kind).toBe('step2');
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, reply.payload);
    expect(noteString(mirror)).toBe('Hypertension, on lisinopril.');
    expect(c.pending()).toEqual([]);
  });

  it('relays an update to the other connections, not back to its sender', async () => {
    server = await startTestServer();
    const a = await joined(CHART, 'clinician');
    const b = await joined(CHART, 'nurse');
    const update = textEdit(new Y.Doc(), 'SpO2 97%');
    a.ws.send(syncMessage(2, update));
    const got = decodeServerMessage(await b.next());
    expect(got.kind).toBe('update');
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    expect(a.pending()).toEqual([]);
  });
});

describe('refusing an upgrade before the handshake', () => {
  it.each([
    ['no session', null, CHART, 401],
    ['front desk opening a chart', 'frontdesk', CHART, 403],
    ['a patient account opening a demographics document', 'patient', PATIENT, 403],
    ['a path that names no document', 'clinician', 'chart:not-a-uuid', 400]
  ] as const)('%s → %i', async (_label, as, name, status) => {
    server = await startTestServer();
    expect(await upgradeStatus(server.wsBase, name, as)).toBe(status);
    expect(server.service.stats().connections).toBe(0);
    if (status !== 400) expect(server.audit.of('authz.denied')).toHaveLength(1);
  });

  it('refuses a clinician of another clinic, both for a stored and for a merely open document', async () => {
    server = await startTestServer();
    await seed(CHART, 'stored in clinic A');
    expect(await upgradeStatus(server.wsBase, CHART, 'otherClinician')).toBe(403);

    const unwritten = docName('chart', '11111111-2222-4333-8444-555555555555');
    await joined(unwritten, 'clinician');
    expect(await upgradeStatus(server.wsBase, unwritten, 'otherClinician')).toBe(403);
    expect(server.audit.of('authz.denied').map((e) => e.detail?.reason)).toEqual(['other-clinic', 'other-clinic']);
  });

  it('accepts a percent-encoded document name', async () => {
    server = await startTestServer();
    expect(await upgradeStatus(server.wsBase, encodeURIComponent(CHART), 'clinician')).toBe(101);
  });
});

describe('read-only connections', () => {
  it('get the document but their updates are dropped and audited', async () => {
    server = await startTestServer();
    await seed(PATIENT, 'Jane Example');
    const writer = await joined(PATIENT, 'frontdesk');
    const reader = await joined(PATIENT, 'admin');

    reader.ws.send(syncMessage(0, new Uint8Array([0])));
    const answer = decodeServerMessage(await reader.next());
    expect(answer.kind).toBe('step2');

    reader.ws.send(syncMessage(2, textEdit(new Y.Doc(), 'tampered')));
    await waitFor(() => server!.audit.of('doc.update.rejected').length === 1);
    expect(rowCount(server.db, PATIENT)).toBe(1);
    expect(writer.pending()).toEqual([]);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
    expect(server.audit.of('doc.update.rejected')[0]).toMatchObject({ userId: USERS.admin.id, target: PATIENT });
  });
});

describe('bad input closes only the offending connection', () => {
  it.each([
    ['a truncated varint', new Uint8Array([0xff, 0xff])],
    ['an unknown message type', new Uint8Array([7, 0])],
    ['an undecodable update', syncMessage(2, new Uint8Array([5, 200, 1, 9, 9, 9]))],
    ['an undecodable awareness update', new Uint8Array([1, 3, 1, 1, 1])]
  ])('%s → 4400, nothing stored, others unaffected', async (_label, bad) => {
    server = await startTestServer();
    const bystander = await joined(CHART, 'nurse');
    const culprit = await joined(CHART, 'clinician');
    culprit.ws.send(bad);
    const closed = await culprit.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason).not.toBe('');
    expect(rowCount(server.db, CHART)).toBe(0);

    const peer = await joined(CHART, 'clinician');
    peer.ws.send(syncMessage(2, textEdit(new Y.Doc(), 'still fine')));
    expect(decodeServerMessage(await bystander.next()).kind).toBe('update');
    expect(rowCount(server.db, CHART)).toBe(1);
  });

  it('closes an oversized message with 1009', async () => {
    server = await startTestServer({ maxMessageBytes: 1024 });
    const c = await joined(CHART, 'clinician');
    c.ws.send(syncMessage(2, textEdit(new Y.Doc(), 'x'.repeat(4096))));
    expect((await c.closed).code).toBe(1009);
    expect(rowCount(server.db, CHART)).toBe(0);
  });
});

describe('keepalive', () => {
  it('terminates a connection that stops answering pings, and frees its hold on the document', async () => {
    server = await startTestServer({ pingIntervalMs: 40, idleEvictMs: 20 });
    const alive = await joined(CHART, 'nurse');
    const silent = await joined(CHART, 'clinician');
    (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitFor(() => server!.service.stats().connections === 1);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    alive.ws.close();
    await waitFor(() => server!.service.stats().openDocs === 0);
  });
});

describe('storage failure', () => {
  it('closes the writer with 1011 and broadcasts nothing it could not store', async () => {
    server = await startTestServer();
    const bystander = await joined(CHART, 'nurse');
    const writer = await joined(CHART, 'clinician');
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args) => void errors.push(args));
    server.db.exec('DROP TABLE doc_updates');
    writer.ws.send(syncMessage(2, textEdit(new Y.Doc(), 'lost?')));
    expect((await writer.closed).code).toBe(1011);
    spy.mockRestore();
    expect(errors).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(bystander.pending()).toEqual([]);
    expect(noteString(server.service.liveDocument(CHART)!.doc)).toBe('');
  });
});

describe('presence (awareness)', () => {
  function presence(clientId: number, clock: number, state: unknown): Uint8Array {
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, clientId);
    encoding.writeVarUint(inner, clock);
    encoding.writeVarString(inner, JSON.stringify(state));
    const outer = encoding.createEncoder();
    encoding.writeVarUint(outer, 1);
    encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
    return encoding.toUint8Array(outer);
  }

  function states(message: Uint8Array): Map<number, unknown> {
    const decoded = decodeServerMessage(message);
    expect(decoded.kind).toBe('awareness');
    const a = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(a, decoded.payload, null);
    const out = new Map(a.states);
    a.destroy();
    return out;
  }

  it('relays presence under the signed-in name, echoes it to its sender, answers a query, refuses spoofing and removes a leaver', async () => {
    server = await startTestServer();
    const a = await joined(CHART, 'clinician');
    const b = await joined(CHART, 'nurse');
    a.ws.send(presence(101, 1, { user: { name: 'Dr Someone Else', color: '#123456' }, cursor: 4 }));
    const shown = { user: { name: USERS.clinician.name, color: '#123456' }, cursor: 4 };
    expect(states(await b.next()).get(101)).toEqual(shown);
    // The sender gets its own presence back: a lone stock client otherwise hears nothing for 30 s and reconnects.
    expect(states(await a.next()).get(101)).toEqual(shown);

    b.ws.send(new Uint8Array([3]));
    expect(states(await b.next()).get(101)).toEqual(shown);

    b.ws.send(presence(101, 5, null));
    // A later message from b proves the spoofed removal was handled (and dropped) before it.
    b.ws.send(presence(202, 1, { user: { name: 'B' } }));
    expect(states(await a.next()).get(202)).toEqual({ user: { name: USERS.nurse.name } });
    expect(a.pending()).toEqual([]);
    expect(server.service.liveDocument(CHART)!.awareness.states.has(101)).toBe(true);

    const late = await raw(CHART, 'clinician');
    expect(decodeServerMessage(await late.next()).kind).toBe('step1');
    expect(states(await late.next()).get(101)).toEqual(shown);

    a.ws.close();
    const removal = decodeServerMessage(await b.next());
    expect(removal.kind).toBe('awareness');
    await waitFor(() => !server!.service.liveDocument(CHART)!.awareness.states.has(101));
  });

  it('ignores presence from a read-only connection, and closes one that sends an oversized state', async () => {
    server = await startTestServer();
    await seed(PATIENT, 'x');
    const desk = await joined(PATIENT, 'frontdesk');
    const admin = await joined(PATIENT, 'admin');
    admin.ws.send(presence(301, 1, { user: { name: 'admin' } }));
    desk.ws.send(presence(302, 1, { user: { name: 'desk' } }));
    expect(states(await admin.next()).has(301)).toBe(false);
    expect(server.service.liveDocument(PATIENT)!.awareness.states.has(301)).toBe(false);
    desk.ws.send(presence(303, 1, { user: { name: 'desk' }, junk: 'x'.repeat(5000) }));
    expect((await desk.closed).code).toBe(4400);
  });
});
