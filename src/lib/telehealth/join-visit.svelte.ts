import { AppError } from '../domain/errors';
import type { Language } from '../domain/languages';
import { secretSchema } from '../domain/telehealth/join';
import type { RunningLate } from '../domain/telehealth/running-late';
import { joinErrorText, type Text } from '../i18n/patient-texts';
import { m } from '../paraglide/messages';
import { checkJoinLink, enterWaitingRoom, pollWaitingRoom } from './telehealth.service';
import type { CallCredentials, VideoCall } from './video-call.svelte';

/**
 * The call's code (LiveKit, most of the page's weight) is not needed to open
 * the page: it is fetched in the background once the link checks out, while
 * the person confirms who they are and checks their devices. A failed fetch
 * (a dropped link) is tried again when the call starts.
 */
let callCode: Promise<typeof import('./video-call.svelte')> | null = null;
function loadCallCode(): Promise<typeof import('./video-call.svelte')> {
  callCode ??= import('./video-call.svelte').catch((e: unknown) => {
    callCode = null;
    throw e;
  });
  return callCode;
}

/**
 * The patient's (or guest's) way into a video visit, one step at a time:
 * confirm who they are → check camera and sound → wait → the call. The
 * link's secret lives only in this object's memory; the waiting room is
 * polled so the clinician keeps seeing them, and the video token handed
 * over at admit is used at once. Messages are kept as texts to say (in
 * whatever language the page speaks when they are shown).
 */
export type JoinStep =
  | { step: 'checking' }
  | { step: 'invalid'; message: Text }
  | { step: 'identity'; needsBirthDate: boolean; guestLabel: string | null }
  | { step: 'devices' }
  | { step: 'waiting'; since: number }
  | { step: 'call'; since: number }
  | { step: 'closed'; message: Text };

export const POLL_MS = 3000;

export class JoinVisit {
  #step = $state.raw<JoinStep>({ step: 'checking' });
  #busy = $state(false);
  #error = $state.raw<Text | null>(null);
  #language = $state<Language | null>(null);
  #call = $state.raw<VideoCall | null>(null);
  #runningLate = $state.raw<RunningLate | null>(null);
  readonly #token: string;
  #role: 'patient' | 'guest' = 'patient';
  #ticket: string | null = null;
  #enteredAt = 0;
  #audioOnly = false;
  #ready = false;
  #admitted: CallCredentials | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(token: string) {
    this.#token = token;
  }

  get step(): JoinStep {
    return this.#step;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string | null {
    return this.#error?.() ?? null;
  }
  /** The language the clinic chose when it made the link; null when none (or not known yet). */
  get linkLanguage(): Language | null {
    return this.#language;
  }
  get call(): VideoCall | null {
    return this.#call;
  }
  /** The clinician's latest "running late" notice while waiting; null when none (or withdrawn). */
  get runningLate(): RunningLate | null {
    return this.#runningLate;
  }

  /** Looks the link up; a malformed one is refused without asking the server. */
  async start(): Promise<void> {
    if (!secretSchema.safeParse(this.#token).success) {
      this.#step = { step: 'invalid', message: () => m.join_link_incomplete() };
      return;
    }
    try {
      const link = await checkJoinLink(this.#token);
      this.#role = link.scope;
      this.#language = link.language ?? null;
      this.#step = { step: 'identity', needsBirthDate: link.needsBirthDate, guestLabel: link.guestLabel };
      loadCallCode().catch(() => {});
    } catch (e) {
      this.#step = { step: 'invalid', message: joinErrorText(e) };
    }
  }

  /** Confirms identity and enters the waiting room; polling starts now so the clinician sees the person while they check their devices. */
  async confirm(birthDate: string | undefined): Promise<void> {
    this.#busy = true;
    this.#error = null;
    try {
      this.#ticket = await enterWaitingRoom(this.#token, birthDate);
      this.#enteredAt = Date.now();
      this.#step = { step: 'devices' };
      this.#schedulePoll(0);
    } catch (e) {
      this.#error = joinErrorText(e);
      if (e instanceof AppError && /locked/.test(e.message)) this.#step = { step: 'invalid', message: this.#error };
    } finally {
      this.#busy = false;
    }
  }

  /** Devices checked: wait, or go straight in if the clinician already admitted them. */
  devicesReady(choice: { audioOnly: boolean }): void {
    this.#audioOnly = choice.audioOnly;
    this.#ready = true;
    if (this.#admitted) void this.#enterCall(this.#admitted);
    else this.#step = { step: 'waiting', since: this.#enteredAt };
  }

  async hangUp(): Promise<void> {
    await this.#call?.leave();
    this.#finish(() => m.join_left_call());
  }

  leaveWaitingRoom(): void {
    this.#finish(() => m.join_left_waiting_room());
  }

  async destroy(): Promise<void> {
    this.#stopPolling();
    await this.#call?.destroy();
  }

  #finish(message: Text): void {
    this.#stopPolling();
    this.#step = { step: 'closed', message };
  }

  #schedulePoll(delay = POLL_MS): void {
    this.#stopPolling();
    this.#timer = setTimeout(() => void this.#poll(), delay);
  }

  #stopPolling(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #poll(): Promise<void> {
    if (!this.#ticket) return;
    try {
      const answer = await pollWaitingRoom(this.#ticket);
      if (answer.status === 'closed') {
        this.#finish(() => m.join_visit_over());
        return;
      }
      if (answer.status === 'admitted') {
        this.#admitted = { serverUrl: answer.serverUrl, token: answer.token, expiresAt: answer.expiresAt };
        this.#stopPolling();
        if (this.#ready) await this.#enterCall(this.#admitted);
        return;
      }
      this.#runningLate = answer.runningLate ?? null;
      this.#error = null;
    } catch (e) {
      // A dropped connection while waiting is normal on a weak link: say so and keep trying.
      this.#error = joinErrorText(e);
    }
    this.#schedulePoll();
  }

  async #enterCall(credentials: CallCredentials): Promise<void> {
    let code: typeof import('./video-call.svelte');
    try {
      code = await loadCallCode();
    } catch {
      // Shown in the waiting room, which tries again (its timer, so leaving stops it).
      this.#error = () => m.join_call_not_loaded();
      if (this.#step.step !== 'waiting') this.#step = { step: 'waiting', since: this.#enteredAt };
      this.#stopPolling();
      this.#timer = setTimeout(() => void this.#enterCall(credentials), POLL_MS);
      return;
    }
    this.#error = null;
    const call = new code.VideoCall({ role: this.#role });
    if (this.#audioOnly) await call.setAudioOnly(true);
    this.#call = call;
    this.#step = { step: 'call', since: Date.now() };
    await call.join(credentials);
  }
}
