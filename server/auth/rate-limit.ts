/**
 * Counts failed sign-ins in a sliding window to slow password guessing,
 * without handing anyone a switch that locks a colleague out:
 *
 * - per (address, username) pair: one machine guessing one account is
 *   stopped after a few tries — and only that machine, so an attacker
 *   hammering `dr.demo` cannot stop dr.demo signing in from elsewhere;
 * - per address, across usernames: one machine spraying many accounts;
 * - per username, across addresses (a larger ceiling): many machines
 *   guessing one account together. Without it a botnet gets a few guesses
 *   per address, without bound. Addresses that signed this user in
 *   recently are exempt from this ceiling, so even such an attack does not
 *   lock the user out of their usual workstation; the pair limit still
 *   holds there.
 *
 * Kept in memory: a restart forgets the counts, which is acceptable for one
 * clinic server (the audit log keeps every failure).
 */
export interface LoginLimits {
  windowMs: number;
  /** Failures of one username from one address. */
  perPair: number;
  /** Failures from one address, whatever the username. */
  perIp: number;
  /** Failures of one username from all addresses together. */
  perUsername: number;
  /** How long a successful sign-in keeps its address exempt from the per-username ceiling (default 30 days). */
  knownAddressMs?: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perPair: 5, perIp: 20, perUsername: 100 };
const DEFAULT_KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60_000;

export type LimitScope = 'pair' | 'ip' | 'username';
export type LimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number; scope: LimitScope };

/** Beyond this many tracked keys, stale ones are dropped (bounds memory when many names or addresses are tried). */
const MAX_KEYS = 10_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  /** `user|address` → last successful sign-in from there. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now
  ) {}

  check(username: string, ip: string): LimitCheck {
    const byPair = this.recent(pairKey(username, ip));
    if (byPair.length >= this.limits.perPair) return this.limited(byPair, 'pair');
    const byIp = this.recent(ipKey(ip));
    if (byIp.length >= this.limits.perIp) return this.limited(byIp, 'ip');
    const byUser = this.recent(userKey(username));
    if (byUser.length >= this.limits.perUsername && !this.isKnown(username, ip)) return this.limited(byUser, 'username');
    return { limited: false };
  }

  recordFailure(username: string, ip: string): void {
    const t = this.now();
    for (const key of [pairKey(username, ip), ipKey(ip), userKey(username)]) {
      const list = this.recent(key);
      list.push(t);
      this.failures.set(key, list);
    }
    if (this.failures.size > MAX_KEYS) this.prune();
  }

  /** A successful sign-in clears that pair's count (not the address's nor the account's) and marks the address as known for the user. */
  recordSuccess(username: string, ip: string): void {
    this.failures.delete(pairKey(username, ip));
    const key = pairKey(username, ip);
    this.known.delete(key); // re-inserted last: the map stays ordered oldest first
    this.known.set(key, this.now());
    if (this.known.size > MAX_KEYS) {
      for (const k of [...this.known.keys()].slice(0, this.known.size - MAX_KEYS)) this.known.delete(k);
    }
  }

  private isKnown(username: string, ip: string): boolean {
    const at = this.known.get(pairKey(username, ip));
    return at !== undefined && this.now() - at < (this.limits.knownAddressMs ?? DEFAULT_KNOWN_ADDRESS_MS);
  }

  private limited(times: number[], scope: LimitScope): LimitCheck {
    const retryAfterMs = times[0] + this.limits.windowMs - this.now();
    return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)), scope };
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      const list = this.recent(key);
      if (list.length === 0) this.failures.delete(key);
      else this.failures.set(key, list);
    }
  }
}

const normal = (username: string) => username.trim().toLowerCase();
const pairKey = (username: string, ip: string) => `p:${ip}|${normal(username)}`;
const userKey = (username: string) => `u:${normal(username)}`;
const ipKey = (ip: string) => `i:${ip}`;
