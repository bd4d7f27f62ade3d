import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import { accountUserIds, closeDeviceDatabase, rememberAccount } from './device-database';
import { eraseDeviceData } from './device-erase';
import { addPasskeyUnlock, newPrfSalt, passkeyUnlockOf } from './passkey-unlock-store';
import { userDatabaseName } from './user-database';
import { vaultExists } from './user-vault';
import { testVault } from './test-vault';

/**
 * The erase a lost device runs, on fake-indexeddb. localStorage and the
 * Cache API do not exist in Node: a small Map-backed Storage stands in for
 * localStorage (the browser journey, tests/lost-device.spec.ts, checks the
 * real ones in Chromium).
 */
class MemoryStorage implements Storage {
  #m = new Map<string, string>();
  get length() {
    return this.#m.size;
  }
  clear() {
    this.#m.clear();
  }
  getItem(k: string) {
    return this.#m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.#m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.#m.delete(k);
  }
  setItem(k: string, v: string) {
    this.#m.set(k, v);
  }
}

afterEach(() => {
  closeDeviceDatabase();
  delete (globalThis as { localStorage?: Storage }).localStorage;
});

async function names(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '').sort();
}

describe('erasing a lost device', () => {
  test('deletes every user’s store (records, passkey quick unlock) and the device list; keeps only language choices in localStorage', async () => {
    const store = new MemoryStorage();
    (globalThis as { localStorage?: Storage }).localStorage = store;
    const a = await testVault(undefined, 'correct horse');
    await a.patients.put({ id: 'p1', name: { family: 'Okafor', given: ['Ada'] }, birthDate: '1980-02-03', gender: 'female', mrn: 'MRN-1', updatedAt: '' });
    a.close();
    const b = await testVault(undefined, 'battery staple');
    b.close();
    await addPasskeyUnlock(a.userId, 'correct horse', { credentialId: new Uint8Array([1, 2, 3]), prfSalt: newPrfSalt(), prfOutput: new Uint8Array(32).fill(7) });
    await rememberAccount({ username: 'ada', userId: a.userId, name: 'Ada' });
    await rememberAccount({ username: 'ben', userId: b.userId, name: 'Ben' });
    for (const [k, v] of [['outpost-language', 'sw'], [`outpost-language:${a.userId}`, 'fr'], ['outpost-join-language', 'pt'], ['outpost-config', '{}'], ['outpost-device-id', 'x'], ['other', '1']]) store.setItem(k, v);
    // Positive control: everything is there before.
    expect(await passkeyUnlockOf(a.userId)).not.toBeNull();
    expect(await names()).toEqual(expect.arrayContaining(['outpost-device', userDatabaseName(a.userId), userDatabaseName(b.userId)]));

    const ids = await accountUserIds();
    expect(ids.sort()).toEqual([a.userId, b.userId].sort());
    closeDeviceDatabase();
    const report = await eraseDeviceData(ids);

    expect(report.databases).toBeGreaterThanOrEqual(3);
    expect(await names()).toEqual([]);
    expect(await vaultExists(a.userId)).toBe(false);
    expect(await passkeyUnlockOf(a.userId)).toBeNull();
    expect(await names()).toEqual([]);
    expect(Array.from({ length: store.length }, (_, i) => store.key(i)).sort()).toEqual(['outpost-join-language', 'outpost-language', `outpost-language:${a.userId}`].sort());
  });
});
