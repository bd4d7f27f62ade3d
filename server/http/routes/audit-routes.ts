import type Database from 'better-sqlite3';
import { AppError } from '../../../src/lib/domain/errors';
import { reportCsv } from '../../audit/audit-csv';
import { parseReportQuery, runAuditReport, type ReportQuery } from '../../audit/audit-report';
import { MAX_UPLOAD_BYTES, uploadSchema, type OfflineEventIntake } from '../../audit/offline-events';
import type { Audit, SessionUser } from '../../types';
import { readJson } from '../body';
import { requireUser, type RequestContext, type Route } from '../context';
import { fromZod, sendJson } from '../errors';

/**
 * Audit reports for a clinic's administrators, and the upload of reads and
 * prints a device recorded offline.
 *
 * Reports are for the `admin` role only. ONC 170.315(d)(3) asks that the
 * system can produce audit reports, not who reads them; who looked at a
 * patient's record is the privacy officer's question (HIPAA accounting of
 * disclosures, 45 CFR 164.528), and a clinician who could list colleagues'
 * opens of a chart could watch colleagues. A patient's own access report is
 * left for the patient portal. Every run of a report, refused or not, is
 * itself audited.
 */

function requireAdmin(ctx: RequestContext, audit: Audit, target: string): SessionUser {
  const user = requireUser(ctx);
  if (!user.roles.includes('admin')) {
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target, ip: ctx.ip });
    throw new AppError('forbidden', 'Only an administrator may see audit reports.');
  }
  return user;
}

function filtersOf(q: ReportQuery): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: q.kind, sort: q.sort };
  for (const k of ['patient', 'user', 'action', 'outcome', 'from', 'to'] as const) if (q[k]) out[k] = q[k];
  return out;
}

export function auditRoutes(deps: { db: Database.Database; audit: Audit; intake: OfflineEventIntake }): Route[] {
  const { db, audit, intake } = deps;
  return [
    {
      method: 'GET',
      path: '/api/audit/report',
      handler(ctx) {
        const user = requireAdmin(ctx, audit, 'audit-report');
        const q = parseReportQuery(ctx.url.searchParams);
        const report = runAuditReport(db, user.clinicId, q);
        audit.record({
          action: 'audit.report',
          outcome: 'success',
          userId: user.id,
          target: q.patient ? `patient:${q.patient}` : 'audit-report',
          ip: ctx.ip,
          detail: { ...filtersOf(q), page: q.page, total: report.total }
        });
        sendJson(ctx.res, 200, report);
      }
    },
    {
      method: 'GET',
      path: '/api/audit/report.csv',
      handler(ctx) {
        const user = requireAdmin(ctx, audit, 'audit-export');
        const q = parseReportQuery(ctx.url.searchParams);
        const report = runAuditReport(db, user.clinicId, q, { all: true });
        audit.record({
          action: 'audit.export',
          outcome: 'success',
          userId: user.id,
          target: q.patient ? `patient:${q.patient}` : 'audit-report',
          ip: ctx.ip,
          detail: { ...filtersOf(q), rows: report.total }
        });
        const body = reportCsv(report.rows);
        ctx.res.writeHead(200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="audit-${q.kind}-${new Date().toISOString().slice(0, 10)}.csv"`,
          'cache-control': 'no-store',
          'x-audit-chain': report.chain.ok ? 'ok' : `broken at ${report.chain.firstBrokenSeq}`
        });
        ctx.res.end(body);
      }
    },
    {
      // The report's user filter: the clinic's users (no other clinic's). The admin console owns user management.
      method: 'GET',
      path: '/api/audit/users',
      handler(ctx) {
        const user = requireAdmin(ctx, audit, 'audit-users');
        const users = db
          .prepare('SELECT id, username, name FROM users WHERE clinic_id = ? ORDER BY name COLLATE NOCASE')
          .all(user.clinicId) as { id: string; username: string; name: string }[];
        sendJson(ctx.res, 200, { users });
      }
    },
    {
      method: 'POST',
      path: '/api/audit/device-events',
      async handler(ctx) {
        const user = requireUser(ctx);
        if (!intake.allowUpload(user.id)) {
          ctx.req.resume();
          audit.record({ action: 'audit.upload', outcome: 'failure', userId: user.id, target: null, ip: ctx.ip, detail: { reason: 'rate-limited' } });
          throw new AppError('rate-limited', 'Too many uploads of access records; the device will try again shortly.');
        }
        const body = await readJson(ctx.req, MAX_UPLOAD_BYTES);
        const parsed = uploadSchema.safeParse(body);
        if (!parsed.success) {
          audit.record({ action: 'audit.upload', outcome: 'failure', userId: user.id, target: null, ip: ctx.ip, detail: { reason: 'invalid' } });
          throw fromZod(parsed.error, 'The access records are not valid');
        }
        sendJson(ctx.res, 200, intake.accept(user, parsed.data.events, ctx.ip));
      }
    }
  ];
}
