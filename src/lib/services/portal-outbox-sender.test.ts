import 'fake-indexeddb/auto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testVault } from '../storage/test-vault';
import { ApiClient } from './api-client';
import { onPortalOutboxFlushed, pendingPortalWrites, queuePortalWrite, type FlushResult } from './portal-outbox';
import { startPortalOutboxSender } from './portal-outbox-sender';

/**
 * The app-wide sender of the patient's outbox against a real HTTP listener
 * on loopback and the real sealed outbox: what waits goes out at the start,
 * again when the server is reachable after being unreachable, and on its
 * timer while something waits; listeners (the screens) hear of what was sent.
 */
let server: Server;
let base: string;
let up = true;
const received: string[] = [];
let stop: (() => void) | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (!up) {
        res.statusCode = 503;
        res.end(JSON.stringify({ error: { code: 'unavailable', message: 'The server is starting.' } }));
        return;
      }
      received.push(String((JSON.parse(raw || '{}') as { text?: string }).text));
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  stop?.();
  stop = null;
  up = true;
  received.length = 0;
});

/** Resolves with the next flush that sent something. */
function nextSent(): Promise<FlushResult> {
  return new Promise((resolve) => {
    const off = onPortalOutboxFlushed((r) => {
      if (r.sent.length > 0) {
        off();
        resolve(r);
      }
    });
  });
}

describe('portal outbox sender', () => {
  it('sends what a screen queued at the start, without that screen, and tells the listeners', async () => {
    const ws = { vault: await testVault() };
    await queuePortalWrite({ kind: 'message', patientId: 'p1', path: '/api/portal/m', body: { text: 'queued on the messages screen' } }, ws);
    const sent = nextSent();
    stop = startPortalOutboxSender({ ws: () => ws, client: new ApiClient({ base }), intervalMs: 60_000 });
    expect((await sent).sent.map((s) => s.item.body.text)).toEqual(['queued on the messages screen']);
    expect(received).toEqual(['queued on the messages screen']);
    expect(await pendingPortalWrites({}, ws)).toEqual([]);
  });

  it('retries on its timer while something waits (server busy, then back)', async () => {
    const ws = { vault: await testVault() };
    up = false;
    await queuePortalWrite({ kind: 'reading', patientId: 'p1', path: '/api/portal/r', body: { text: 'reading while the server was busy' } }, ws);
    const sent = nextSent();
    stop = startPortalOutboxSender({ ws: () => ws, client: new ApiClient({ base }), intervalMs: 50 });
    // The first pass found the server busy: still waiting.
    await expect.poll(async () => (await pendingPortalWrites({}, ws)).length).toBe(1);
    up = true;
    expect((await sent).sent.map((s) => s.item.body.text)).toEqual(['reading while the server was busy']);
    expect(received).toEqual(['reading while the server was busy']);
  });

  it('sends when the api client reports the server reachable again', async () => {
    const ws = { vault: await testVault() };
    let seals = 0;
    const seal = ws.vault.meta.setSealed.bind(ws.vault.meta);
    ws.vault.meta.setSealed = ((...args: Parameters<typeof seal>) => seal(...args).finally(() => seals++)) as typeof seal;
    const client = new ApiClient({ base });
    client.setFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await queuePortalWrite({ kind: 'refill', patientId: 'p1', path: '/api/portal/f', body: { text: 'refill queued offline' } }, ws);
    // A timer that will not fire during the test: only the start and the reachability can send.
    stop = startPortalOutboxSender({ ws: () => ws, client, intervalMs: 3_600_000 });
    // The first pass could not reach the server and put the write back.
    await expect.poll(() => seals).toBe(2);
    expect(received).toEqual([]);
    expect((await pendingPortalWrites({}, ws)).map((i) => i.body.text)).toEqual(['refill queued offline']);
    const sent = nextSent();
    // Another screen's request reaches the server again.
    client.setFetch((input, init) => globalThis.fetch(input, init));
    await client.request('/api/portal/ping', { method: 'POST', body: {} });
    expect((await sent).sent.map((s) => s.item.body.text)).toEqual(['refill queued offline']);
    expect(received).toEqual(['undefined', 'refill queued offline']);
  });
});
