import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listTransfers } from '../chart/transfer-outbox-doc';
import { ApiClient } from './api-client';
import { processTransfers, requestTransfer } from './transfer-outbox.service';

const who = { actor: { id: 'u1', name: 'Dr Test' }, roles: ['clinician'] as const };
const req = { destinationId: 'd1', destinationName: 'Valley Clinic', reason: 'Asthma follow-up', noteIds: ['e1'] };
const T0 = new Date('2026-12-05T10:00:00Z');

function client(answer: () => Response | Promise<Response>, calls: { url: string; body: unknown }[] = []): ApiClient {
  return new ApiClient({
    base: 'http://127.0.0.1:1',
    fetch: async (url, init) => {
      calls.push({ url: String(url), body: JSON.parse(String(init?.body ?? 'null')) });
      return answer();
    }
  });
}
const ok = (body: unknown) => () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('transfer outbox', () => {
  it('a nurse may not queue a transfer', () => {
    const doc = new Y.Doc();
    expect(requestTransfer(doc, req, { ...who, roles: ['nurse'] })).toEqual({ ok: false, message: 'A clinician refers or transfers a patient' });
    expect(listTransfers(doc)).toEqual([]);
  });

  it('queued offline, sent when live, with the request as queued', async () => {
    const doc = new Y.Doc();
    const queued = requestTransfer(doc, req, who);
    expect(queued.ok).toBe(true);
    expect(listTransfers(doc)[0]).toMatchObject({ state: 'queued', destinationName: 'Valley Clinic', queuedBy: 'Dr Test' });
    const calls: { url: string; body: unknown }[] = [];
    const report = await processTransfers(doc, 'p1', client(ok({ state: 'delivered', staged: 3 }), calls), who, () => T0);
    expect(report.sent).toHaveLength(1);
    expect(calls).toEqual([{ url: 'http://127.0.0.1:1/api/patients/p1/transfer', body: { destinationId: 'd1', reason: 'Asthma follow-up', noteIds: ['e1'], transferId: (queued as { id: string }).id } }]);
    expect(listTransfers(doc)[0]).toMatchObject({ state: 'delivered', sentAt: T0.toISOString(), attempts: 1 });
    // Nothing left to send.
    expect((await processTransfers(doc, 'p1', client(ok({})), who, () => T0)).sent).toEqual([]);
  });

  it('an unreachable server leaves it queued, tried again after a backoff', async () => {
    const doc = new Y.Doc();
    requestTransfer(doc, req, who);
    const down = client(() => Promise.reject(new TypeError('network down')));
    await processTransfers(doc, 'p1', down, who, () => T0);
    expect(listTransfers(doc)[0]).toMatchObject({ state: 'queued', attempts: 1 });
    expect(listTransfers(doc)[0].lastError).toMatch(/cannot be reached/);
    const calls: { url: string; body: unknown }[] = [];
    // Too soon: not tried (the entry's updatedAt is the real clock; judge from a moment just after it).
    const justAfter = new Date(Date.parse(listTransfers(doc)[0].updatedAt) + 1000);
    await processTransfers(doc, 'p1', client(ok({ state: 'delivered' }), calls), who, () => justAfter);
    expect(calls).toHaveLength(0);
    const later = new Date(justAfter.getTime() + 60_000);
    await processTransfers(doc, 'p1', client(ok({ state: 'awaiting-match-review' }), calls), who, () => later);
    expect(calls).toHaveLength(1);
    expect(listTransfers(doc)[0]).toMatchObject({ state: 'review' });
    expect(listTransfers(doc)[0].lastError).toBeUndefined();
  });

  it('a refusal fails it for the clinician to see', async () => {
    const doc = new Y.Doc();
    requestTransfer(doc, req, who);
    const refused = client(() => new Response(JSON.stringify({ error: { code: 'not-found', message: 'No such destination; an administrator registers destinations' } }), { status: 404, headers: { 'content-type': 'application/json' } }));
    const report = await processTransfers(doc, 'p1', refused, who, () => T0);
    expect(report.failed).toHaveLength(1);
    expect(listTransfers(doc)[0]).toMatchObject({ state: 'failed', lastError: 'No such destination; an administrator registers destinations' });
  });
});
