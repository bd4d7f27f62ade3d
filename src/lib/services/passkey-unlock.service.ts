import { AppError } from '../domain/errors';
import { findAccount } from '../storage/device-database';
import { addPasskeyUnlockWith, newPrfSalt, passkeyUnlockOf, removePasskeyUnlock, type PasskeyUnlock } from '../storage/passkey-unlock-store';
import { passwordWrappingKey } from '../storage/user-vault';
import { createPasskey, evaluatePasskey, type PasskeyFailure } from './passkey-authenticator';
import { session } from './session-manager.svelte';

/**
 * Quick unlock with a passkey, as the lock screen and the quick-unlock page
 * use it. Outcomes are typed so each screen says, in the user's language,
 * what happened; the password path is always left open.
 */
export type PasskeyOutcome = { status: 'ok' } | PasskeyFailure | { status: 'error'; error: unknown };

/** The passkey unlock of the account on the lock screen, or null (none, or another browser's). */
export async function lockedAccountPasskey(username: string): Promise<PasskeyUnlock | null> {
  const account = await findAccount(username);
  return account ? passkeyUnlockOf(account.userId) : null;
}

/** The signed-in user's passkey unlock on this device, or null. */
export async function currentPasskey(): Promise<PasskeyUnlock | null> {
  const user = session.user;
  return user ? passkeyUnlockOf(user.id) : null;
}

/** Lock screen: asks the passkey for its PRF output and opens the store with it. */
export async function unlockWithPasskey(username: string): Promise<PasskeyOutcome> {
  try {
    const passkey = await lockedAccountPasskey(username);
    if (!passkey) throw new AppError('not-found', 'Quick unlock with a passkey is not set up on this device. Use your password.');
    const answer = await evaluatePasskey(passkey.credentialId, passkey.prfSalt);
    if (answer.status !== 'ok') return answer;
    await session.unlockWithPasskey(answer.prfOutput);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'error', error };
  }
}

/**
 * Quick-unlock page: checks the password first (so a typo creates no
 * passkey), then creates the passkey and stores the data key's second
 * copy. Without a PRF output nothing is stored.
 */
export async function setUpPasskeyUnlock(password: string): Promise<PasskeyOutcome> {
  try {
    const user = session.user;
    if (!user) throw new AppError('unauthenticated', 'Outpost is locked. Unlock it to see patient records.');
    const { wrapping, row } = await passwordWrappingKey(user.id, password);
    const prfSalt = newPrfSalt();
    const created = await createPasskey({ id: user.id, username: user.username, name: user.name }, prfSalt);
    if (created.status !== 'ok') return created;
    await addPasskeyUnlockWith(user.id, wrapping, row, { credentialId: created.credentialId, prfSalt, prfOutput: created.prfOutput });
    return { status: 'ok' };
  } catch (error) {
    return { status: 'error', error };
  }
}

/** Deletes the passkey's copy of the key on this device. */
export async function removeCurrentPasskey(): Promise<void> {
  const user = session.user;
  if (!user) throw new AppError('unauthenticated', 'Outpost is locked. Unlock it to see patient records.');
  await removePasskeyUnlock(user.id);
}
