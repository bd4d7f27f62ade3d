import type Database from 'better-sqlite3';
import { isRole, type Role } from '../../src/lib/domain/roles';
import { PolicyGate } from '../policy/policy-gate';
import type { Author, Verdict } from '../policy/policy-types';
import type { Audit, AuditEvent } from '../types';
import type { WriteRow } from './group-commit';
import type { LiveDoc } from './live-doc';
import type { CheckedUpdate } from './update-check';

/** The user id the server's own corrections are attributed to in the log. */
export const SERVER_WRITER_ID = 'outpost-server';

export type AdmitOutcome =
  | { kind: 'accepted'; rows: WriteRow[]; audit: AuditEvent[] }
  | { kind: 'refused'; rules: string[]; message: string }
  | { kind: 'incomplete' };

/** A refusal repeated by the same user on the same document within this window is counted, not audited again. */
const REPEAT_WINDOW_MS = 10 * 60_000;

/**
 * Every write path (websocket, batch, server) passes an update through
 * here before it is stored: the write policy judges it against the
 * document, and this turns the verdict into rows to store (the update, and
 * the server's correction) and audit entries to store with them. A refusal
 * is audited at once, with the rules it broke; the same refusal repeated by
 * a client that keeps resending it is counted rather than flooding the log.
 */
export class WritePipeline {
  readonly gate: PolicyGate;
  private readonly userStmt: Database.Statement<[string], { name: string; roles: string; disabled: number }> | null;
  private readonly repeats = new Map<string, { until: number; count: number }>();
  /** Users read in this turn of the event loop (see userRow); cleared at the end of the turn. */
  private turnUsers: Map<string, UserRow | null> | null = null;

  constructor(
    db: Database.Database,
    private readonly audit: Audit
  ) {
    // A sync server mounted without the platform's user table (its own tests) knows users by their session only.
    const hasUsers = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get() !== undefined;
    this.userStmt = hasUsers ? db.prepare('SELECT name, roles, disabled FROM users WHERE id = ?') : null;
    // The patient list (app.ts keeps it in step with every accepted patient document) gives the age the drug checks need.
    const hasPatients = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'patients'").get() !== undefined;
    const birthStmt = hasPatients ? db.prepare<[string, string], { birth_date: string }>('SELECT birth_date FROM patients WHERE id = ? AND clinic_id = ?') : null;
    const staffStmt = hasUsers ? db.prepare<[string, string], { name: string; roles: string; disabled: number }>('SELECT name, roles, disabled FROM users WHERE id = ? AND clinic_id = ?') : null;
    this.gate = new PolicyGate(undefined, {
      birthDate: (clinicId, patientId) => birthStmt?.get(patientId, clinicId)?.birth_date || null,
      staff: (clinicId, userId) => {
        const row = staffStmt?.get(userId, clinicId);
        if (!row) return null;
        const roles = parseRoles(row.roles);
        if (roles.includes('patient')) return null;
        return { name: row.name, roles: row.disabled ? [] : roles };
      }
    });
  }

  /**
   * The author of a client write as the server knows the user now: name and
   * roles are read fresh, so a role taken away while a connection stays open
   * no longer counts.
   */
  userAuthor(user: { id: string; name: string; roles: readonly Role[] }, via: 'websocket' | 'batch'): Author {
    const row = this.userRow(user.id);
    const roles = row ? [...row.roleList] : [...user.roles];
    return { kind: 'user', userId: user.id, name: row?.name ?? user.name, roles: row?.disabled ? [] : roles, via };
  }

  /**
   * The user's row, read once per turn of the event loop: the writes that
   * arrive in one read of the sockets (and are committed together at its
   * end) are judged with the user as of that turn; a change of roles counts
   * from the next turn.
   */
  private userRow(userId: string): UserRow | undefined {
    if (!this.userStmt) return undefined;
    const seen = this.turnUsers?.get(userId);
    if (seen !== undefined) return seen ?? undefined;
    const stored = this.userStmt.get(userId);
    const row = stored ? { name: stored.name, disabled: stored.disabled, roleList: parseRoles(stored.roles) } : undefined;
    if (!this.turnUsers) {
      const turn = new Map<string, UserRow | null>();
      this.turnUsers = turn;
      setImmediate(() => {
        if (this.turnUsers === turn) this.turnUsers = null;
      });
    }
    this.turnUsers.set(userId, row ?? null);
    return row;
  }

  serverAuthor(userId: string, origin: 'import' | 'seed' | 'system' | 'replica'): Author {
    const row = this.userStmt?.get(userId);
    return { kind: 'server', userId, name: row?.name ?? 'Outpost server', roles: row ? parseRoles(row.roles) : [], origin };
  }

  admit(live: LiveDoc, update: CheckedUpdate, author: Author, ip: string | null = null): AdmitOutcome {
    const result = this.gate.admit(live, update.bytes, author);
    if (result.kind === 'incomplete') return result;
    const via = author.kind === 'user' ? author.via : 'server';
    const base = { userId: author.userId, target: live.name, ip };
    if (result.kind === 'refused') {
      const refusedBy = result.verdict.violations.filter((v) => v.action === 'refuse');
      const rules = [...new Set(refusedBy.map((v) => v.rule))];
      this.recordRefusal(live.name, author.userId, rules, () => [
        { ...base, action: 'doc.update.refused', outcome: 'failure', detail: { via, rules, at: refusedBy.slice(0, 5).map((v) => v.at), bytes: update.bytes.byteLength } },
        ...result.verdict.notes.filter((n) => n.outcome === 'failure').map((n) => ({ ...n, ip }))
      ]);
      return { kind: 'refused', rules, message: refusedBy[0]?.message ?? 'The change breaks a rule of the record' };
    }
    const rows: WriteRow[] = [{ bytes: update.bytes, userId: author.userId }];
    if (result.correction) rows.push({ bytes: result.correction, userId: SERVER_WRITER_ID });
    return { kind: 'accepted', rows, audit: auditOf(result.verdict, base, via, ip) };
  }

  /**
   * Audits an update refused before the policy saw it because a struct
   * reuses an id (client and clock) the server holds with other content.
   */
  refuseCollision(live: LiveDoc, author: Author, at: { client: number; clock: number }, ip: string | null = null): void {
    const via = author.kind === 'user' ? author.via : 'server';
    this.recordRefusal(live.name, author.userId, ['sync.client-id-collision'], () => [
      { userId: author.userId, target: live.name, ip, action: 'doc.update.refused', outcome: 'failure', detail: { via, rules: ['sync.client-id-collision'], client: at.client, clock: at.clock } }
    ]);
  }

  private recordRefusal(doc: string, userId: string, rules: string[], events: () => AuditEvent[]): void {
    const key = `${userId}|${doc}|${rules.join(',')}`;
    const now = Date.now();
    const seen = this.repeats.get(key);
    if (seen && now < seen.until) {
      seen.count++;
      return;
    }
    const list = events();
    if (seen?.count) list[0].detail = { ...list[0].detail, repeatedSinceLast: seen.count };
    this.repeats.set(key, { until: now + REPEAT_WINDOW_MS, count: 0 });
    if (this.repeats.size > 10_000) this.repeats.clear();
    for (const e of list) {
      try {
        this.audit.record(e);
      } catch (err) {
        console.error('[sync] could not audit a refused update', err instanceof Error ? err.name : 'error');
      }
    }
  }
}

function auditOf(verdict: Verdict, base: { userId: string; target: string; ip: string | null }, via: string, ip: string | null): AuditEvent[] {
  const out: AuditEvent[] = [];
  const corrected = verdict.violations.filter((v) => v.action === 'correct');
  if (corrected.length) {
    out.push({
      ...base,
      action: 'doc.update.corrected',
      outcome: 'failure',
      detail: { via, rules: [...new Set(corrected.map((v) => v.rule))], at: corrected.slice(0, 10).map((v) => v.at) }
    });
  }
  for (const n of verdict.notes) out.push({ ...n, ip });
  return out;
}

/** A user's row as read for a turn, roles parsed. */
interface UserRow {
  name: string;
  disabled: number;
  roleList: readonly Role[];
}

function parseRoles(json: string): Role[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter(isRole) : [];
  } catch {
    return [];
  }
}
