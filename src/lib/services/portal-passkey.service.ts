import { z } from 'zod';
import { apiClient } from './api-client';
import { serverPasskeyApi } from './server-passkey.service';

/**
 * A patient adds a passkey on the activation page, right after setting up
 * the account: a short session is opened with the password just chosen, the
 * passkey is registered the way staff register theirs (the server asks for
 * the password again, checks and audits the ceremony), and the session is
 * ended at once. The patient then signs in as usual. Where the clinic asks
 * for a second step at sign-in there is no session to add it in: the
 * patient is told to add it after signing in.
 */
export type ActivationPasskey = 'added' | 'sign-in-first';

export async function addPasskeyAfterActivation(username: string, password: string, name: string): Promise<ActivationPasskey> {
  const login = z.object({ user: z.object({ id: z.string() }) }).safeParse(await apiClient.request<unknown>('/api/auth/login', { method: 'POST', body: { username, password } }));
  if (!login.success) return 'sign-in-first';
  try {
    await serverPasskeyApi.register(password, name);
    return 'added';
  } finally {
    await apiClient.request<void>('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
  }
}
