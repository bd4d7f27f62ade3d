import 'fake-indexeddb/auto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testVault } from '../storage/test-vault';
import { ApiClient } from './api-client';
import { dismissPortalWrite, flushPortalOutbox, pendingPortalWrites, queuePortalWrite } from './portal-outbox';

/**
 * The patient's outbox against a real HTTP listener on loopback: what waits
 * is sent in order with its id, a refusal is kept with the server's words,
 * and an unreachable server leaves everything for the next try.
 */
let server: Server;
let base: string;
const received: { path: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      received.push({ path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/portal/taken') {
        res.statusCode = 409;
        res.end(JSON.stringify({ error: { code: 'conflict', message: 'This time was just taken. Choose another.' } }));
        return;
      }
      res.end(JSON.stringify({ ok: true, id: body.id }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('portal outbox', () => {
  it('keeps writes sealed on the device and sends them in order, each with its id', async () => {
    const ws = { vault: await testVault() };
    const a = await queuePortalWrite({ kind: 'message', patientId: 'p1', path: '/api/portal/a', body: { text: 'one' } }, ws);
    const b = await queuePortalWrite({ kind: 'reading', patientId: 'p1', path: '/api/portal/b', body: { text: 'two', id: 'fixed-id' } }, ws);
    expect(b.id).toBe('fixed-id');
    expect((await pendingPortalWrites({ kind: 'message' }, ws)).map((i) => i.body)).toEqual([{ text: 'one', id: a.id }]);
    received.length = 0;
    const result = await flushPortalOutbox(ws, new ApiClient({ base }));
    expect(result.offline).toBe(false);
    expect(received).toEqual([
      { path: '/api/portal/a', body: { text: 'one', id: a.id } },
      { path: '/api/portal/b', body: { text: 'two', id: 'fixed-id' } }
    ]);
    expect(result.sent.map((s) => s.answer)).toEqual([{ ok: true, id: a.id }, { ok: true, id: 'fixed-id' }]);
    expect(await pendingPortalWrites({}, ws)).toEqual([]);
  });

  it('keeps a refused write with the reason until dismissed, and sends the rest', async () => {
    const ws = { vault: await testVault() };
    const taken = await queuePortalWrite({ kind: 'booking', patientId: 'p1', path: '/api/portal/taken', body: { slot: 's1' } }, ws);
    await queuePortalWrite({ kind: 'message', patientId: 'p1', path: '/api/portal/a', body: { text: 'after' } }, ws);
    const result = await flushPortalOutbox(ws, new ApiClient({ base }));
    expect(result.refused.map((i) => i.refused)).toEqual(['This time was just taken. Choose another.']);
    expect(result.sent).toHaveLength(1);
    expect((await pendingPortalWrites({}, ws)).map((i) => [i.id, i.refused])).toEqual([[taken.id, 'This time was just taken. Choose another.']]);
    // A second pass does not resend what was refused.
    received.length = 0;
    await flushPortalOutbox(ws, new ApiClient({ base }));
    expect(received).toEqual([]);
    await dismissPortalWrite(taken.id, ws);
    expect(await pendingPortalWrites({}, ws)).toEqual([]);
  });

  it('leaves everything waiting when the server cannot be reached', async () => {
    const ws = { vault: await testVault() };
    await queuePortalWrite({ kind: 'message', patientId: 'p1', path: '/api/portal/a', body: { text: 'offline' } }, ws);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    const result = await flushPortalOutbox(ws, new ApiClient({ base: deadBase }));
    expect(result).toMatchObject({ offline: true, sent: [], refused: [] });
    expect((await pendingPortalWrites({}, ws)).map((i) => i.body.text)).toEqual(['offline']);
  });
});
