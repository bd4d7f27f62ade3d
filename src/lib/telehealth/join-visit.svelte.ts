import { AppError } from '../domain/errors';
import { secretSchema } from '../domain/telehealth/join';
import type { RunningLate } from '../domain/telehealth/running-late';
import { messageOf } from '../ui/handle-error';
import { checkJoinLink, enterWaitingRoom, isVideoNotConfigured, pollWaitingRoom, VIDEO_NOT_CONFIGURED } from './telehealth.service';
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
 * over at admit is used at once.
 */
export type JoinStep =
  | { step: 'checking' }
  | { step: 'invalid'; message: string }
  | { step: 'identity'; needsBirthDate: boolean; guestLabel: string | null }
  | { step: 'devices' }
  | { step: 'waiting'; since: number }
  | { step: 'call'; since: number }
  | { step: 'closed'; message: string };

export const POLL_MS = 3000;

export class JoinVisit {
  #step = $state.raw<JoinStep>({ step: 'checking' });
  #busy = $state(false);
  #error = $state<string | null>(null);
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
    return this.#error;
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
      this.#step = { step: 'invalid', message: 'This visit link is not complete. Open the link from your message again.' };
      return;
    }
    try {
      const link = await checkJoinLink(this.#token);
      this.#role = link.scope;
      this.#step = { step: 'identity', needsBirthDate: link.needsBirthDate, guestLabel: link.guestLabel };
      loadCallCode().catch(() => {});
    } catch (e) {
      this.#step = { step: 'invalid', message: isVideoNotConfigured(e) ? `${VIDEO_NOT_CONFIGURED} Please call the clinic.` : messageOf(e) };
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
      this.#error = messageOf(e);
      if (e instanceof AppError && /locked/.test(e.message)) this.#step = { step: 'invalid', message: e.message };
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
    this.#finish('You have left the call. You can close this page.');
  }

  leaveWaitingRoom(): void {
    this.#finish('You have left the waiting room. To join again, open the link from your message.');
  }

  async destroy(): Promise<void> {
    this.#stopPolling();
    await this.#call?.destroy();
  }

  #finish(message: string): void {
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
        this.#finish('This visit has ended or the link is no longer valid. If you still need to be seen, please call the clinic.');
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
      this.#error = messageOf(e);
    }
    this.#schedulePoll();
  }

  async #enterCall(credentials: CallCredentials): Promise<void> {
    let code: typeof import('./video-call.svelte');
    try {
      code = await loadCallCode();
    } catch {
      // Shown in the waiting room, which tries again (its timer, so leaving stops it).
      this.#error = 'The video call could not be loaded.';
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
