import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { JoinScope } from '../../src/lib/domain/telehealth/join';
import { hashSecret, newSecret } from './secrets';

/**
 * The virtual waiting room. Who is waiting lives in a table (it survives a
 * restart and the clinician's list is a query); the video tokens minted at
 * admit live only in memory until the patient's page picks them up once —
 * a token is a credential and is never written to disk. After a restart an
 * admitted patient whose page had not picked up the token simply shows as
 * waiting again and is admitted once more.
 */

/** An entry not polled for this long is shown as gone (the page was closed). */
export const WAITING_STALE_MS = 60_000;

export interface WaitingRow {
  id: string;
  link_id: string;
  visit_id: string;
  role: JoinScope;
  entered_at: string;
  last_seen_at: string;
  admitted_at: string | null;
  token_delivered_at: string | null;
  left_at: string | null;
}

export interface PendingToken {
  token: string;
  expiresAt: string;
}

export function createWaitingRoom(db: Database.Database, now: () => number) {
  const pending = new Map<string, PendingToken>();
  const iso = () => new Date(now()).toISOString();
  const insert = db.prepare(
    `INSERT INTO telehealth_waiting (id, ticket_hash, link_id, visit_id, role, entered_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`
  );
  const supersede = db.prepare('UPDATE telehealth_waiting SET left_at = ? WHERE link_id = ? AND left_at IS NULL AND admitted_at IS NULL');
  const byTicket = db.prepare('SELECT * FROM telehealth_waiting WHERE ticket_hash = ?');
  const seen = db.prepare('UPDATE telehealth_waiting SET last_seen_at = ? WHERE id = ?');
  const waitingForVisit = db.prepare(
    'SELECT * FROM telehealth_waiting WHERE visit_id = ? AND left_at IS NULL AND (admitted_at IS NULL OR token_delivered_at IS NULL) ORDER BY entered_at, id'
  );
  const admit = db.prepare('UPDATE telehealth_waiting SET admitted_at = ?, admitted_by = ? WHERE id = ?');
  const delivered = db.prepare('UPDATE telehealth_waiting SET token_delivered_at = ? WHERE id = ?');
  const leaveVisit = db.prepare('UPDATE telehealth_waiting SET left_at = ? WHERE visit_id = ? AND left_at IS NULL RETURNING id');

  return {
    /** A new entry for this link; an earlier one from the same link (a reloaded page) is replaced. Returns the ticket secret for polling. */
    enter(linkId: string, visitId: string, role: JoinScope): { entryId: string; ticket: string } {
      const ticket = newSecret();
      const entryId = randomUUID();
      db.transaction(() => {
        supersede.run(iso(), linkId);
        insert.run(entryId, hashSecret(ticket), linkId, visitId, role, iso(), iso());
      })();
      return { entryId, ticket };
    },

    byTicket: (ticket: string) => byTicket.get(hashSecret(ticket)) as WaitingRow | undefined,
    touch: (entryId: string) => void seen.run(iso(), entryId),

    /** Entries the clinician sees: present (polled recently) and not yet in the call. */
    waiting(visitId: string): WaitingRow[] {
      const cutoff = now() - WAITING_STALE_MS;
      return (waitingForVisit.all(visitId) as WaitingRow[]).filter((w) => Date.parse(w.last_seen_at) >= cutoff);
    },

    markAdmitted(entryId: string, userId: string, token: PendingToken): void {
      admit.run(iso(), userId, entryId);
      pending.set(entryId, token);
    },

    /** Hands the token over once; an expired one is dropped (the clinician admits again). */
    takeToken(entryId: string): PendingToken | null {
      const t = pending.get(entryId);
      pending.delete(entryId);
      if (!t || Date.parse(t.expiresAt) <= now()) return null;
      delivered.run(iso(), entryId);
      return t;
    },

    /** Forgets an undelivered token (its link was revoked or expired meanwhile). */
    dropToken: (entryId: string) => void pending.delete(entryId),

    /** True while a minted token waits for pickup: such an entry is not admitted again. */
    hasPendingToken: (entryId: string) => pending.has(entryId),

    /** Everyone leaves and every undelivered token is forgotten (the visit ended). */
    closeVisit(visitId: string): void {
      for (const { id } of leaveVisit.all(iso(), visitId) as { id: string }[]) pending.delete(id);
    }
  };
}
export type WaitingRoom = ReturnType<typeof createWaitingRoom>;
