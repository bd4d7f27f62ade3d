import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Database from 'better-sqlite3';
import type * as Y from 'yjs';
import type { Role } from '../src/lib/domain/roles';

/** The signed-in user behind a request, resolved from the session cookie. */
export interface SessionUser {
  id: string;
  username: string;
  name: string;
  roles: Role[];
  clinicId: string;
  clinicName: string;
  sessionId: string;
  /** The registered device the session was opened on (server/devices); null for a session opened without one. */
  deviceId?: string | null;
}

export const AUDIT_ACTIONS = [
  'login.success',
  'login.failure',
  'login.second-factor',
  'second-factor.enrol',
  'second-factor.recovery-codes',
  'second-factor.reset',
  'second-factor.policy',
  /** Passkeys (auth/passkey-service.ts): a registration, a removal, a ceremony's options handed out, an assertion refused. */
  'passkey.register',
  'passkey.remove',
  'passkey.challenge',
  'passkey.refused',
  'logout',
  'session.expired',
  'doc.open',
  'doc.close',
  'doc.update',
  'doc.update.rejected',
  'doc.update.refused',
  'doc.update.corrected',
  'doc.quarantined',
  'doc.log.compacted',
  'sync.limit',
  'doc.batch',
  'patients.list',
  'authz.denied',
  'api.unauthenticated',
  'user.create',
  'user.disable',
  'user.password-reset',
  'user.roles',
  'sessions.revoke',
  'sessions.sign-out-everywhere',
  'device.lost',
  'device.wipe-signal',
  'device.wipe-confirmed',
  'clinic.create',
  'clinic.settings',
  'import',
  'fhir.read',
  'auth.token',
  'api-client.create',
  'api-client.disable',
  'cds.call',
  'fhir.export',
  'pharmacy.send',
  'transfer.send',
  'transfer.download',
  'transfer.print',
  'transfer.link',
  'transfer.match-review',
  'transfer.configure',
  'prescription.sign',
  'prescription.override',
  'prescription.change',
  'prescription.recheck',
  'prescription.audit',
  'telehealth.link.create',
  'telehealth.link.revoke',
  'telehealth.link.show',
  'telehealth.link.send',
  'telehealth.verify',
  'telehealth.admit',
  'telehealth.join',
  'telehealth.leave',
  'telehealth.end',
  'telehealth.running-late',
  'telehealth.webhook',
  'attachment.upload',
  'attachment.read',
  'backup.create',
  'backup.restore',
  'audit.report',
  'audit.export',
  'audit.upload',
  'measures.report',
  'measures.export',
  'record.view',
  'record.print',
  'breakglass.grant',
  'breakglass.refused',
  'breakglass.open',
  'breakglass.expire',
  'breakglass.review',
  'restriction.create',
  'restriction.end',
  'portal.invite',
  'portal.invite.revoke',
  'portal.activate',
  'portal.access.revoke',
  'portal.record',
  'portal.home-reading',
  'portal.refill-request',
  'portal.rate-limited',
  'portal.intake',
  'portal.message',
  'portal.messages',
  'message.photo.read',
  'portal.booking',
  'reporting.configure',
  'reporting.preview',
  'reporting.send',
  /** Clinic boxes (server/replication/): an enrolment code made, an edge enrolled or revoked, a replication request refused, an exchange, an edge's audit received, a sneakernet bundle, a replicated update set aside. */
  'edge.enrolment-code',
  'edge.enrol',
  'edge.revoke',
  'edge.refused',
  'edge.replicate',
  'edge.audit',
  'edge.users',
  'edge.bundle.export',
  'edge.bundle.import',
  /** A replicated update refused and set aside (failure), or resolved by a later one (success). */
  'edge.quarantine'
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  action: AuditAction;
  outcome: 'success' | 'failure';
  userId?: string | null;
  /** What was acted on: a document name, `patients`, a username for failed logins (never patient data). */
  target?: string | null;
  /** Small structured facts: sizes, counts, reasons. Never names, dates of birth or note text. */
  detail?: Record<string, unknown>;
  ip?: string | null;
}

export interface Audit {
  record(event: AuditEvent): void;
  /**
   * Re-reads the chain head from the database. Called after a transaction
   * that recorded entries was rolled back, so the next entry links to what
   * is really stored.
   */
  resync?(): void;
}

/** What the sync service needs from the rest of the server. */
export interface SyncDeps {
  db: Database.Database;
  /**
   * Where documents are kept (server/store/document-store.ts); default: the
   * SQLite store on `db`. The owner opens and closes it.
   */
  store?: import('./store/document-store').DocumentStore;
  /** Other server processes on the same store (server/sync/fan-out.ts): they are told of each commit, and their rows are read back. */
  fanOut?: import('./sync/fan-out').FanOut;
  /** Resolves the session cookie of an upgrade request; null when absent, expired or revoked. */
  authenticate(req: IncomingMessage): SessionUser | null;
  audit: Audit;
  /**
   * Called after an update to a document was persisted and applied, with the
   * live document. The platform uses it to refresh the patient-list projection.
   */
  onDocChanged?(name: string, clinicId: string, doc: Y.Doc): void;
  /**
   * Which of these sessions have ended (signed out, expired, revoked, user
   * disabled), each with why; live sessions are absent. Asked every few
   * seconds for the sessions behind open sockets and before each message a
   * socket sends. Without it sessions are checked only at the upgrade.
   */
  endedSessions?(sessionIds: readonly string[]): ReadonlyMap<string, string>;
  /** The client's address for the audit log (behind a trusted proxy, the one it appended); default: the socket's peer. */
  clientIp?(req: IncomingMessage): string;
  /** Emergency access and patient restrictions (server/access/access-gate.ts); without it neither exists and `restricted:` documents open to clinical roles. */
  access?: AccessGate;
}

/** What the sync server and the FHIR API ask about emergency access and restrictions. */
export interface AccessGate {
  /** The user's running break-glass grant to this patient: its id and end (epoch ms), or null. */
  grant(userId: string, patientId: string): { id: string; expiresAt: number } | null;
  /** Whether the restricted part opens to the user: named by a restriction of this patient in force, or none is in force any more. */
  named(userId: string, patientId: string): boolean;
  /** Categories of this patient's record hidden from this user (named users and running grants see all). */
  hiddenCategories(userId: string, patientId: string): readonly import('../src/lib/domain/restriction-categories').RestrictionCategory[];
  /**
   * Every category of this patient's record under a restriction in force,
   * whoever asks: what leaves out of the ways out of the server (bulk
   * export, transfer, health links), where the reader is not a named user.
   */
  restrictedCategories(patientId: string): readonly import('../src/lib/domain/restriction-categories').RestrictionCategory[];
}

export interface SyncOptions {
  /** Largest websocket message or pushed update accepted, in bytes (default 2 MiB). */
  maxMessageBytes?: number;
  /** A document with no connection is dropped from memory after this long (default 60 s). */
  idleEvictMs?: number;
  /** Write a snapshot after this many updates since the last one (default 200). */
  compactEvery?: number;
  /** How often the sessions behind open sockets are checked, so one ended in another process closes its sockets (default 2 s). */
  sessionCheckMs?: number;
}

export interface BatchDocResult {
  name: string;
  update?: string;
  stateVector?: string;
  /** A per-document refusal; `rules` names the write-policy rules a refused change broke. */
  error?: { code: string; message: string; rules?: string[]; clientId?: number; clock?: number };
}

export interface SyncService {
  /** Handles an HTTP upgrade for `/sync/<docName>` (authenticates, checks ACL, then speaks y-websocket). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** POST /api/sync/batch — body validated inside; throws AppError for a malformed request. */
  handleBatch(user: SessionUser, body: unknown): Promise<{ docs: BatchDocResult[] }>;
  /** GET /api/sync/changes — names of readable documents changed after `since`. */
  changes(user: Pick<SessionUser, 'roles' | 'clinicId'>, since: string | undefined): Promise<{ docs: string[]; cursor: string }>;
  /**
   * Server-side write: persisted, attributed to `userId`, broadcast. An
   * `import` (the default) passes the write policy like a client's update;
   * the demo `seed` is trusted. Throws AppError('forbidden') when refused.
   */
  applyServerUpdate(name: string, clinicId: string, update: Uint8Array, userId: string, origin?: 'import' | 'seed' | 'system' | 'replica'): Promise<void>;
  /** A copy of a document's current state, for server-side readers (export, projection rebuild). */
  readState(name: string, clinicId: string): Promise<Uint8Array | null>;
  /** The stored document unmerged (snapshot, then log rows), or only the log rows after `afterSeq`; with the last row's sequence number. A cursor older than the document's compaction point gets the snapshot and the rows after it, with `fromSnapshot`. */
  readStoredSince(name: string, clinicId: string, afterSeq: number | null): Promise<{ parts: Uint8Array[]; lastSeq: number; fromSnapshot?: true } | null>;
  stats(): { openDocs: number; connections: number };
  /** Closes every socket of a session that just ended in this process (sign-out); returns how many. */
  endSession(sessionId: string, reason: string): number;
  /** Closes the connections to a patient's restricted part that a restriction no longer opens to; returns how many. */
  revokeRestricted(patientId: string): number;
  close(): Promise<void>;
}
