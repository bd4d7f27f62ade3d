/**
 * How often join links may be sent: a link at most LINK_LIMIT times an hour
 * (a patient who did not get it gets it again; a loop or a misclick does
 * not text them twenty times), a user at most USER_LIMIT messages an hour
 * (a stolen session cannot turn the clinic into a spam relay). In memory:
 * a restart forgets, which errs toward letting staff send.
 */
export const LINK_LIMIT = 3;
export const USER_LIMIT = 30;
const WINDOW_MS = 3_600_000;

export class SendLimiter {
  readonly #sent = new Map<string, number[]>();
  constructor(private readonly now: () => number) {}

  #recent(key: string): number[] {
    const since = this.now() - WINDOW_MS;
    const kept = (this.#sent.get(key) ?? []).filter((t) => t > since);
    this.#sent.set(key, kept);
    return kept;
  }

  /** Whether one more send is allowed; counts it when it is. */
  take(userId: string, linkId: string): boolean {
    const byUser = this.#recent(`u:${userId}`);
    const byLink = this.#recent(`l:${linkId}`);
    if (byUser.length >= USER_LIMIT || byLink.length >= LINK_LIMIT) return false;
    const t = this.now();
    byUser.push(t);
    byLink.push(t);
    return true;
  }
}
