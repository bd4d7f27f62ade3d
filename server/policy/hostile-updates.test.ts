import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectRaw, decodeServerMessage, startTestServer, syncMessage, USERS, waitFor, type RawClient, type TestServer, type TestUserKey } from '../sync/sync-test-server';
import { buildChart, buildPatient, buildSchedule, CASES, type Base, type Case } from './hostile-cases';

/**
 * The hostile insider's table (hostile-cases.ts), each case sent through a
 * real websocket AND through the batch path. A refused row must be refused
 * (4403 / 'refused'), audited with its rule, never stored and never
 * broadcast to the colleague watching the record; a corrected row must be
 * stored with the server's correction, audited, and reach the watcher only
 * as the corrected state.
 */

/** The server for chart and demographics cases; a clinic has one schedule, so each schedule case gets a server of its own. */
let shared: TestServer;
let server: TestServer;
beforeAll(async () => {
  shared = await startTestServer();
  server = shared;
});
afterAll(async () => {
  await shared.stop();
});

const WATCHER: Record<Base['kind'], TestUserKey> = { chart: 'clinician', patient: 'frontdesk', schedule: 'scheduleClinician' };
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

/** A fresh copy of a base record on the server and on an attacker's device; returns the crafted update. */
async function prepare(c: Case): Promise<{ base: Base; update: Uint8Array }> {
  const base = c.build();
  const clinicId = base.kind === 'schedule' ? base.ids.clinicId : 'clinic-a';
  await server.service.applyServerUpdate(base.name, clinicId, Y.encodeStateAsUpdate(base.doc), USERS.clinician.id, 'seed');
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base.doc));
  const sv = Y.encodeStateVector(device);
  c.attack(device, base);
  const update = Y.encodeStateAsUpdate(device, sv);
  return { base, update };
}

async function storedState(base: Base): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const clinicId = base.kind === 'schedule' ? base.ids.clinicId : 'clinic-a';
  Y.applyUpdate(doc, (await server.service.readState(base.name, clinicId))!);
  return doc;
}

const refusedAudits = (name: string) => server.audit.of('doc.update.refused').filter((e) => e.target === name);
const correctedAudits = (name: string) => server.audit.of('doc.update.corrected').filter((e) => e.target === name);

describe.each(['websocket', 'batch'] as const)('hostile updates through the %s path', (path) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    server = c.build === buildSchedule ? await startTestServer() : shared;
    try {
      await runCase(c, path);
    } finally {
      if (server !== shared) await server.stop();
      server = shared;
    }
  });
});

async function runCase(c: Case, path: 'websocket' | 'batch'): Promise<void> {
  {
    const { base, update } = await prepare(c);
    const before = Y.encodeStateVector(await storedState(base));
    const watcher = await connectRaw(server.wsBase, base.name, WATCHER[base.kind]);
    expect(decodeServerMessage(await watcher.next()).kind).toBe('step1');
    try {
      let refusedWith: { code: number; reason: string } | { rules: string[] } | null = null;
      if (path === 'websocket') {
        const attacker: RawClient = await connectRaw(server.wsBase, base.name, c.as);
        expect(decodeServerMessage(await attacker.next()).kind).toBe('step1');
        attacker.ws.send(syncMessage(2, update));
        if ('refused' in c.expect) refusedWith = await attacker.closed;
        else await waitFor(() => correctedAudits(base.name).length === 1);
        attacker.ws.terminate();
      } else {
        const answer = await server.service.handleBatch(USERS[c.as], { updates: [{ name: base.name, update: b64(update) }] });
        const error = answer.docs[0].error;
        if ('refused' in c.expect) {
          expect(error?.code).toBe('refused');
          refusedWith = { rules: error?.rules ?? [] };
        } else {
          expect(error).toBeUndefined();
        }
      }
      if ('refused' in c.expect) {
        const rule = c.expect.refused;
        if (refusedWith && 'code' in refusedWith) {
          expect(refusedWith.code).toBe(4403);
          expect(refusedWith.reason).toContain(rule);
        } else {
          expect(refusedWith?.rules).toContain(rule);
        }
        expect(refusedAudits(base.name).at(-1)?.detail).toMatchObject({ via: path, rules: expect.arrayContaining([rule]) });
        expect(Y.encodeStateVector(await storedState(base))).toEqual(before);
        // Never broadcast: the watcher has received nothing since it joined.
        expect(watcher.pending().filter((m) => decodeServerMessage(m).kind === 'update')).toEqual([]);
      } else {
        const rule = c.expect.corrected;
        await waitFor(() => correctedAudits(base.name).length === 1);
        expect(correctedAudits(base.name)[0].detail).toMatchObject({ via: path, rules: expect.arrayContaining([rule]) });
        c.expect.check(await storedState(base), base);
        // The watcher receives the write and its correction as one update, already corrected.
        const seen = new Y.Doc();
        Y.applyUpdate(seen, Y.encodeStateAsUpdate(base.doc));
        const first = decodeServerMessage(await watcher.next());
        expect(first.kind).toBe('update');
        Y.applyUpdate(seen, first.payload);
        c.expect.check(seen, base);
        expect(watcher.pending().filter((m) => decodeServerMessage(m).kind === 'update')).toEqual([]);
      }
    } finally {
      watcher.ws.terminate();
    }
  }
}

describe('roles that may not write at all', () => {
  it('the front desk cannot open a chart, nor push to one', async () => {
    const base = buildChart();
    await server.service.applyServerUpdate(base.name, 'clinic-a', Y.encodeStateAsUpdate(base.doc), USERS.clinician.id, 'seed');
    const answer = await server.service.handleBatch(USERS.frontdesk, { updates: [{ name: base.name, update: b64(Y.encodeStateAsUpdate(new Y.Doc())) }] });
    expect(answer.docs[0].error?.code).toBe('forbidden');
  });

  it('an administrator’s write to demographics is dropped and audited', async () => {
    const base = buildPatient();
    await server.service.applyServerUpdate(base.name, 'clinic-a', Y.encodeStateAsUpdate(base.doc), USERS.frontdesk.id, 'seed');
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(base.doc));
    const sv = Y.encodeStateVector(device);
    device.getMap('patient').set('family', 'Changed');
    const answer = await server.service.handleBatch(USERS.admin, { updates: [{ name: base.name, update: b64(Y.encodeStateAsUpdate(device, sv)) }] });
    expect(answer.docs[0].error?.code).toBe('forbidden');
    expect(server.audit.of('doc.update.rejected').filter((e) => e.target === base.name)).toHaveLength(1);
  });
});

