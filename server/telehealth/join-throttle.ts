import { RateLimitedError } from '../auth/auth-service';

/**
 * Failed tries on the patient's join page per client address: wrong dates
 * of birth and link secrets that lead nowhere (unknown, expired, revoked).
 * Each link locks itself after a few wrong dates; this limit stops one
 * address from moving on to the next link, and the next. Kept in memory,
 * like the sign-in limits; the audit log keeps every failure.
 */
export const JOIN_FAILURES_PER_ADDRESS = 10;
export const JOIN_WINDOW_MS = 60 * 60_000;

/** Bounds memory when many addresses fail. */
const MAX_ADDRESSES = 10_000;

export class JoinThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly limit = JOIN_FAILURES_PER_ADDRESS,
    private readonly windowMs = JOIN_WINDOW_MS
  ) {}

  /** Throws a 429 (with Retry-After) while the address is over its limit. */
  assertAllowed(ip: string): void {
    const times = this.recent(ip);
    if (times.length < this.limit) return;
    const seconds = Math.max(1, Math.ceil((times[0] + this.windowMs - this.now()) / 1000));
    const minutes = Math.ceil(seconds / 60);
    throw new RateLimitedError(seconds, `Too many tries from this network. Wait ${minutes} minute${minutes === 1 ? '' : 's'}, or call the clinic.`);
  }

  recordFailure(ip: string): void {
    const times = this.recent(ip);
    times.push(this.now());
    this.failures.set(ip, times);
    if (this.failures.size > MAX_ADDRESSES) {
      for (const key of [...this.failures.keys()]) if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }

  private recent(ip: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
  }
}
