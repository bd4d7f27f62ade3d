import type Database from 'better-sqlite3';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON
} from '@simplewebauthn/server';
import { AppError } from '../../src/lib/domain/errors';
import { findUserById } from '../store/users';
import type { Audit, SessionUser } from '../types';
import { DEFAULT_CODE_LIMITS, RateLimitedError, type AuthService, type LoginResult, type SignInDevice } from './auth-service';
import { LoginRateLimiter, type LoginLimits } from './rate-limit';
import { verifyPassword } from './password';
import { originAllowed, type WebAuthnConfig } from './passkey-config';
import { CHALLENGE_MS, createPasskeyStore, type ChallengePurpose, type PasskeyStore, type StoredPasskey } from './passkey-store';

/**
 * Passkeys (WebAuthn) the server accepts: as the second step of a sign-in
 * (in place of an authenticator code, and counting as the second factor a
 * clinic requires), and as a sign-in of their own (username-less: the
 * authenticator verifies the user, so the passkey is both factors).
 *
 * Every assertion is checked against: a challenge this server issued for
 * this very ceremony, used once (passkey-store.ts); the page's origin and
 * the RP ID (passkey-config.ts); the stored public key; the signature
 * counter, which must go forward when the authenticator keeps one (WebAuthn
 * Level 2 §6.1.1: a counter that does not is a sign of a cloned key). The
 * cryptography is @simplewebauthn/server's.
 *
 * Registering or removing a passkey asks for the password again: a session
 * left open on a shared computer must not be enough to add a way in.
 * Every step is audited (`passkey.*`, `login.*`).
 */

/** Refusals a user reads; which check failed is in the audit log only. */
const REGISTER_REFUSED = 'This passkey could not be registered. Try again from this page.';
const ASSERTION_REFUSED = 'This passkey was not accepted. Try again, or use a code from your authenticator app.';
const SIGN_IN_REFUSED = 'This passkey was not accepted. Sign in with your username and password.';
const WRONG_PASSWORD = 'That password is not right.';
/** Unanswered sign-in challenges at once: past this the options endpoint waits (a flood cannot fill the table). */
const MAX_OPEN_SIGN_IN_CHALLENGES = 1000;

export type PasskeyRefusal = 'challenge' | 'origin' | 'unknown-credential' | 'signature' | 'counter' | 'user-verification' | 'malformed';

export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced by the platform (a phone's or browser's passkey manager) rather than bound to one device. */
  synced: boolean;
}

export interface PasskeyService {
  store: PasskeyStore;
  list(user: SessionUser): PasskeySummary[];
  registrationOptions(user: SessionUser, password: string, ip: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(user: SessionUser, response: RegistrationResponseJSON, name: string, ip: string): Promise<PasskeySummary>;
  remove(user: SessionUser, id: string, password: string, ip: string): Promise<void>;
  /** The second step of a pending sign-in, with one of the user's passkeys. */
  secondFactorOptions(pendingToken: string, ip: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  secondFactor(pendingToken: string, response: AuthenticationResponseJSON, ip: string): Promise<LoginResult>;
  /** Sign-in without a password: any passkey registered here, user verification required. */
  signInOptions(ip: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  signIn(response: AuthenticationResponseJSON, device: SignInDevice | null, ip: string): Promise<LoginResult>;
}

interface ClientData {
  challenge: string;
  origin: string;
}

/** The challenge and origin the browser put in clientDataJSON (verified again, signed, by the library). */
function clientDataOf(clientDataJSON: string): ClientData | null {
  try {
    const v = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof v.challenge === 'string' && typeof v.origin === 'string' ? { challenge: v.challenge, origin: v.origin } : null;
  } catch {
    return null;
  }
}

function summary(p: StoredPasskey): PasskeySummary {
  return { id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, synced: p.backedUp };
}

function transportsOf(p: StoredPasskey): AuthenticatorTransportFuture[] {
  return p.transports as AuthenticatorTransportFuture[];
}

export function createPasskeyService(deps: {
  db: Database.Database;
  audit: Audit;
  auth: AuthService;
  config: () => WebAuthnConfig;
  now?: () => number;
  /** Wrong passwords when adding or removing a passkey (default: as wrong codes, 5 per user and address in 15 minutes). */
  passwordLimits?: LoginLimits;
}): PasskeyService {
  const { db, audit, auth } = deps;
  // A session left open must not become a way to guess the password.
  const passwordLimiter = new LoginRateLimiter(deps.passwordLimits ?? DEFAULT_CODE_LIMITS);
  const store = createPasskeyStore(db, deps.now);
  const countSignInChallenges = db.prepare("SELECT count(*) AS n FROM passkey_challenges WHERE purpose = 'sign-in' AND expires_at > ?");
  const now = deps.now ?? Date.now;

  function refused(reason: PasskeyRefusal, purpose: ChallengePurpose, ip: string, userId: string | null, extra: Record<string, unknown> = {}): void {
    audit.record({ action: 'passkey.refused', outcome: 'failure', userId, detail: { reason, purpose, ...extra }, ip });
  }

  async function confirmPassword(user: SessionUser, password: string, ip: string, step: string): Promise<void> {
    const found = findUserById(db, user.id);
    if (!found || found.disabled) throw new AppError('unauthenticated', 'Sign in to continue.');
    const limit = passwordLimiter.check(user.username, ip);
    if (limit.limited) {
      audit.record({ action: step === 'remove' ? 'passkey.remove' : 'passkey.register', outcome: 'failure', userId: user.id, target: user.username, detail: { reason: 'rate-limited', step }, ip });
      const minutes = Math.ceil(limit.retryAfterSeconds / 60);
      throw new RateLimitedError(limit.retryAfterSeconds, `Too many wrong passwords. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`);
    }
    if (!(await verifyPassword(password, found.passwordHash))) {
      passwordLimiter.recordFailure(user.username, ip);
      audit.record({ action: step === 'remove' ? 'passkey.remove' : 'passkey.register', outcome: 'failure', userId: user.id, target: user.username, detail: { reason: 'bad-password', step }, ip });
      throw new AppError('forbidden', WRONG_PASSWORD);
    }
    passwordLimiter.recordSuccess(user.username, ip);
  }

  /**
   * The checks every assertion goes through, in order; the passkey that
   * signed, or the reason it was refused (audited).
   */
  async function checkAssertion(
    response: AuthenticationResponseJSON,
    expect: { purpose: ChallengePurpose; userId: string | null; pendingHash: string | null; requireUserVerification: boolean }
  ): Promise<StoredPasskey | PasskeyRefusal> {
    const config = deps.config();
    const client = clientDataOf(response.response.clientDataJSON);
    if (!client) return 'malformed';
    const taken = store.take(client.challenge);
    if (!taken || taken.purpose !== expect.purpose || taken.userId !== expect.userId || taken.pendingHash !== expect.pendingHash) return 'challenge';
    if (!originAllowed(config, client.origin)) return 'origin';
    const passkey = store.find(response.id);
    if (!passkey || (expect.userId !== null && passkey.userId !== expect.userId)) return 'unknown-credential';
    let newCounter: number;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: client.challenge,
        expectedOrigin: client.origin,
        expectedRPID: config.rpId,
        credential: { id: passkey.id, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: transportsOf(passkey) },
        requireUserVerification: expect.requireUserVerification
      });
      if (!result.verified) return 'signature';
      newCounter = result.authenticationInfo.newCounter;
    } catch (err) {
      const message = err instanceof Error ? err.message : '';
      if (/counter/i.test(message)) return 'counter';
      if (/user verification/i.test(message)) return 'user-verification';
      return 'signature';
    }
    // Compare-and-set: two assertions racing with the same counter, only one goes through.
    if (!store.recordUse(passkey.id, passkey.counter, newCounter)) return 'counter';
    return passkey;
  }

  function requestOptions(challenge: string, allow: StoredPasskey[], userVerification: 'required' | 'preferred') {
    return generateAuthenticationOptions({
      rpID: deps.config().rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      allowCredentials: allow.map((p) => ({ id: p.id, transports: transportsOf(p) })),
      userVerification,
      timeout: CHALLENGE_MS
    });
  }

  return {
    store,

    list(user) {
      return store.list(user.id).map(summary);
    },

    async registrationOptions(user, password, ip) {
      await confirmPassword(user, password, ip, 'options');
      const config = deps.config();
      const challenge = store.newChallenge('register', user.id, null);
      const options = await generateRegistrationOptions({
        rpName: config.rpName,
        rpID: config.rpId,
        userName: user.username,
        userDisplayName: user.name,
        // The same user handle the device-only quick-unlock passkey uses (services/passkey-authenticator.ts).
        userID: new TextEncoder().encode(user.id),
        challenge: Buffer.from(challenge, 'base64url'),
        attestationType: 'none',
        excludeCredentials: store.list(user.id).map((p) => ({ id: p.id, transports: transportsOf(p) })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
        // ES256 and RS256: every platform authenticator and security key offers one of them.
        supportedAlgorithmIDs: [-7, -257],
        timeout: CHALLENGE_MS
      });
      audit.record({ action: 'passkey.challenge', outcome: 'success', userId: user.id, target: user.username, detail: { purpose: 'register' }, ip });
      return options;
    },

    async register(user, response, name, ip) {
      const config = deps.config();
      const client = clientDataOf(response.response.clientDataJSON);
      const taken = client ? store.take(client.challenge) : null;
      const refuse = (reason: PasskeyRefusal): never => {
        refused(reason, 'register', ip, user.id);
        throw new AppError('forbidden', REGISTER_REFUSED);
      };
      if (!client) refuse('malformed');
      if (!taken || taken.purpose !== 'register' || taken.userId !== user.id) refuse('challenge');
      if (!originAllowed(config, client!.origin)) refuse('origin');
      let info;
      try {
        const result = await verifyRegistrationResponse({
          response,
          expectedChallenge: client!.challenge,
          expectedOrigin: client!.origin,
          expectedRPID: config.rpId,
          // A second factor needs possession only; sign-in without a password checks verification at each use.
          requireUserVerification: false,
          supportedAlgorithmIDs: [-7, -257]
        });
        info = result.verified ? result.registrationInfo : undefined;
      } catch {
        info = undefined;
      }
      if (!info) return refuse('signature');
      const { credential } = info;
      if (store.find(credential.id)) {
        refused('unknown-credential', 'register', ip, user.id, { duplicate: true });
        throw new AppError('conflict', 'This passkey is already registered.');
      }
      store.add({
        id: credential.id,
        userId: user.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? response.response.transports ?? [],
        backedUp: info.credentialBackedUp,
        name
      });
      audit.record({ action: 'passkey.register', outcome: 'success', userId: user.id, target: user.username, detail: { credential: credential.id.slice(0, 16), synced: info.credentialBackedUp }, ip });
      return summary(store.find(credential.id)!);
    },

    async remove(user, id, password, ip) {
      await confirmPassword(user, password, ip, 'remove');
      if (!store.remove(user.id, id)) throw new AppError('not-found', 'That passkey is not one of yours, or was already removed.');
      audit.record({ action: 'passkey.remove', outcome: 'success', userId: user.id, target: user.username, detail: { credential: id.slice(0, 16) }, ip });
    },

    async secondFactorOptions(pendingToken, ip) {
      const pending = auth.pendingProof(pendingToken, ip);
      const passkeys = store.list(pending.user.id);
      if (passkeys.length === 0) throw new AppError('conflict', 'You have no passkey registered. Use a code from your authenticator app.');
      const challenge = store.newChallenge('second-factor', pending.user.id, pending.tokenHash);
      audit.record({ action: 'passkey.challenge', outcome: 'success', userId: pending.user.id, target: pending.user.username, detail: { purpose: 'second-factor' }, ip });
      return requestOptions(challenge, passkeys, 'preferred');
    },

    async secondFactor(pendingToken, response, ip) {
      const pending = auth.pendingProof(pendingToken, ip);
      const checked = await checkAssertion(response, { purpose: 'second-factor', userId: pending.user.id, pendingHash: pending.tokenHash, requireUserVerification: false });
      if (typeof checked === 'string') refused(checked, 'second-factor', ip, pending.user.id);
      return auth.finishPendingProof(pending, typeof checked !== 'string', ip, ASSERTION_REFUSED);
    },

    async signInOptions(ip) {
      if ((countSignInChallenges.get(now()) as { n: number }).n >= MAX_OPEN_SIGN_IN_CHALLENGES) {
        throw new AppError('rate-limited', 'Too many passkey sign-ins at once. Wait a minute and try again.');
      }
      const challenge = store.newChallenge('sign-in', null, null);
      audit.record({ action: 'passkey.challenge', outcome: 'success', userId: null, detail: { purpose: 'sign-in' }, ip });
      return requestOptions(challenge, [], 'required');
    },

    async signIn(response, device, ip) {
      const checked = await checkAssertion(response, { purpose: 'sign-in', userId: null, pendingHash: null, requireUserVerification: true });
      if (typeof checked === 'string') {
        refused(checked, 'sign-in', ip, null);
        audit.record({ action: 'login.failure', outcome: 'failure', detail: { reason: `passkey-${checked}`, method: 'passkey' }, ip });
        throw new AppError('unauthenticated', SIGN_IN_REFUSED);
      }
      return auth.signInWithPasskey(checked.userId, ip, device);
    }
  };
}
