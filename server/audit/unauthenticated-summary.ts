import type { Audit, AuditAction } from '../types';

/**
 * Requests to the API without a valid session (401 "Sign in to continue"),
 * audited in summary: one `api.unauthenticated` entry per client address
 * per window (a minute by default) with how many there were, when, and
 * which endpoints — not one entry per request. A scanner hammering the API
 * is then visible in the log without being able to flood it.
 *
 * Endpoints are named by their route pattern (`/api/attachments/:id`),
 * never the path as sent, so no id or token from a URL reaches the log.
 * At most `maxAddresses` addresses are tracked per window; requests from
 * any further ones are counted together in one entry with no address
 * (`otherAddresses: true`), so memory and log stay bounded whatever comes.
 */

export const UNAUTHENTICATED_ACTION = 'api.unauthenticated' satisfies AuditAction;

export interface UnauthenticatedSummary {
  /** Counts one refused request. */
  note(ip: string, route: string): void;
  /** Writes an entry for every address seen since the last flush. */
  flush(): void;
  /** Stops the timer and flushes (at shutdown). */
  close(): void;
}

interface Tally {
  count: number;
  first: Date;
  last: Date;
  routes: Set<string>;
}

const MAX_ROUTES = 10;
// Stryker disable next-line StringLiteral: any value no client address can take will do; clientIp never returns ''.
const OVERFLOW = '';

export function createUnauthenticatedSummary(
  audit: Audit,
  opts: { windowMs?: number; maxAddresses?: number; now?: () => Date } = {}
): UnauthenticatedSummary {
  const windowMs = opts.windowMs ?? 60_000;
  const maxAddresses = opts.maxAddresses ?? 1000;
  const now = opts.now ?? (() => new Date());
  let tallies = new Map<string, Tally>();

  function flush(): void {
    const done = tallies;
    tallies = new Map();
    for (const [ip, t] of done) {
      audit.record({
        action: UNAUTHENTICATED_ACTION,
        outcome: 'failure',
        ip: ip === OVERFLOW ? null : ip,
        detail: {
          count: t.count,
          from: t.first.toISOString(),
          to: t.last.toISOString(),
          routes: [...t.routes].sort(),
          ...(ip === OVERFLOW ? { otherAddresses: true } : {})
        }
      });
    }
  }

  const timer = setInterval(flush, windowMs);
  timer.unref();

  return {
    note(ip, route) {
      const at = now();
      const key = tallies.has(ip) || tallies.size < maxAddresses ? ip : OVERFLOW;
      let t = tallies.get(key);
      if (!t) {
        t = { count: 0, first: at, last: at, routes: new Set() };
        tallies.set(key, t);
      }
      t.count += 1;
      t.last = at;
      if (t.routes.size < MAX_ROUTES) t.routes.add(route);
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    }
  };
}
