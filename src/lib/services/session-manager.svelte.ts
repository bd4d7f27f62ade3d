import { AppError } from '../domain/errors';
import type { Actor } from '../domain/chart';
import { accountUserIds, clearLastUnlocked, closeDeviceDatabase, findAccount, lastUnlockedAccount, rememberAccount, setLastUnlocked } from '../storage/device-database';
import { eraseDeviceData } from '../storage/device-erase';
import { unlockVaultWithPasskey } from '../storage/passkey-unlock-store';
import { openOrCreateVault, unlockVault, type UserVault } from '../storage/user-vault';
import type { SyncEngine } from '../sync/sync-engine';
import { syncStatus } from '../sync/sync-status-manager.svelte';
import { apiClient } from './api-client';
import { deviceId, forgetDeviceCookie } from './device-identity';
import { loadConfig } from './app-config';
import { patientList } from './patient-list';
import { forgetServerPatients } from './server-patient-search';
import { reportError } from './report-error';
import { DEFAULT_CONFIG, sessionUserSchema, userResponseSchema, type AppConfig, type SessionUser } from './session-user';
import { loginAnswerSchema, secondFactorApi, type Enrolment, type SecondStep } from './second-factor.service';
import { serverPasskeyApi } from './server-passkey.service';
import { colorFor, setWorkspace, type Workspace } from './workspace';
import { restrictionState } from './restriction-state.svelte';

/** `erasing`/`erased`: the server said this device was reported lost; everything local is being (or has been) erased. */
export type SessionState = 'loading' | 'signed-out' | 'locked' | 'unlocked' | 'erasing' | 'erased';
export type { SecondStep } from './second-factor.service';

const PROFILE_KEY = 'profile';
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/** Shown on the lock screen when the server ended the session. */
export const SESSION_ENDED_MESSAGE =
  'Your session on the clinic server ended (signed out elsewhere, expired, or ended by an administrator). Your changes are kept on this device. Sign in again to send them.';

/**
 * Who is using the app and whether their records are open. The data key
 * lives only in memory while unlocked: a reload, an idle timeout or a lock
 * drops it, and the password opens the store again (offline too).
 *
 * When the server ends the session (its sync socket closes with 4401, or
 * an API call answers 401) the app locks at once, keeping every local
 * change in the encrypted store, and the lock screen asks the user to sign
 * in again; that sign-in goes to the server first, and sync then sends
 * what was kept.
 */
export class SessionManager {
  #state = $state<SessionState>('loading');
  #user = $state.raw<SessionUser | null>(null);
  #lockedUser = $state.raw<{ username: string; name: string } | null>(null);
  #config = $state.raw<AppConfig>(DEFAULT_CONFIG);
  #error = $state<string | null>(null);
  #signInRequired = $state(false);
  #secondStep = $state.raw<SecondStep | null>(null);
  /** Between the password and the second step: the server's pending token and the password that opens this device's store. Memory only. */
  #pending: { token: string; password: string } | null = null;
  /** Signed in with a passkey alone: the server session exists, this device's store waits for the password. */
  #passkeyUser: SessionUser | null = null;
  /** Enrolled at sign-in, the session issued, waiting until the user has kept the recovery codes. */
  #enrolled: { user: SessionUser; password: string } | null = null;
  #workspace: Workspace | null = null;
  /** Closing the previous store (its last writes, then the key) finishes before another opens. */
  #teardown: Promise<void> = Promise.resolve();
  #lastActivity = Date.now();
  #idleTimer: ReturnType<typeof setInterval> | null = null;
  #removeActivityListeners: (() => void) | null = null;
  #erasing: Promise<void> | null = null;
  #eraseFailed = $state(false);

  get state(): SessionState {
    return this.#state;
  }
  get user(): SessionUser | null {
    return this.#user;
  }
  /** Whose store the lock screen is for. */
  get lockedUser(): { username: string; name: string } | null {
    return this.#lockedUser;
  }
  get config(): AppConfig {
    return this.#config;
  }
  get error(): string | null {
    return this.#error;
  }
  /** The password was accepted and the server asks for a code, or for an authenticator to be set up first. */
  get secondStep(): SecondStep | null {
    return this.#secondStep;
  }
  /** The server ended the session: the lock screen asks for a sign-in, not just an unlock. */
  get signInRequired(): boolean {
    return this.#signInRequired;
  }
  /** The erase after a lost-device report did not finish (another tab held a database open, storage error). */
  get eraseFailed(): boolean {
    return this.#eraseFailed;
  }

  constructor() {
    apiClient.onUnauthenticated((path) => {
      // Sign-in answers 401 for a wrong password, and `me` is how an offline unlock learns it must sign in again.
      if (!path.startsWith('/api/auth/')) this.#sessionEnded();
    });
    apiClient.onDeviceRevoked(() => this.#deviceRevoked());
  }
  /**
   * The user as provenance records them. Only meaningful while unlocked;
   * while locked no document is open, so the empty actor is never written.
   */
  get actor(): Actor {
    return this.#user ? { id: this.#user.id, name: this.#user.name } : { id: '', name: '' };
  }

  /** App start: configuration (server or cache), then the lock screen if a store was unlocked here before. */
  async init(): Promise<void> {
    this.#state = 'loading';
    deviceId(); // the cookie names this device from the first request on
    this.#config = await loadConfig(apiClient);
    // The first contact may have been answered with the wipe signal.
    if (this.#erasing) return;
    const last = await lastUnlockedAccount();
    if (last) {
      this.#lockedUser = { username: last.username, name: last.name };
      this.#state = 'locked';
    } else {
      this.#state = 'signed-out';
    }
  }

  /**
   * Online: the server checks the password, then this device's store for
   * the user is opened (created at first sign-in). Offline: the store is
   * unlocked with the password if this device has one for the username.
   */
  async signIn(username: string, password: string): Promise<void> {
    this.#error = null;
    try {
      this.lock(); // another user's records close before this user's open
      await this.#teardown;
      this.#clearSecondStep();
      const online = await this.#serverSignIn(username, password);
      if (online && 'secondFactor' in online) {
        // No session yet: the second step's form takes over; the password waits in memory to open the store after.
        this.#pending = { token: online.pendingToken, password };
        this.#secondStep = { kind: online.secondFactor, username, methods: online.methods };
      } else if (online) {
        await this.#openOnline(online.user, password);
      } else {
        const account = await findAccount(username);
        if (!account) throw new AppError('unavailable', 'First sign-in on this device needs the network');
        const vault = await unlockVault(account.userId, password).catch((err: unknown) => {
          throw err instanceof AppError && err.code === 'unauthenticated' ? new AppError('unauthenticated', 'Wrong username or password') : err;
        });
        await this.#start(await profileOf(vault), vault, true, password);
      }
    } catch (err) {
      this.#error = readable(err);
      throw err;
    }
  }

  /** The second step with a code from the authenticator app, or with a recovery code. */
  async submitSecondFactor(proof: { code: string } | { recoveryCode: string }): Promise<void> {
    const pending = this.#pending;
    if (!pending) throw new AppError('unauthenticated', 'Enter your password again');
    try {
      const user = await secondFactorApi.verify(pending.token, proof);
      this.#clearSecondStep();
      await this.#openOnline(user, pending.password);
    } catch (err) {
      this.#endPendingIfGone(err);
      throw err;
    }
  }

  /** The second step with a passkey the server checks (server-passkey.service.ts). */
  async submitPasskey(): Promise<void> {
    const pending = this.#pending;
    if (!pending) throw new AppError('unauthenticated', 'Enter your password again');
    try {
      const user = await serverPasskeyApi.secondStep(pending.token);
      this.#clearSecondStep();
      await this.#openOnline(user, pending.password);
    } catch (err) {
      this.#endPendingIfGone(err);
      throw err;
    }
  }

  /**
   * Sign-in with a passkey alone (phishing-resistant: no password goes to
   * the server). The records on this device are still sealed with the
   * password, so it is asked next, checked here only (`openWithPassword`).
   * A device with no store for the user yet needs one password sign-in
   * first: a mistyped password must not become the store's. Returns
   * 'new-device' then, after ending the session the passkey opened.
   */
  async signInWithPasskey(): Promise<'password-next' | 'new-device'> {
    this.#error = null;
    this.lock();
    await this.#teardown;
    this.#clearSecondStep();
    const user = await serverPasskeyApi.signIn(deviceId());
    if (!(await findAccount(user.username))) {
      await apiClient.request<void>('/api/auth/logout', { method: 'POST' }).catch((err: unknown) => reportError('Signing out', err));
      return 'new-device';
    }
    this.#passkeyUser = user;
    this.#secondStep = { kind: 'device', username: user.username, methods: [] };
    return 'password-next';
  }

  /** After a passkey sign-in: opens this device's store with the password (never sent to the server). */
  async openWithPassword(password: string): Promise<void> {
    const user = this.#passkeyUser;
    if (!user) throw new AppError('unauthenticated', 'Sign in to continue');
    const account = await findAccount(user.username);
    if (!account) throw new AppError('not-found', 'This device holds no records for this account. Sign in with your password.');
    const vault = await unlockVault(account.userId, password).catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'unauthenticated' ? new AppError('unauthenticated', 'Wrong password') : err;
    });
    this.#clearSecondStep();
    await vault.meta.setSealed(PROFILE_KEY, user);
    await rememberAccount({ username: user.username, userId: user.id, name: user.name });
    await this.#start(user, vault, false, password);
  }

  /** A user who must set up an authenticator first: a new secret to scan (shown once). */
  async beginEnrolment(): Promise<Enrolment> {
    const pending = this.#pending;
    if (!pending) throw new AppError('unauthenticated', 'Enter your password again');
    try {
      return await secondFactorApi.beginAtSignIn(pending.token);
    } catch (err) {
      this.#endPendingIfGone(err);
      throw err;
    }
  }

  /** Confirms the authenticator with its first code; returns the recovery codes to keep. Sign-in finishes with `finishEnrolment`. */
  async confirmEnrolment(code: string): Promise<string[]> {
    const pending = this.#pending;
    if (!pending) throw new AppError('unauthenticated', 'Enter your password again');
    try {
      const { user, recoveryCodes } = await secondFactorApi.confirmAtSignIn(pending.token, code);
      this.#enrolled = { user, password: pending.password };
      this.#pending = null;
      return recoveryCodes;
    } catch (err) {
      this.#endPendingIfGone(err);
      throw err;
    }
  }

  /** The recovery codes are kept: open this device's store and the app. */
  async finishEnrolment(): Promise<void> {
    const enrolled = this.#enrolled;
    if (!enrolled) throw new AppError('unauthenticated', 'Enter your password again');
    this.#clearSecondStep();
    await this.#openOnline(enrolled.user, enrolled.password);
  }

  /** Back to the password form. A session a passkey opened is ended, not left behind. */
  cancelSecondStep(): void {
    if (this.#passkeyUser) apiClient.request<void>('/api/auth/logout', { method: 'POST' }).catch((err: unknown) => reportError('Signing out', err));
    this.#clearSecondStep();
  }

  #clearSecondStep(): void {
    this.#pending = null;
    this.#passkeyUser = null;
    this.#enrolled = null;
    this.#secondStep = null;
  }

  /** The server forgot the pending sign-in (too slow, too many wrong codes): the form shows why and offers the password again. */
  #endPendingIfGone(err: unknown): void {
    if (err instanceof AppError && err.code === 'unauthenticated' && /password again/.test(err.message)) this.#pending = null;
  }

  async #openOnline(user: SessionUser, password: string): Promise<void> {
    const vault = await this.#openForServerUser(user, password);
    await vault.meta.setSealed(PROFILE_KEY, user);
    await rememberAccount({ username: user.username, userId: user.id, name: user.name });
    await this.#start(user, vault, false, password);
  }

  /**
   * Unlocks the locked user's store offline; re-establishes the server
   * session in the background. After the server ended the session it is a
   * sign-in instead (the server checks the password first when reachable).
   */
  async unlock(password: string): Promise<void> {
    const locked = this.#lockedUser;
    if (this.#signInRequired && locked) return this.signIn(locked.username, password);
    this.#error = null;
    try {
      if (!locked) throw new AppError('unauthenticated', 'Sign in to continue');
      await this.#teardown;
      const account = await findAccount(locked.username);
      if (!account) throw new AppError('not-found', 'This device holds no records for this account. Sign in with the network.');
      const vault = await unlockVault(account.userId, password);
      await this.#start(await profileOf(vault), vault, true, password);
    } catch (err) {
      this.#error = readable(err);
      throw err;
    }
  }

  /**
   * Unlocks the locked user's store with a passkey's PRF output (see
   * passkey-unlock.service.ts). Local only: the server session is checked
   * after, and when the server no longer knows it the app locks again and
   * asks for the password (a passkey never signs in to the server).
   */
  async unlockWithPasskey(prfOutput: Uint8Array): Promise<void> {
    const locked = this.#lockedUser;
    this.#error = null;
    try {
      if (!locked || this.#signInRequired) throw new AppError('unauthenticated', 'Sign in with your password to continue');
      await this.#teardown;
      const account = await findAccount(locked.username);
      if (!account) throw new AppError('not-found', 'This device holds no records for this account. Sign in with the network.');
      const vault = await unlockVaultWithPasskey(account.userId, prfOutput);
      await this.#start(await profileOf(vault), vault, true, null);
    } catch (err) {
      this.#error = readable(err);
      throw err;
    }
  }

  /** Drops the key and open documents and stops sync; the lock screen shows. */
  lock(): void {
    const ws = this.#workspace;
    if (!ws) return;
    this.#workspace = null;
    setWorkspace(null);
    this.#stopIdleWatch();
    patientList.reset();
    forgetServerPatients();
    syncStatus.reset();
    restrictionState.reset();
    this.#lockedUser = { username: ws.user.username, name: ws.user.name };
    this.#user = null;
    this.#state = 'locked';
    // Open documents store their last edits first (milliseconds), then the key is dropped.
    this.#teardown = this.#teardown
      .then(() => stopSync(ws))
      .finally(() => ws.vault.close())
      .catch((err: unknown) => reportError('Locking', err));
  }

  /** Ends the server session when reachable and locks; the device keeps the encrypted store. */
  async signOut(): Promise<void> {
    try {
      await apiClient.request<void>('/api/auth/logout', { method: 'POST' });
    } catch (err) {
      // Offline or already signed out on the server: signing out of this device still proceeds.
      if (!(err instanceof AppError && (err.code === 'unavailable' || err.code === 'unauthenticated'))) reportError('Signing out', err);
    }
    await this.#signOutHere();
  }

  /**
   * Ends the user's sessions on every device (a phone left signed in
   * somewhere), then signs out here. Needs the server: offline it throws
   * and nothing changes, so the user knows the other devices are still in.
   */
  async signOutEverywhere(): Promise<number> {
    const answer = await apiClient.request<{ ended: number }>('/api/auth/logout-everywhere', { method: 'POST' });
    await this.#signOutHere();
    return answer.ended;
  }

  async #signOutHere(): Promise<void> {
    this.lock();
    await this.#teardown;
    await clearLastUnlocked();
    this.#lockedUser = null;
    this.#user = null;
    this.#signInRequired = false;
    this.#clearSecondStep();
    this.#state = 'signed-out';
  }

  /** Minutes of inactivity before the app locks: the user's clinic's setting, else the server's. */
  get idleLockMinutes(): number {
    return this.#user?.clinicSettings?.idleLockMinutes ?? this.#config.idleLockMinutes;
  }

  /**
   * The clinic's idle lock changed while this user is signed in (their
   * administrator saved it in this app): it applies from now, not only from
   * the next sign-in.
   */
  applyClinicSettings(settings: { idleLockMinutes: number }): void {
    if (!this.#user || this.#state !== 'unlocked') return;
    this.#user = { ...this.#user, clinicSettings: { ...this.#user.clinicSettings, ...settings } };
    this.#startIdleWatch();
  }

  /** User activity (the layout calls it; activity events call it too). */
  touch(): void {
    this.#lastActivity = Date.now();
  }

  /** For tests: back to the state of a fresh page. */
  reset(): void {
    this.lock();
    this.#state = 'loading';
    this.#user = null;
    this.#lockedUser = null;
    this.#error = null;
    this.#signInRequired = false;
    this.#clearSecondStep();
    this.#config = DEFAULT_CONFIG;
    this.#erasing = null;
    this.#eraseFailed = false;
  }

  /** The server no longer knows this session: lock (edits stay pending in the store) and ask for a sign-in. */
  #sessionEnded(): void {
    if (this.#state !== 'unlocked') return;
    this.#signInRequired = true;
    this.lock();
    // A sync socket closed with 4401 does not say why: if it was because this device was reported lost, asking tells (410).
    apiClient.request('/api/auth/me').catch(() => {});
  }

  /**
   * The server says this device was reported lost or stolen: close
   * everything, tell the server the erase is starting (while the cookie
   * still names the device), then erase every user's local data. Unsent
   * edits are lost on purpose: the device is no longer trusted.
   */
  #deviceRevoked(): void {
    if (this.#erasing) return;
    const ws = this.#workspace;
    this.#workspace = null;
    setWorkspace(null);
    this.#stopIdleWatch();
    patientList.reset();
    forgetServerPatients();
    syncStatus.reset();
    restrictionState.reset();
    this.#user = null;
    this.#lockedUser = null;
    this.#signInRequired = false;
    this.#error = null;
    this.#clearSecondStep();
    this.#state = 'erasing';
    this.#erasing = (async () => {
      await apiClient.request('/api/device/wiped', { method: 'POST' }).catch(() => {});
      if (ws) {
        await stopSync(ws).catch(() => {});
        ws.vault.close();
      }
      await this.#teardown.catch(() => {});
      const userIds = await accountUserIds().catch(() => [] as string[]);
      closeDeviceDatabase();
      await eraseDeviceData(userIds);
      forgetDeviceCookie();
    })()
      .catch((err: unknown) => {
        this.#eraseFailed = true;
        reportError('Erasing this device', err);
      })
      .finally(() => {
        this.#state = 'erased';
      });
  }

  /** The server's answer (a user, or a second step), or null when the server cannot be reached. */
  async #serverSignIn(username: string, password: string) {
    try {
      const body = await apiClient.request<unknown>('/api/auth/login', { method: 'POST', body: signInBody(username, password) });
      const parsed = loginAnswerSchema.safeParse(body);
      if (!parsed.success) throw new AppError('internal', 'The clinic server sent a sign-in answer this app cannot read');
      return parsed.data;
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') return null;
      throw err;
    }
  }

  async #openForServerUser(user: SessionUser, password: string): Promise<UserVault> {
    try {
      return await openOrCreateVault(user.id, password);
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthenticated') {
        // The server accepted this password but the device's store was locked with another one (changed since).
        throw new AppError(
          'unauthenticated',
          'Records on this device are locked with your previous password. Ask an administrator to reset this device’s copy.'
        );
      }
      throw err;
    }
  }

  /** `password` is null after a passkey unlock: the server session cannot be renewed without it. */
  async #start(user: SessionUser, vault: UserVault, reconnect: boolean, password: string | null): Promise<void> {
    let rows;
    try {
      rows = await vault.patients.all();
    } catch (err) {
      vault.close();
      throw err;
    }
    const isPatient = user.roles.includes('patient');
    let workspace: Workspace;
    try {
      workspace = isPatient ? patientWorkspace(user, vault) : { user, vault, engine: await this.#syncEngine(user, vault) };
    } catch (err) {
      vault.close();
      throw err;
    }
    this.#workspace = workspace;
    this.#signInRequired = false;
    setWorkspace(this.#workspace);
    patientList.load(rows);
    this.#user = user;
    this.#lockedUser = { username: user.username, name: user.name };
    this.#state = 'unlocked';
    await setLastUnlocked(user.username);
    this.#startIdleWatch();
    // A patient account syncs no shared document (the server refuses them all): it reads its server-made record (portal-record.service.ts).
    if (isPatient) {
      if (reconnect) this.#reestablishSession(user.username, password).catch((err: unknown) => reportError('Reconnecting', err));
      return;
    }
    const engine = workspace.engine;
    if (!reconnect) {
      engine.start();
      keepUploading(this.#workspace);
      return;
    }
    const started = this.#workspace;
    this.#reestablishSession(user.username, password)
      .then((alive) => {
        if (this.#workspace !== started) return;
        // Without a password the ended session cannot be renewed: lock and ask for it, before any sync is tried.
        if (!alive) {
          this.#sessionEnded();
          return;
        }
        engine.start();
        keepUploading(started);
      })
      .catch((err: unknown) => reportError('Reconnecting', err));
  }

  /** The sync engine, loaded when a staff member unlocks: a patient's phone never downloads it. */
  async #syncEngine(user: SessionUser, vault: UserVault): Promise<SyncEngine> {
    const [{ SyncEngine }, { panelSource }] = await Promise.all([import('../sync/sync-engine'), import('./panel-facts')]);
    return new SyncEngine({
      vault,
      // The clinic's choice of what each device keeps (admin console): without it, every patient the user may read.
      panel: panelSource({ user, vault }, user.clinicSettings?.devicePanel),
      api: apiClient,
      user: { name: user.name, color: colorFor(user.id) },
      status: syncStatus,
      onPatientsChanged: (changed) => patientList.upsert(changed),
      onError: (err) => reportError('Sync', err),
      onSessionEnded: () => this.#sessionEnded()
    });
  }

  /**
   * After an offline unlock: make sure the server session exists, so sync
   * does not fail with 401. False when the server answered that the session
   * is gone and there is no password to sign in again (passkey unlock).
   */
  async #reestablishSession(username: string, password: string | null): Promise<boolean> {
    try {
      await apiClient.request('/api/auth/me');
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'unauthenticated')) return true; // offline: sync starts and waits for the network
      if (password === null) return false;
      try {
        const answer = await apiClient.request<unknown>('/api/auth/login', { method: 'POST', body: signInBody(username, password) });
        // The server asks for a second factor: an online sign-in needs the code, so lock and ask for both.
        if (!userResponseSchema.safeParse(answer).success) return false;
      } catch (loginErr) {
        if (loginErr instanceof AppError && loginErr.code !== 'unavailable') syncStatus.update({ error: 'The clinic server did not accept your password — sign out and sign in again to sync' });
      }
    }
    return true;
  }

  #startIdleWatch(): void {
    this.#stopIdleWatch();
    this.touch();
    const idleMs = this.idleLockMinutes * 60_000;
    this.#idleTimer = setInterval(() => {
      if (Date.now() - this.#lastActivity >= idleMs) this.lock();
    }, Math.min(15_000, idleMs / 4));
    if (typeof window !== 'undefined') {
      const onActivity = () => this.touch();
      for (const e of ACTIVITY_EVENTS) window.addEventListener(e, onActivity, { passive: true });
      this.#removeActivityListeners = () => {
        for (const e of ACTIVITY_EVENTS) window.removeEventListener(e, onActivity);
      };
    }
  }

  #stopIdleWatch(): void {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#idleTimer = null;
    this.#removeActivityListeners?.();
    this.#removeActivityListeners = null;
  }
}

/** A patient account syncs no shared document (the server refuses them all); anything that asks for sync in one is told so. */
function noSync(): never {
  throw new AppError('forbidden', 'Patient accounts read their record from the clinic; they do not sync clinic documents.');
}

/** Starts uploading the photos and scans taken offline (attachments.service.ts), loaded with the staff app's sync. */
function keepUploading(ws: Workspace): void {
  import('./attachments.service')
    .then((m) => m.keepUploading(ws))
    .catch((err: unknown) => reportError('Uploading attachments', err));
}

/** Stops a staff workspace's sync; a patient's has none to stop. */
function stopSync(ws: Workspace): Promise<void> {
  return ws.user.roles.includes('patient') ? Promise.resolve() : ws.engine.stop();
}

function patientWorkspace(user: SessionUser, vault: UserVault): Workspace {
  return {
    user,
    vault,
    get engine(): SyncEngine {
      return noSync();
    }
  };
}

async function profileOf(vault: UserVault): Promise<SessionUser> {
  try {
    const profile = await vault.meta.getSealed(PROFILE_KEY, sessionUserSchema, 'account details');
    if (!profile) throw new AppError('not-found', 'Sign in with the network once more to finish setting up this device');
    return profile;
  } catch (err) {
    vault.close();
    throw err;
  }
}

/** The sign-in request, naming this device so the server can tie the session to it. */
function signInBody(username: string, password: string): { username: string; password: string; deviceId?: string } {
  const id = deviceId();
  return id ? { username, password, deviceId: id } : { username, password };
}

function readable(err: unknown): string {
  return err instanceof AppError ? err.message : 'Something went wrong. Try again.';
}

export const session = new SessionManager();
