import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { z } from 'zod';
import { AppError } from '../domain/errors';
import { apiClient } from './api-client';
import { userResponseSchema, type SessionUser } from './session-user';

/**
 * Passkeys the clinic server checks (server/auth/passkey-service.ts): the
 * second step of a sign-in, sign-in with a passkey alone, and the list on
 * the Sign-in security page. The browser's ceremony is
 * @simplewebauthn/browser's; the server decides everything.
 *
 * Not the quick-unlock passkey (passkey-unlock.service.ts), which never
 * talks to the server and only opens this device's store.
 */

/** Why the browser's part did not finish; the screen says it in the user's language. */
export type CeremonyFailure = 'cancelled' | 'unsupported' | 'already-registered' | 'failed';

export class PasskeyCeremonyError extends Error {
  constructor(readonly failure: CeremonyFailure) {
    super(`passkey ceremony: ${failure}`);
    this.name = 'PasskeyCeremonyError';
  }
}

/**
 * The browser's ceremony code, loaded when a passkey is made or used rather
 * than with every screen that offers one (the patient's activation and
 * sign-in screens among them); the service worker keeps it for offline use.
 */
type WebAuthnLibrary = typeof import('@simplewebauthn/browser');
const webauthn = (): Promise<WebAuthnLibrary> => import('@simplewebauthn/browser');

export const passkeySummarySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  synced: z.boolean()
});
export type PasskeySummary = z.infer<typeof passkeySummarySchema>;
const listSchema = z.object({ passkeys: z.array(passkeySummarySchema) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', 'The clinic server sent an answer this app cannot read');
  return parsed.data;
}

/** WebAuthn's errors (`webAuthnError`: the library's error class) as the failures a user can act on; anything else is a programmer error and is thrown. */
export function ceremonyFailureOf(err: unknown, webAuthnError: WebAuthnLibrary['WebAuthnError']): CeremonyFailure {
  if (err instanceof webAuthnError) {
    if (err.code === 'ERROR_CEREMONY_ABORTED') return 'cancelled';
    if (err.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'already-registered';
    if (err.code === 'ERROR_INVALID_DOMAIN' || err.code === 'ERROR_INVALID_RP_ID') return 'unsupported';
    return 'failed';
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') return 'cancelled';
  if (name === 'NotSupportedError' || name === 'SecurityError') return 'unsupported';
  if (name === 'InvalidStateError') return 'already-registered';
  if (name === 'UnknownError' || name === 'ConstraintError') return 'failed';
  throw err;
}

async function ceremony<T>(run: (lib: WebAuthnLibrary) => Promise<T>): Promise<T> {
  if (!passkeysSupported()) throw new PasskeyCeremonyError('unsupported');
  const lib = await webauthn();
  try {
    return await run(lib);
  } catch (err) {
    throw new PasskeyCeremonyError(ceremonyFailureOf(err, lib.WebAuthnError));
  }
}

/** The same test as @simplewebauthn/browser's browserSupportsWebAuthn, without loading the library to ask. */
export function passkeysSupported(): boolean {
  return typeof globalThis.PublicKeyCredential === 'function';
}

export const serverPasskeyApi = {
  async list(): Promise<PasskeySummary[]> {
    return parse(listSchema, await apiClient.request<unknown>('/api/auth/passkeys')).passkeys;
  },

  /** Password first (the server asks again), then the browser makes the passkey, then the server checks and keeps it. */
  async register(password: string, name: string): Promise<PasskeySummary> {
    const optionsJSON = await apiClient.request<PublicKeyCredentialCreationOptionsJSON>('/api/auth/passkeys/options', { method: 'POST', body: { password } });
    const response = await ceremony((lib) => lib.startRegistration({ optionsJSON }));
    const body = await apiClient.request<unknown>('/api/auth/passkeys', { method: 'POST', body: { response, name } });
    return parse(z.object({ passkey: passkeySummarySchema }), body).passkey;
  },

  async remove(id: string, password: string): Promise<PasskeySummary[]> {
    return parse(listSchema, await apiClient.request<unknown>('/api/auth/passkeys/remove', { method: 'POST', body: { id, password } })).passkeys;
  },

  /** The second step of a pending sign-in: the session's user when the server accepts the passkey. */
  async secondStep(pendingToken: string): Promise<SessionUser> {
    const optionsJSON = await apiClient.request<PublicKeyCredentialRequestOptionsJSON>('/api/auth/login/passkey/options', { method: 'POST', body: { pendingToken } });
    const response = await ceremony((lib) => lib.startAuthentication({ optionsJSON }));
    return parse(userResponseSchema, await apiClient.request<unknown>('/api/auth/login/passkey', { method: 'POST', body: { pendingToken, response } })).user;
  },

  /** Sign-in with a passkey alone (the authenticator verifies the user). `deviceId` ties the session to this browser install. */
  async signIn(deviceId: string | null): Promise<SessionUser> {
    const optionsJSON = await apiClient.request<PublicKeyCredentialRequestOptionsJSON>('/api/auth/passkey-sign-in/options', { method: 'POST', body: {} });
    const response = await ceremony((lib) => lib.startAuthentication({ optionsJSON }));
    const body = await apiClient.request<unknown>('/api/auth/passkey-sign-in', { method: 'POST', body: deviceId ? { response, deviceId } : { response } });
    return parse(userResponseSchema, body).user;
  }
};
