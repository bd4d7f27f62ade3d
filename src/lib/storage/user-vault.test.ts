import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { PBKDF2_ITERATIONS } from './crypto-box';
import { UserDatabase } from './user-database';
import { createVault, openOrCreateVault, unlockVault, vaultExists } from './user-vault';
import { TEST_ITERATIONS, testVault } from './test-vault';

describe('user vault', () => {
  test('first sign-in creates a store with 600,000 PBKDF2 iterations; the same password reopens it', async () => {
    const userId = crypto.randomUUID();
    expect(await vaultExists(userId)).toBe(false);
    const vault = await openOrCreateVault(userId, 'Clinic-Pass-1');
    const doc = new Y.Doc();
    doc.getMap('patient').set('id', 'x');
    await vault.docs.append('patient:x', Y.encodeStateAsUpdate(doc), { pending: true });
    vault.close();
    expect(await vaultExists(userId)).toBe(true);
    const db = new UserDatabase(userId);
    expect((await db.keyring.get('data-key'))?.iterations).toBe(PBKDF2_ITERATIONS);
    expect((await db.keyring.get('data-key'))?.salt.length).toBe(16);
    db.close();
    const again = await unlockVault(userId, 'Clinic-Pass-1');
    expect(await again.docs.pendingDocs()).toEqual(['patient:x']);
    again.close();
  });

  test('a wrong password is refused with a readable error and opens nothing', async () => {
    const vault = await testVault(undefined, 'right');
    vault.close();
    await expect(unlockVault(vault.userId, 'wrong')).rejects.toMatchObject({ name: 'AppError', code: 'unauthenticated', message: 'Wrong password' });
  });

  test('unlocking an account with no store on this device says so', async () => {
    await expect(unlockVault(crypto.randomUUID(), 'x')).rejects.toMatchObject({ code: 'not-found' });
  });

  test('a damaged key row gives a clear error', async () => {
    const vault = await testVault();
    await vault.db.keyring.update('data-key', { iterations: -1 });
    vault.close();
    await expect(unlockVault(vault.userId, 'correct horse')).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/damaged/) });
  });

  test('creating a second store for the same user is refused', async () => {
    const vault = await testVault();
    vault.close();
    await expect(createVault(vault.userId, 'other', { iterations: TEST_ITERATIONS })).rejects.toMatchObject({ code: 'conflict' });
  });

  test('after close (lock) the store refuses to decrypt', async () => {
    const vault = await testVault();
    await vault.patients.put({ id: 'p1', name: { family: 'A', given: ['B'] }, birthDate: '2000-01-01', gender: 'other', mrn: 'M', updatedAt: '' });
    vault.keys.drop();
    await expect(vault.patients.all()).rejects.toMatchObject({ code: 'unauthenticated' });
    vault.close();
  });
});
