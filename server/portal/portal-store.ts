import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { INVITATION_DAYS, MAX_BIRTH_DATE_FAILURES, nextViewMarks, type PortalRelation, type ProxyKind } from '../../src/lib/domain/portal/portal-rules';
import { hashSecret, newSecret } from '../telehealth/secrets';

/**
 * Patient-account invitations and the record access they grant, in SQLite
 * (migration 007-portal-accounts). An invitation's secret is returned once
 * and only its SHA-256 is stored (telehealth/secrets.ts), so a copy of the
 * database opens no account. Access rows are never deleted: a revoked one
 * keeps who revoked it and when.
 */
export interface Invitation {
  id: string;
  clinicId: string;
  patientId: string;
  relation: PortalRelation;
  proxyKind: ProxyKind | null;
  proxyName: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  failures: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface RecordAccess {
  id: string;
  userId: string;
  clinicId: string;
  patientId: string;
  relation: PortalRelation;
  proxyKind: ProxyKind | null;
  proxyName: string | null;
  grantedAt: number;
  revokedAt: number | null;
  lastViewedAt: number | null;
  previousViewedAt: number | null;
}

/** Why an invitation secret opens nothing; the activation answer says which in plain words. */
export type InvitationProblem = 'unknown' | 'expired' | 'used' | 'revoked' | 'burnt';

interface InvitationRow {
  id: string;
  clinic_id: string;
  patient_id: string;
  relation: PortalRelation;
  proxy_kind: ProxyKind | null;
  proxy_name: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  failures: number;
  used_at: number | null;
  revoked_at: number | null;
}

interface AccessRow {
  id: string;
  user_id: string;
  clinic_id: string;
  patient_id: string;
  relation: PortalRelation;
  proxy_kind: ProxyKind | null;
  proxy_name: string | null;
  granted_at: number;
  revoked_at: number | null;
  last_viewed_at: number | null;
  previous_viewed_at: number | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  clinicId: r.clinic_id,
  patientId: r.patient_id,
  relation: r.relation,
  proxyKind: r.proxy_kind,
  proxyName: r.proxy_name,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  failures: r.failures,
  usedAt: r.used_at,
  revokedAt: r.revoked_at
});

const toAccess = (r: AccessRow): RecordAccess => ({
  id: r.id,
  userId: r.user_id,
  clinicId: r.clinic_id,
  patientId: r.patient_id,
  relation: r.relation,
  proxyKind: r.proxy_kind,
  proxyName: r.proxy_name,
  grantedAt: r.granted_at,
  revokedAt: r.revoked_at,
  lastViewedAt: r.last_viewed_at,
  previousViewedAt: r.previous_viewed_at
});

export interface PortalStore {
  issue(input: { clinicId: string; patientId: string; relation: PortalRelation; proxyKind: ProxyKind | null; proxyName: string | null; createdBy: string }): { invitation: Invitation; secret: string };
  /** The invitation a secret names, whatever its state, or null for an unknown secret. */
  bySecret(secret: string): Invitation | null;
  /** Why this invitation cannot be used now, or null when it can. */
  problemOf(invitation: Invitation): InvitationProblem | null;
  /** Counts a wrong date of birth; returns the tries left (0: burnt). */
  noteFailure(id: string): number;
  /**
   * Creates the account (`createAccount` returns its id), marks the invitation
   * used by it and grants the access it carries, in one transaction; null
   * (nothing written) when it was used or revoked meanwhile.
   */
  redeem(invitation: Invitation, createAccount: () => string): string | null;
  invitationById(id: string): Invitation | null;
  revokeInvitation(id: string, by: string): boolean;
  invitationsOf(clinicId: string, patientId: string): Invitation[];
  accessOf(clinicId: string, patientId: string): RecordAccess[];
  /** The records an account may read now (revoked grants left out). */
  grantsOf(userId: string): RecordAccess[];
  /** The account's live grant to this patient, or null. */
  grant(userId: string, patientId: string): RecordAccess | null;
  accessById(id: string): RecordAccess | null;
  revokeAccess(id: string, by: string): boolean;
  /** Notes an opening of the record; returns the start of the visit before this one (for "new since your last visit"). */
  noteView(accessId: string): number | null;
}

export function createPortalStore(db: Database.Database, now: () => number = Date.now): PortalStore {
  const insertInvitation = db.prepare(
    `INSERT INTO portal_invitations (id, clinic_id, patient_id, relation, proxy_kind, proxy_name, token_hash, created_by, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  );
  const invitationBySecret = db.prepare<[string], InvitationRow>('SELECT * FROM portal_invitations WHERE token_hash = ?');
  const invitationById = db.prepare<[string], InvitationRow>('SELECT * FROM portal_invitations WHERE id = ?');
  const bumpFailures = db.prepare<[string], { failures: number }>('UPDATE portal_invitations SET failures = failures + 1 WHERE id = ? RETURNING failures');
  const markUsed = db.prepare('UPDATE portal_invitations SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL');
  const revokeInv = db.prepare('UPDATE portal_invitations SET revoked_at = ?, revoked_by = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL');
  const invitationsOf = db.prepare<[string, string], InvitationRow>('SELECT * FROM portal_invitations WHERE clinic_id = ? AND patient_id = ? ORDER BY created_at DESC');
  const insertAccess = db.prepare(
    `INSERT INTO portal_access (id, user_id, clinic_id, patient_id, relation, proxy_kind, proxy_name, invitation_id, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
  );
  const accessOf = db.prepare<[string, string], AccessRow>('SELECT * FROM portal_access WHERE clinic_id = ? AND patient_id = ? ORDER BY granted_at DESC');
  const grantsOf = db.prepare<[string], AccessRow>('SELECT * FROM portal_access WHERE user_id = ? AND revoked_at IS NULL ORDER BY relation DESC, granted_at');
  const grantOf = db.prepare<[string, string], AccessRow>('SELECT * FROM portal_access WHERE user_id = ? AND patient_id = ? AND revoked_at IS NULL LIMIT 1');
  const accessById = db.prepare<[string], AccessRow>('SELECT * FROM portal_access WHERE id = ?');
  const revokeAcc = db.prepare('UPDATE portal_access SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL');
  const setViews = db.prepare('UPDATE portal_access SET last_viewed_at = ?, previous_viewed_at = ? WHERE id = ?');

  return {
    issue(input) {
      const secret = newSecret();
      const t = now();
      const id = randomUUID();
      insertInvitation.run(id, input.clinicId, input.patientId, input.relation, input.proxyKind, input.proxyName, hashSecret(secret), input.createdBy, t, t + INVITATION_DAYS * 86_400_000);
      return { invitation: toInvitation(invitationById.get(id)!), secret };
    },
    bySecret(secret) {
      const row = invitationBySecret.get(hashSecret(secret));
      return row ? toInvitation(row) : null;
    },
    problemOf(inv) {
      if (inv.usedAt !== null) return 'used';
      if (inv.revokedAt !== null) return 'revoked';
      if (inv.failures >= MAX_BIRTH_DATE_FAILURES) return 'burnt';
      if (now() >= inv.expiresAt) return 'expired';
      return null;
    },
    noteFailure(id) {
      const row = bumpFailures.get(id);
      return Math.max(0, MAX_BIRTH_DATE_FAILURES - (row?.failures ?? MAX_BIRTH_DATE_FAILURES));
    },
    redeem(inv, createAccount) {
      return db.transaction(() => {
        const current = invitationById.get(inv.id);
        if (!current || current.used_at !== null || current.revoked_at !== null) return null;
        const userId = createAccount();
        markUsed.run(now(), userId, inv.id);
        insertAccess.run(randomUUID(), userId, inv.clinicId, inv.patientId, inv.relation, inv.proxyKind, inv.proxyName, inv.id, now());
        return userId;
      })();
    },
    invitationById(id) {
      const row = invitationById.get(id);
      return row ? toInvitation(row) : null;
    },
    revokeInvitation(id, by) {
      return revokeInv.run(now(), by, id).changes === 1;
    },
    invitationsOf(clinicId, patientId) {
      return invitationsOf.all(clinicId, patientId).map(toInvitation);
    },
    accessOf(clinicId, patientId) {
      return accessOf.all(clinicId, patientId).map(toAccess);
    },
    grantsOf(userId) {
      return grantsOf.all(userId).map(toAccess);
    },
    grant(userId, patientId) {
      const row = grantOf.get(userId, patientId);
      return row ? toAccess(row) : null;
    },
    accessById(id) {
      const row = accessById.get(id);
      return row ? toAccess(row) : null;
    },
    revokeAccess(id, by) {
      return revokeAcc.run(now(), by, id).changes === 1;
    },
    noteView(accessId) {
      const row = accessById.get(accessId);
      if (!row) return null;
      const marks = nextViewMarks(now(), row.last_viewed_at, row.previous_viewed_at);
      setViews.run(marks.last, marks.previous, accessId);
      return marks.previous;
    }
  };
}
