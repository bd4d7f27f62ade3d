import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, test } from 'vitest';
import { addPasskeyUnlock, newPrfSalt, passkeyUnlockOf, removePasskeyUnlock, unlockVaultWithPasskey } from './passkey-unlock-store';
import { UserDatabase, userDatabaseName } from './user-database';
import { unlockVault } from './user-vault';
import { testVault } from './test-vault';

/**
 * The passkey's wrapped copy of the data key, on fake-indexeddb and Node's
 * WebCrypto. The authenticator cannot exist here: its PRF output is stood in
 * for by fixed bytes (the browser journey uses Chromium's virtual
 * authenticator, tests/passkey-unlock.spec.ts).
 */
const PRF_OUTPUT = new Uint8Array(32).fill(7);
const OTHER_PRF_OUTPUT = new Uint8Array(32).fill(8);
const CREDENTIAL_ID = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const patient = { id: 'p1', name: { family: 'Okafor', given: ['Ada'] }, birthDate: '1980-02-03', gender: 'female' as const, mrn: 'MRN-1', updatedAt: '' };

async function vaultWithPatient() {
  const vault = await testVault(undefined, 'correct horse');
  await vault.patients.put(patient);
  vault.close();
  return vault.userId;
}

describe('passkey unlock store', () => {
  test('a passkey set up with the password opens the same records; the password still opens them too', async () => {
    const userId = await vaultWithPatient();
    expect(await passkeyUnlockOf(userId)).toBeNull();
    const prfSalt = newPrfSalt();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt, prfOutput: PRF_OUTPUT });

    const info = await passkeyUnlockOf(userId);
    expect(info?.credentialId).toEqual(CREDENTIAL_ID);
    expect(info?.prfSalt).toEqual(prfSalt);
    expect(info?.prfSalt.length).toBe(32);

    const viaPasskey = await unlockVaultWithPasskey(userId, PRF_OUTPUT);
    expect((await viaPasskey.patients.all()).map((p) => p.name.family)).toEqual(['Okafor']);
    viaPasskey.close();
    const viaPassword = await unlockVault(userId, 'correct horse');
    expect((await viaPassword.patients.all()).map((p) => p.name.family)).toEqual(['Okafor']);
    viaPassword.close();
  });

  test('records written after a passkey unlock open with the password (one data key)', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    const viaPasskey = await unlockVaultWithPasskey(userId, PRF_OUTPUT);
    await viaPasskey.patients.put({ ...patient, id: 'p2', name: { family: 'Mensah', given: ['Kofi'] } });
    viaPasskey.close();
    const viaPassword = await unlockVault(userId, 'correct horse');
    expect((await viaPassword.patients.all()).map((p) => p.name.family).sort()).toEqual(['Mensah', 'Okafor']);
    viaPassword.close();
  });

  test('the wrong password stores nothing', async () => {
    const userId = await vaultWithPatient();
    await expect(addPasskeyUnlock(userId, 'wrong horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT })).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'Wrong password'
    });
    expect(await passkeyUnlockOf(userId)).toBeNull();
  });

  test('another passkey’s PRF output is refused with a readable error', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    await expect(unlockVaultWithPasskey(userId, OTHER_PRF_OUTPUT)).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'This passkey does not unlock Outpost on this device. Use your password.'
    });
  });

  test('the wrapped copy is bound to its user: moved to another user’s store it opens nothing', async () => {
    const alice = await vaultWithPatient();
    const bob = await vaultWithPatient();
    await addPasskeyUnlock(alice, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    const from = new UserDatabase(alice);
    const row = (await from.passkeys.get('unlock'))!;
    from.close();
    const to = new UserDatabase(bob);
    await to.passkeys.put(row);
    to.close();
    await expect(unlockVaultWithPasskey(bob, PRF_OUTPUT)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  test('removing the passkey unlock deletes the wrapped copy; the password still unlocks', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    await removePasskeyUnlock(userId);
    expect(await passkeyUnlockOf(userId)).toBeNull();
    const db = new UserDatabase(userId);
    expect(await db.passkeys.count()).toBe(0);
    db.close();
    await expect(unlockVaultWithPasskey(userId, PRF_OUTPUT)).rejects.toMatchObject({ code: 'not-found' });
    const viaPassword = await unlockVault(userId, 'correct horse');
    expect(await viaPassword.patients.all()).toHaveLength(1);
    viaPassword.close();
  });

  test('setting up again replaces the earlier passkey', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: new Uint8Array([9, 9]), prfSalt: newPrfSalt(), prfOutput: OTHER_PRF_OUTPUT });
    expect((await passkeyUnlockOf(userId))?.credentialId).toEqual(new Uint8Array([9, 9]));
    await expect(unlockVaultWithPasskey(userId, PRF_OUTPUT)).rejects.toMatchObject({ code: 'unauthenticated' });
    const vault = await unlockVaultWithPasskey(userId, OTHER_PRF_OUTPUT);
    expect(await vault.patients.all()).toHaveLength(1);
    vault.close();
  });

  test('the stored copy holds neither the data key nor the PRF output in the clear', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    const db = new UserDatabase(userId);
    const row = (await db.passkeys.get('unlock'))!;
    db.close();
    expect(Object.keys(row).sort()).toEqual(['createdAt', 'credentialId', 'id', 'iv', 'prfSalt', 'wrapped']);
    // AES-GCM wrap of a 256-bit key: 32 bytes of ciphertext and a 16-byte tag.
    expect(row.wrapped.length).toBe(48);
    expect(Buffer.from(row.wrapped).includes(Buffer.from(PRF_OUTPUT))).toBe(false);
  });

  test('a lock screen asking about an account with no store creates no database', async () => {
    const userId = crypto.randomUUID();
    expect(await passkeyUnlockOf(userId)).toBeNull();
    expect(await Dexie.exists(userDatabaseName(userId))).toBe(false);
    await removePasskeyUnlock(userId);
    expect(await Dexie.exists(userDatabaseName(userId))).toBe(false);
  });

  test('a damaged row offers no passkey unlock and refuses to unlock with a clear error', async () => {
    const userId = await vaultWithPatient();
    await addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: PRF_OUTPUT });
    const db = new UserDatabase(userId);
    await db.passkeys.update('unlock', { wrapped: 'not bytes' as unknown as Uint8Array });
    db.close();
    expect(await passkeyUnlockOf(userId)).toBeNull();
    await expect(unlockVaultWithPasskey(userId, PRF_OUTPUT)).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/damaged/) });
  });

  test('a too-short PRF output is refused before anything is stored', async () => {
    const userId = await vaultWithPatient();
    await expect(addPasskeyUnlock(userId, 'correct horse', { credentialId: CREDENTIAL_ID, prfSalt: newPrfSalt(), prfOutput: new Uint8Array(16) })).rejects.toMatchObject({
      code: 'invalid'
    });
    expect(await passkeyUnlockOf(userId)).toBeNull();
  });
});
