/**
 * The browser's WebAuthn API, as quick unlock needs it: create a passkey
 * and ask it for its PRF output (the `prf` extension, WebAuthn Level 3
 * §10.1.4, backed by CTAP2's hmac-secret). No server verifies anything:
 * the PRF output is the secret, and it only unwraps the key on this device.
 *
 * Every answer is a typed outcome, so the screen can say in the user's
 * language what happened and offer the password.
 */

export type PasskeyFailure =
  /** The browser has no WebAuthn, or the authenticator cannot do PRF (hmac-secret). */
  | { status: 'no-prf' }
  /** The user cancelled, the prompt timed out, or the browser refused without saying why (WebAuthn gives one error for all). */
  | { status: 'cancelled' }
  | { status: 'failed' };

export type CreateOutcome = { status: 'ok'; credentialId: Uint8Array; prfOutput: Uint8Array } | PasskeyFailure;
export type EvaluateOutcome = { status: 'ok'; prfOutput: Uint8Array } | PasskeyFailure;

/** Two minutes to touch the sensor or type the device PIN. */
const TIMEOUT_MS = 120_000;

/** True when the browser offers WebAuthn at all (whether the authenticator can do PRF is known only after asking). */
export function webAuthnAvailable(): boolean {
  return typeof globalThis.PublicKeyCredential === 'function' && typeof navigator !== 'undefined' && !!navigator.credentials;
}

/** The first PRF result of a ceremony, or null when the authenticator gave none. */
export function prfFirst(results: AuthenticationExtensionsClientOutputs): Uint8Array | null {
  const first = results.prf?.results?.first;
  if (!first) return null;
  const bytes = first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  return bytes.length >= 32 ? new Uint8Array(bytes) : null;
}

/** WebAuthn's DOMExceptions as outcomes; anything else is a programmer error and is thrown. */
export function failureOf(err: unknown): PasskeyFailure {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') return { status: 'cancelled' };
  if (name === 'NotSupportedError') return { status: 'no-prf' };
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'UnknownError' || name === 'ConstraintError') return { status: 'failed' };
  throw err;
}

function challenge(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

function ab(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/**
 * Creates a passkey for this user on this device and evaluates its PRF at
 * `prfSalt`. Some authenticators answer the PRF only when asked to sign
 * in, not at creation: then a second prompt asks the new passkey.
 */
export async function createPasskey(user: { id: string; username: string; name: string }, prfSalt: Uint8Array): Promise<CreateOutcome> {
  if (!webAuthnAvailable()) return { status: 'no-prf' };
  let credential: PublicKeyCredential | null;
  try {
    credential = (await navigator.credentials.create({
      publicKey: {
        rp: { name: 'Outpost' },
        user: { id: new TextEncoder().encode(user.id), name: user.username, displayName: user.name },
        challenge: challenge(),
        pubKeyCredParams: [
          { type: 'public-key', alg: -7 },
          { type: 'public-key', alg: -257 }
        ],
        // The passkey stands in for the password: the device must check who holds it (fingerprint, face, PIN).
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        timeout: TIMEOUT_MS,
        attestation: 'none',
        extensions: { prf: { eval: { first: ab(prfSalt) } } }
      }
    })) as PublicKeyCredential | null;
  } catch (err) {
    return failureOf(err);
  }
  if (!credential) return { status: 'failed' };
  const credentialId = new Uint8Array(credential.rawId);
  const results = credential.getClientExtensionResults();
  const atCreation = prfFirst(results);
  if (atCreation) return { status: 'ok', credentialId, prfOutput: atCreation };
  if (results.prf?.enabled !== true) return { status: 'no-prf' };
  const evaluated = await evaluatePasskey(credentialId, prfSalt);
  return evaluated.status === 'ok' ? { status: 'ok', credentialId, prfOutput: evaluated.prfOutput } : evaluated;
}

/** Asks this passkey (user verification required) for its PRF output at `prfSalt`. */
export async function evaluatePasskey(credentialId: Uint8Array, prfSalt: Uint8Array): Promise<EvaluateOutcome> {
  if (!webAuthnAvailable()) return { status: 'no-prf' };
  let credential: PublicKeyCredential | null;
  try {
    credential = (await navigator.credentials.get({
      publicKey: {
        challenge: challenge(),
        allowCredentials: [{ type: 'public-key', id: ab(credentialId) }],
        userVerification: 'required',
        timeout: TIMEOUT_MS,
        extensions: { prf: { eval: { first: ab(prfSalt) } } }
      }
    })) as PublicKeyCredential | null;
  } catch (err) {
    return failureOf(err);
  }
  if (!credential) return { status: 'failed' };
  const prfOutput = prfFirst(credential.getClientExtensionResults());
  return prfOutput ? { status: 'ok', prfOutput } : { status: 'no-prf' };
}
