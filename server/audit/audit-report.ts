import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { fromZod } from '../http/errors';
import { verifyAuditChain, type AuditChainResult } from './audit-log';

/**
 * Audit reports (ONC 170.315(d)(3) "audit report(s)" and (d)(10) "auditing
 * actions on health information"): the log sorted and filtered by patient,
 * user, kind of action, outcome and period, for the administrators of one
 * clinic. Pure queries over `audit_log`; the caller audits each run.
 *
 * A clinic's administrator sees
 * - every entry made by a user of their clinic, and
 * - every entry about a patient of their clinic, whoever made it (a
 *   break-glass open by a user of another clinic on the same server, a
 *   FHIR read by a backend client),
 * and nothing else: another clinic's log stays that clinic's.
 */

/** What each report is about. `breakglass` is taken by action prefix so every `breakglass.*` action counts. */
export const REPORT_KINDS = ['patient-access', 'user-activity', 'refused', 'breakglass', 'overrides', 'all'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Actions that show a patient's record (or part of it) to someone: the "who looked at this patient" report. */
export const ACCESS_ACTIONS = [
  'doc.open',
  'doc.batch',
  'fhir.read',
  'fhir.export',
  'attachment.read',
  'transfer.send',
  'transfer.download',
  'record.view',
  'record.print'
] as const;

/** Actions that are refusals whatever their outcome field says. */
const REFUSAL_ACTIONS = ['authz.denied', 'doc.update.rejected', 'doc.update.refused', 'login.failure', 'api.unauthenticated'];

const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'Not an ISO date or date-time');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Not an id');

export const reportQuerySchema = z
  .object({
    kind: z.enum(REPORT_KINDS).default('all'),
    patient: uuid.optional(),
    user: uuid.optional(),
    /** An action name, or a prefix ending in `.` (`prescription.`). */
    action: z.string().regex(/^[a-z-]+(\.[a-z-]+)*\.?$/, 'Not an action name').max(60).optional(),
    outcome: z.enum(['success', 'failure']).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    sort: z.enum(['newest', 'oldest']).default('newest'),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(500).default(50)
  })
  .strict();
export type ReportQuery = z.infer<typeof reportQuerySchema>;

/** Reads a report query from URL parameters; a clear 400 for anything off. */
export function parseReportQuery(params: URLSearchParams): ReportQuery {
  const raw: Record<string, string> = {};
  for (const [k, v] of params) if (v !== '') raw[k] = v;
  const parsed = reportQuerySchema.safeParse(raw);
  if (!parsed.success) throw fromZod(parsed.error, 'The report filters are not valid');
  const q = parsed.data;
  if (q.kind === 'patient-access' && !q.patient) throw new AppError('invalid', 'Choose a patient for the access report.', [{ path: 'patient', message: 'Required' }]);
  if (q.kind === 'user-activity' && !q.user) throw new AppError('invalid', 'Choose a user for the activity report.', [{ path: 'user', message: 'Required' }]);
  return q;
}

export interface ReportRow {
  seq: number;
  ts: string;
  userId: string | null;
  username: string | null;
  userName: string | null;
  action: string;
  outcome: string;
  target: string | null;
  patientId: string | null;
  detail: Record<string, unknown>;
  ip: string | null;
  /** Set when the event was recorded on a device while offline and uploaded later (the entry's ts is when it was received). */
  recordedOfflineAt: string | null;
}

export interface AuditReport {
  query: ReportQuery;
  total: number;
  rows: ReportRow[];
  chain: AuditChainResult;
}

interface Where {
  sql: string[];
  args: unknown[];
}

/** A date alone means the whole day: `to=2026-12-06` includes that day. */
function bound(value: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return end ? `${value}T23:59:59.999Z` : `${value}T00:00:00.000Z`;
  return new Date(Date.parse(value)).toISOString();
}

function targetsPatient(alias: string, args: unknown[], patientId: string): string {
  args.push(`patient:${patientId}`, `chart:${patientId}`, `patient:${patientId}`, `chart:${patientId}`);
  // A batch catch-up names the records it served in detail.served, not in target.
  return `(${alias}.target IN (?, ?) OR (${alias}.action = 'doc.batch' AND EXISTS (SELECT 1 FROM json_each(${alias}.detail, '$.served') WHERE value IN (?, ?))))`;
}

function buildWhere(clinicId: string, q: ReportQuery): Where {
  const w: Where = { sql: [], args: [] };
  // Scope: the clinic's own users, or the clinic's own patients.
  w.args.push(clinicId, clinicId);
  w.sql.push(
    `(u.clinic_id = ? OR ((a.target LIKE 'patient:%' OR a.target LIKE 'chart:%') AND EXISTS (SELECT 1 FROM patients p WHERE p.id = substr(a.target, instr(a.target, ':') + 1) AND p.clinic_id = ?)))`
  );
  switch (q.kind) {
    case 'patient-access':
      w.sql.push(`a.action IN (${ACCESS_ACTIONS.map(() => '?').join(', ')})`);
      w.args.push(...ACCESS_ACTIONS);
      break;
    case 'refused':
      w.sql.push(`(a.outcome = 'failure' OR a.action IN (${REFUSAL_ACTIONS.map(() => '?').join(', ')}))`);
      w.args.push(...REFUSAL_ACTIONS);
      break;
    case 'breakglass':
      w.sql.push(`a.action LIKE 'breakglass.%'`);
      break;
    case 'overrides':
      w.sql.push(`a.action = 'prescription.override'`);
      break;
    default:
      break;
  }
  if (q.patient) w.sql.push(targetsPatient('a', w.args, q.patient));
  if (q.user) {
    w.sql.push('a.user_id = ?');
    w.args.push(q.user);
  }
  if (q.action) {
    if (q.action.endsWith('.')) {
      w.sql.push("substr(a.action, 1, ?) = ?");
      w.args.push(q.action.length, q.action);
    } else {
      w.sql.push('a.action = ?');
      w.args.push(q.action);
    }
  }
  if (q.outcome) {
    w.sql.push('a.outcome = ?');
    w.args.push(q.outcome);
  }
  if (q.from) {
    w.sql.push('a.ts >= ?');
    w.args.push(bound(q.from, false));
  }
  if (q.to) {
    w.sql.push('a.ts <= ?');
    w.args.push(bound(q.to, true));
  }
  return w;
}

interface JoinedRow {
  seq: number;
  ts: string;
  user_id: string | null;
  username: string | null;
  name: string | null;
  action: string;
  outcome: string;
  target: string | null;
  detail: string;
  ip: string | null;
}

function toReportRow(r: JoinedRow): ReportRow {
  let detail: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(r.detail) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
  } catch {
    // A detail that is not JSON is shown as empty; the chain check says whether it was tampered with.
  }
  const m = /^(?:patient|chart):([0-9a-f-]{36})$/.exec(r.target ?? '');
  return {
    seq: r.seq,
    ts: r.ts,
    userId: r.user_id,
    username: r.username,
    userName: r.name,
    action: r.action,
    outcome: r.outcome,
    target: r.target,
    patientId: m ? m[1] : null,
    detail,
    ip: r.ip,
    recordedOfflineAt: detail.offline === true && typeof detail.recordedAt === 'string' ? detail.recordedAt : null
  };
}

/**
 * Runs a report for one clinic: the total matching, one page of rows, and
 * the verification of the whole chain (the report is only as good as the
 * log it reads). `all: true` returns every matching row (the CSV export).
 */
export function runAuditReport(db: Database.Database, clinicId: string, q: ReportQuery, opts: { all?: boolean } = {}): AuditReport {
  const where = buildWhere(clinicId, q);
  const from = `FROM audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE ${where.sql.join(' AND ')}`;
  const total = (db.prepare(`SELECT count(*) AS n ${from}`).get(...where.args) as { n: number }).n;
  const order = q.sort === 'oldest' ? 'ASC' : 'DESC';
  const limit = opts.all ? '' : ` LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`;
  const rows = db
    .prepare(`SELECT a.seq, a.ts, a.user_id, u.username, u.name, a.action, a.outcome, a.target, a.detail, a.ip ${from} ORDER BY a.seq ${order}${limit}`)
    .all(...where.args) as JoinedRow[];
  return { query: q, total, rows: rows.map(toReportRow), chain: verifyAuditChain(db) };
}
