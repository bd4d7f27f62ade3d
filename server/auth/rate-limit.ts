/**
 * Counts failed sign-ins in a sliding window, per username and per client
 * address, to slow password guessing. Per-username limits stop a targeted
 * guess at one account; per-address limits stop one machine spraying many
 * accounts. Kept in memory: a restart forgets the counts, which is acceptable
 * for one clinic server (the audit log keeps every failure).
 */

export interface LoginLimits {
  windowMs: number;
  perUsername: number;
  perIp: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perUsername: 5, perIp: 20 };

export type LimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number; scope: 'username' | 'ip' };

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now
  ) {}

  check(username: string, ip: string): LimitCheck {
    const byUser = this.recent(userKey(username));
    if (byUser.length >= this.limits.perUsername) return this.limited(byUser, 'username');
    const byIp = this.recent(ipKey(ip));
    if (byIp.length >= this.limits.perIp) return this.limited(byIp, 'ip');
    return { limited: false };
  }

  recordFailure(username: string, ip: string): void {
    const t = this.now();
    for (const key of [userKey(username), ipKey(ip)]) {
      const list = this.recent(key);
      list.push(t);
      this.failures.set(key, list);
    }
    if (this.failures.size > 10_000) this.prune();
  }

  /** A successful sign-in clears the account's count (not the address's). */
  recordSuccess(username: string): void {
    this.failures.delete(userKey(username));
  }

  private limited(times: number[], scope: 'username' | 'ip'): LimitCheck {
    const retryAfterMs = times[0] + this.limits.windowMs - this.now();
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)), scope };
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }

  /** Bounds memory when many distinct names or addresses are tried. */
  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      const list = this.recent(key);
      if (list.length === 0) this.failures.delete(key);
      else this.failures.set(key, list);
    }
  }
}

const userKey = (username: string) => `u:${username.trim().toLowerCase()}`;
const ipKey = (ip: string) => `i:${ip}`;
