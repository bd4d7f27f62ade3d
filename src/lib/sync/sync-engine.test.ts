import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, initChartDoc, listAllergies } from '../chart/chart-doc';
import { ApiClient } from '../services/api-client';
import { testVault } from '../storage/test-vault';
import type { UserVault } from '../storage/user-vault';
import { SyncEngine } from './sync-engine';
import { MemoryStatus } from './sync-status';

/** The engine with no server reachable: everything a clinician does offline. */
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const name = `chart:${pid}`;
const dr = { id: 'u1', name: 'Dr. Test' };
let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function offlineEngine(): Promise<{ engine: SyncEngine; vault: UserVault; status: MemoryStatus }> {
  const vault = await testVault();
  const status = new MemoryStatus();
  const engine = new SyncEngine({
    vault,
    api: new ApiClient({ base: 'http://127.0.0.1:9' }),
    user: { name: 'Dr. Test', color: '#000' },
    status,
    live: false,
    flushDelayMs: 10,
    intervalMs: 3_600_000
  });
  cleanup.push(async () => {
    await engine.stop();
    vault.close();
  });
  return { engine, vault, status };
}

describe('sync engine, offline', () => {
  test('a document opened twice is one live document; edits are stored pending and survive closing', async () => {
    const { engine, vault, status } = await offlineEngine();
    engine.start();
    const a = await engine.acquire(name);
    const b = await engine.acquire(name);
    expect(b).toBe(a);
    initChartDoc(a.doc, pid);
    addAllergy(a.doc, { substance: 'Latex', category: 'environment' }, dr);
    await engine.release(a);
    expect(a.doc.isDestroyed).toBe(false);
    await engine.release(b);
    expect(await vault.docs.pendingDocs()).toEqual([name]);
    const reloaded = new Y.Doc();
    await vault.docs.loadInto(name, reloaded, null);
    expect(listAllergies(reloaded).map((x) => x.code.text)).toEqual(['Latex']);
    await engine.syncNow();
    expect(status.snapshot).toMatchObject({ online: false, pending: 1, error: null });
  });

  test('after a lock nothing opens and nothing more is reported', async () => {
    const { engine, status } = await offlineEngine();
    engine.start();
    const live = await engine.acquire(name);
    await engine.stop();
    expect(live.doc.isDestroyed).toBe(true);
    await expect(engine.acquire(name)).rejects.toMatchObject({ code: 'unauthenticated' });
    const before = status.snapshot;
    await engine.syncNow();
    expect(status.snapshot).toEqual(before);
  });
});
