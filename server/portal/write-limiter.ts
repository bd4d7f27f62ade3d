import { PORTAL_REFUSALS } from '../../src/lib/domain/portal-refusals';
import { RateLimitedError } from '../auth/auth-service';
import type { RequestContext } from '../http/context';
import type { Audit, SessionUser } from '../types';

/**
 * How many new things one patient (or proxy) account may send through the
 * portal in a window, per kind. Each may raise an item in the clinic's inbox,
 * so one account (or a stolen session, or a buggy device) must not be able
 * to flood it. The limits are generous for a person: a patient who measures
 * their blood pressure every few minutes, or writes several messages in a
 * row, stays well under them.
 *
 * Only new writes count: an id the server already kept answers 200 with what
 * was kept (the offline outbox resends), before the limit is looked at.
 */
export type PortalWriteFamily = 'messages' | 'home-readings' | 'refill-requests' | 'intake' | 'booking';

export interface PortalWriteLimit {
  /** New writes allowed in the window. */
  limit: number;
  windowMs: number;
}

const HOUR = 60 * 60_000;

export const PORTAL_WRITE_LIMITS: Record<PortalWriteFamily, PortalWriteLimit> = {
  messages: { limit: 30, windowMs: HOUR },
  'home-readings': { limit: 40, windowMs: HOUR },
  'refill-requests': { limit: 10, windowMs: HOUR },
  intake: { limit: 5, windowMs: HOUR },
  booking: { limit: 10, windowMs: HOUR }
};

/** What the patient reads: what they sent, in plain words. */
const WHAT: Record<PortalWriteFamily, string> = {
  messages: 'messages',
  'home-readings': 'home readings',
  'refill-requests': 'refill requests',
  intake: 'pre-visit forms',
  booking: 'booking changes'
};

/** Bounds memory when many accounts write. */
const MAX_KEYS = 10_000;

export interface PortalWriteLimiterOptions {
  audit: Audit;
  now?: () => number;
  limits?: Partial<Record<PortalWriteFamily, PortalWriteLimit>>;
}

export class PortalWriteLimiter {
  private readonly writes = new Map<string, number[]>();
  /** The end of the window in which a refusal was already audited, per account and kind. */
  private readonly auditedUntil = new Map<string, number>();
  private readonly now: () => number;
  private readonly limits: Record<PortalWriteFamily, PortalWriteLimit>;

  constructor(private readonly opts: PortalWriteLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.limits = { ...PORTAL_WRITE_LIMITS, ...opts.limits };
  }

  /**
   * Throws a 429 (with Retry-After and a readable message) while the account
   * is at its limit for this kind. The first refusal in a window is audited;
   * the ones after it are not, so a flood does not flood the audit log either.
   */
  assertAllowed(ctx: RequestContext, user: SessionUser, family: PortalWriteFamily, target: string): void {
    const key = `${user.id}\u0000${family}`;
    const { limit, windowMs } = this.limits[family];
    const times = this.recent(key, windowMs);
    if (times.length < limit) return;
    const t = this.now();
    const resetAt = times[times.length - limit] + windowMs;
    const seconds = Math.max(1, Math.ceil((resetAt - t) / 1000));
    if ((this.auditedUntil.get(key) ?? 0) <= t) {
      this.auditedUntil.set(key, resetAt);
      this.opts.audit.record({ action: 'portal.rate-limited', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { kind: family, limit, windowMinutes: Math.round(windowMs / 60_000) } });
    }
    const minutes = Math.ceil(seconds / 60);
    const params = { what: WHAT[family], minutes, kind: family };
    throw new RateLimitedError(seconds, PORTAL_REFUSALS['limit.reached'].english(params), { reason: 'limit.reached', params });
  }

  /** Counts one new write that was kept. */
  record(user: SessionUser, family: PortalWriteFamily): void {
    const key = `${user.id}\u0000${family}`;
    const times = this.recent(key, this.limits[family].windowMs);
    times.push(this.now());
    this.writes.set(key, times);
    if (this.writes.size > MAX_KEYS) {
      for (const [k, v] of this.writes) {
        const fam = k.split('\u0000')[1] as PortalWriteFamily;
        if (this.recent(k, this.limits[fam].windowMs).length === 0 || v.length === 0) {
          this.writes.delete(k);
          this.auditedUntil.delete(k);
        }
      }
    }
  }

  private recent(key: string, windowMs: number): number[] {
    const cutoff = this.now() - windowMs;
    return (this.writes.get(key) ?? []).filter((t) => t > cutoff);
  }
}
