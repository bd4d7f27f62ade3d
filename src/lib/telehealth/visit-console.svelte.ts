import type { Language } from '../domain/languages';
import { AppError } from '../domain/errors';
import { messageOf } from '../ui/handle-error';
import { GUEST_LABELS, type GuestKind } from '../domain/telehealth/participants';
import type { RunningLate } from '../domain/telehealth/running-late';
import {
  admit,
  createGuestLink,
  createPatientLink,
  endVisit,
  existingLinks,
  fetchWaiting,
  isVideoNotConfigured,
  revokeLink,
  sendRunningLate,
  type ExistingLink,
  type JoinLink,
  type WaitingEntry
} from './telehealth.service';
import { VideoCall } from './video-call.svelte';

/** A link issued from this console: the patient's or a guest's, and whether it was revoked here. */
export interface IssuedLink extends JoinLink {
  label: string;
  guestKind: GuestKind | null;
  revoked: boolean;
  /** Set for a link made before this screen opened (the desk's, when booking): when it was made. */
  madeAt?: string;
}

/** A working link the server already had, as the screens show it ('' path: it cannot be shown again). */
export function issuedFromExisting(l: ExistingLink): IssuedLink {
  return {
    linkId: l.linkId,
    path: l.path ?? '',
    token: l.token ?? '',
    expiresAt: l.expiresAt,
    label: l.scope === 'patient' ? 'Patient' : (l.guestKind ? GUEST_LABELS[l.guestKind] : 'Guest'),
    guestKind: l.scope === 'guest' ? l.guestKind : null,
    revoked: false,
    madeAt: l.createdAt
  };
}

/** The patient's link to show (the newest working one) and the guests' links, from what the server already has. */
export function linksFromExisting(found: readonly ExistingLink[]): { link: IssuedLink | null; guests: IssuedLink[] } {
  const patient = found.filter((l) => l.scope === 'patient').at(-1);
  return { link: patient ? issuedFromExisting(patient) : null, guests: found.filter((l) => l.scope === 'guest').map(issuedFromExisting) };
}

/**
 * The clinician's side of one video visit: the patient's join link, who is
 * waiting (refreshed every few seconds), admitting (the server mints the
 * video tokens at that moment), the call, and ending it for everyone.
 * When the server has no video service configured this says so and stops
 * asking, and the rest of the app is unaffected.
 */
export const WAITING_REFRESH_MS = 3000;

export class VisitConsole {
  readonly visitId: string;
  readonly #patientFromAddress: string | null;
  #patientFromServer = $state<string | null>(null);
  #unconfigured = $state(false);
  #link = $state.raw<IssuedLink | null>(null);
  #guests = $state.raw<IssuedLink[]>([]);
  #runningLate = $state.raw<RunningLate | null>(null);
  #makeCall: () => VideoCall = () => new VideoCall({ role: 'clinician' });
  #waiting = $state.raw<WaitingEntry[]>([]);
  #ended = $state(false);
  #error = $state<string | null>(null);
  #busy = $state(false);
  #call = $state.raw<VideoCall | null>(null);
  #callSince = $state(0);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #abort: AbortController | null = null;

  constructor(visitId: string, patientId: string | null, videoConfigured: boolean) {
    this.visitId = visitId;
    this.#patientFromAddress = patientId;
    this.#unconfigured = !videoConfigured;
  }

  /** The visit's patient: from the address, else from the server once the visit exists there. */
  get patientId(): string | null {
    return this.#patientFromAddress ?? this.#patientFromServer;
  }
  get unconfigured(): boolean {
    return this.#unconfigured;
  }
  /** The patient's link issued here (a secret is shown only once, so a reloaded console has none to show). */
  get link(): IssuedLink | null {
    return this.#link;
  }
  /** Interpreter and family links issued here. */
  get guestLinks(): IssuedLink[] {
    return this.#guests;
  }
  /** The running-late notice the waiting room sees now; null when none. */
  get runningLate(): RunningLate | null {
    return this.#runningLate;
  }
  get waiting(): WaitingEntry[] {
    return this.#waiting;
  }
  get ended(): boolean {
    return this.#ended;
  }
  get error(): string | null {
    return this.#error;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get call(): VideoCall | null {
    return this.#call;
  }
  get callSince(): number {
    return this.#callSince;
  }

  start(): void {
    if (this.#unconfigured) return;
    void this.refresh();
    void this.#loadExisting();
  }

  /** Links already made for this visit (the desk makes the patient's when booking): shown rather than made again. */
  async #loadExisting(): Promise<void> {
    try {
      const found = linksFromExisting(await existingLinks(this.visitId));
      if (!this.#link) this.#link = found.link;
      const known = new Set(this.#guests.map((g) => g.linkId));
      this.#guests = [...found.guests.filter((g) => !known.has(g.linkId)), ...this.#guests];
    } catch (e) {
      // Offline or video not configured: the waiting-list refresh reports the same failure; the create button stays.
      if (!this.#error) this.#error = messageOf(e);
    }
  }

  /**
   * Builds the call on something other than a LiveKit connection (the
   * test-only simulated room); must be chosen before the first admit.
   */
  useCallFactory(make: () => VideoCall): void {
    this.#makeCall = make;
  }

  /** The patient's join link; `language` is the one its page opens in (absent: the patient's browser's). */
  async createLink(language?: Language): Promise<void> {
    if (!this.patientId) return;
    await this.#act(async () => {
      const link = await createPatientLink(this.visitId, this.patientId!, undefined, language);
      this.#link = { ...link, label: 'Patient', guestKind: null, revoked: false };
      this.#schedule(0);
    });
  }

  /** A separate, shorter-lived link for an interpreter or family member. */
  async inviteGuest(kind: GuestKind, language?: Language): Promise<void> {
    await this.#act(async () => {
      const link = await createGuestLink(this.visitId, kind, language);
      this.#guests = [...this.#guests, { ...link, label: GUEST_LABELS[kind], guestKind: kind, revoked: false }];
    });
  }

  /** Stops a link working at once (sent to the wrong person, or no longer needed). */
  async revoke(linkId: string): Promise<void> {
    await this.#act(async () => {
      await revokeLink(linkId);
      const mark = (l: IssuedLink) => (l.linkId === linkId ? { ...l, revoked: true } : l);
      if (this.#link) this.#link = mark(this.#link);
      this.#guests = this.#guests.map(mark);
    });
  }

  /** Tells the waiting room how late the clinician is running; null withdraws the notice. */
  async sendRunningLate(minutes: number | null): Promise<void> {
    await this.#act(async () => {
      this.#runningLate = await sendRunningLate(this.visitId, minutes);
    });
  }

  async refresh(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    try {
      const answer = await fetchWaiting(this.visitId, abort.signal);
      this.#waiting = answer.waiting.filter((w) => !w.admitted);
      this.#runningLate = answer.runningLate ?? null;
      this.#patientFromServer = answer.patientId ?? null;
      this.#ended = answer.visit.status === 'ended';
      this.#error = null;
    } catch (e) {
      if (abort.signal.aborted) return;
      if (isVideoNotConfigured(e)) return void (this.#unconfigured = true);
      // Before the first link the visit does not exist on the server yet: nobody can be waiting.
      if (!(e instanceof AppError && e.code === 'not-found')) this.#error = messageOf(e);
    }
    if (!this.#ended) this.#schedule();
  }

  /** Admits one person (or everyone waiting) and joins the call with the clinician's own token. */
  async admit(entryId?: string): Promise<void> {
    await this.#act(async () => {
      const answer = await admit(this.visitId, entryId);
      this.#waiting = entryId ? this.#waiting.filter((w) => w.entryId !== entryId) : [];
      if (!this.#call) {
        this.#call = this.#makeCall();
        this.#callSince = Date.now();
      }
      // Already in the call (admitting someone who joins late): the clinician's new token is not needed.
      if (this.#call.phase.status === 'connected') return;
      await this.#call.join(answer);
    });
  }

  /** Ends the visit for everyone: links revoked, waiting room emptied, the room closed on the video service. */
  async end(): Promise<void> {
    await this.#act(async () => {
      await endVisit(this.visitId);
      this.#ended = true;
      this.#stop();
      await this.#call?.leave();
    });
  }

  async leaveCall(): Promise<void> {
    await this.#call?.leave();
  }

  async destroy(): Promise<void> {
    this.#stop();
    await this.#call?.destroy();
  }

  #schedule(delay = WAITING_REFRESH_MS): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), delay);
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
  }

  async #act(action: () => Promise<void>): Promise<void> {
    this.#busy = true;
    this.#error = null;
    try {
      await action();
    } catch (e) {
      if (isVideoNotConfigured(e)) this.#unconfigured = true;
      else this.#error = messageOf(e);
    } finally {
      this.#busy = false;
    }
  }
}
