import type Database from 'better-sqlite3';
import { z } from 'zod';
import { isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { findUserById } from '../store/users';
import type { Audit, SessionUser } from '../types';
import { parseWith, readJson } from '../http/body';
import { requireUser, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { AccessStore, Grant } from './access-store';
import { RESTRICTION_CATEGORIES } from './restriction-categories';

/** Shortest reason accepted for emergency access: a sentence, not a keystroke. */
export const MIN_REASON_LENGTH = 20;
export const MAX_REASON_LENGTH = 1000;

export interface AccessRouteDeps {
  db: Database.Database;
  store: AccessStore;
  audit: Audit;
  /** How long a grant lasts (OUTPOST_BREAKGLASS_MINUTES, default 60). */
  grantMinutes: number;
  /** The clinic whose server records hold the patient (their `patient:`/`chart:` documents), or null for an unknown patient. */
  clinicOfPatient(patientId: string): string | null;
}

const grantSchema = z.object({
  patientId: z.string().refine(isUuid, 'Choose a patient'),
  reason: z
    .string()
    .trim()
    .min(MIN_REASON_LENGTH, `State why you need emergency access (at least ${MIN_REASON_LENGTH} characters)`)
    .max(MAX_REASON_LENGTH, `Keep the reason under ${MAX_REASON_LENGTH} characters`)
});

const restrictionSchema = z.object({
  patientId: z.string().refine(isUuid, 'Choose a patient'),
  category: z.enum(RESTRICTION_CATEGORIES, { message: 'Choose what part of the record to restrict' }),
  allowedUserIds: z.array(z.string().min(1).max(100)).max(50),
  request: z.string().trim().min(1, "Record the patient's request").max(1000)
});

/**
 * Emergency access and patient restrictions over HTTP:
 *
 * - `POST /api/breakglass` {patientId, reason} — a clinician opens a record
 *   outside their normal access (another clinic's patient, or a part the
 *   patient restricted and the clinician is not named in) for
 *   `grantMinutes`. The reason is required. Audited `breakglass.grant`
 *   with the reason; a refusal `breakglass.refused`.
 * - `GET /api/breakglass/active` — the caller's running grants (the banner).
 * - `GET /api/breakglass/reviews` — administrators: the break-glass uses of
 *   their clinic's users, newest first, with reasons and review state.
 * - `POST /api/breakglass/:id/review` — an administrator of that clinic marks
 *   one reviewed (audited `breakglass.review`).
 * - `GET /api/restrictions?patient=<id>` — clinical staff of the patient's
 *   clinic: the restrictions in force (the chart shows the restricted part).
 * - `POST /api/restrictions` — a clinician of the patient's clinic records a
 *   patient's request; the clinician is always among the named users.
 * - `POST /api/restrictions/:id/end` — a clinician named by it ends it.
 */
export function accessRoutes(deps: AccessRouteDeps): Route[] {
  const { store, audit } = deps;

  function refuse(user: SessionUser, ip: string, target: string | null, reason: string, message: string, code: 'forbidden' | 'invalid' | 'not-found' = 'forbidden'): never {
    audit.record({ action: 'breakglass.refused', outcome: 'failure', userId: user.id, target, ip, detail: { reason } });
    throw new AppError(code, message);
  }

  function requireAdmin(user: SessionUser, ip: string): void {
    if (!user.roles.includes('admin')) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'breakglass.reviews', ip, detail: { reason: 'role' } });
      throw new AppError('forbidden', 'Only administrators review emergency access.');
    }
  }

  function grantView(g: Grant) {
    const who = findUserById(deps.db, g.userId);
    const reviewer = g.reviewedBy ? findUserById(deps.db, g.reviewedBy) : null;
    return { ...g, userName: who?.name ?? '', reviewerName: reviewer?.name ?? null };
  }

  /** A clinician of the patient's clinic (restrictions are the clinic's record). */
  function requireClinicianOf(user: SessionUser, ip: string, patientId: string): void {
    if (!user.roles.includes('clinician') || deps.clinicOfPatient(patientId) !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `restricted:${patientId}`, ip, detail: { reason: 'restriction' } });
      throw new AppError('forbidden', "Only a clinician of the patient's clinic may record or end a restriction.");
    }
  }

  return [
    {
      method: 'POST',
      path: '/api/breakglass',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = await readJson(ctx.req);
        if (!user.roles.includes('clinician')) refuse(user, ctx.ip, null, 'role', 'Only clinicians may use emergency access.');
        const raw = body as { patientId?: unknown; reason?: unknown } | null;
        const target = typeof raw?.patientId === 'string' && isUuid(raw.patientId) ? `chart:${raw.patientId}` : null;
        const parsed = grantSchema.safeParse(body);
        if (!parsed.success) {
          const noReason = parsed.error.issues.some((i) => i.path[0] === 'reason');
          audit.record({ action: 'breakglass.refused', outcome: 'failure', userId: user.id, target, ip: ctx.ip, detail: { reason: noReason ? 'no-reason' : 'invalid' } });
          parseWith(grantSchema, body);
        }
        const { patientId, reason } = parsed.data!;
        const recordClinicId = deps.clinicOfPatient(patientId);
        if (!recordClinicId) refuse(user, ctx.ip, target, 'unknown-patient', 'No such patient on this server.', 'not-found');
        const hidden = store.restrictionsOf(patientId).some((r) => !r.allowedUserIds.includes(user.id));
        if (recordClinicId === user.clinicId && !hidden) {
          refuse(user, ctx.ip, target, 'not-needed', 'You already have access to this record; emergency access is not needed.', 'invalid');
        }
        const grant = store.createGrant({ userId: user.id, clinicId: user.clinicId, patientId, recordClinicId: recordClinicId!, reason }, deps.grantMinutes);
        audit.record({
          action: 'breakglass.grant',
          outcome: 'success',
          userId: user.id,
          target,
          ip: ctx.ip,
          detail: { grant: grant.id, reason, expiresAt: grant.expiresAt, otherClinic: recordClinicId !== user.clinicId, restricted: hidden }
        });
        sendJson(ctx.res, 201, { grant: { id: grant.id, patientId, expiresAt: grant.expiresAt } });
      }
    },
    {
      method: 'GET',
      path: '/api/breakglass/active',
      handler(ctx) {
        const user = requireUser(ctx);
        const grants = store.activeGrantsOf(user.id).map((g) => ({ id: g.id, patientId: g.patientId, expiresAt: g.expiresAt }));
        sendJson(ctx.res, 200, { grants, serverTime: new Date().toISOString() });
      }
    },
    {
      method: 'GET',
      path: '/api/breakglass/reviews',
      handler(ctx) {
        const user = requireUser(ctx);
        requireAdmin(user, ctx.ip);
        sendJson(ctx.res, 200, { grants: store.grantsOfClinic(user.clinicId).map(grantView) });
      }
    },
    {
      method: 'POST',
      path: '/api/breakglass/:id/review',
      handler(ctx) {
        const user = requireUser(ctx);
        requireAdmin(user, ctx.ip);
        const grant = store.getGrant(ctx.params.id);
        // Another clinic's use is not this administrator's to see: answered as unknown.
        if (!grant || grant.clinicId !== user.clinicId) throw new AppError('not-found', 'No such emergency access in this clinic.');
        store.markReviewed(grant.id, user.id);
        audit.record({ action: 'breakglass.review', outcome: 'success', userId: user.id, target: `chart:${grant.patientId}`, ip: ctx.ip, detail: { grant: grant.id } });
        sendJson(ctx.res, 200, { grant: grantView(store.getGrant(grant.id)!) });
      }
    },
    {
      method: 'GET',
      path: '/api/restrictions',
      handler(ctx) {
        const user = requireUser(ctx);
        const patientId = ctx.url.searchParams.get('patient') ?? '';
        if (!isUuid(patientId)) throw new AppError('invalid', 'Name a patient.', [{ path: 'patient', message: 'Not a patient id' }]);
        const clinical = user.roles.includes('clinician') || user.roles.includes('nurse');
        if (!clinical || deps.clinicOfPatient(patientId) !== user.clinicId) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `restricted:${patientId}`, ip: ctx.ip, detail: { reason: 'restriction' } });
          throw new AppError('forbidden', 'Only clinical staff of the patient\'s clinic see its restrictions.');
        }
        const restrictions = store.restrictionsOf(patientId).map((r) => ({
          id: r.id,
          category: r.category,
          createdAt: r.createdAt,
          // Whether this user sees the restricted part without emergency access.
          named: r.allowedUserIds.includes(user.id)
        }));
        sendJson(ctx.res, 200, { restrictions });
      }
    },
    {
      method: 'POST',
      path: '/api/restrictions',
      async handler(ctx) {
        const user = requireUser(ctx);
        const input = parseWith(restrictionSchema, await readJson(ctx.req));
        requireClinicianOf(user, ctx.ip, input.patientId);
        const allowed = [...new Set([user.id, ...input.allowedUserIds])];
        for (const id of allowed) {
          const u = findUserById(deps.db, id);
          const clinical = u && (u.roles.includes('clinician') || u.roles.includes('nurse'));
          if (!u || u.disabled || !clinical || u.clinicId !== user.clinicId) {
            throw new AppError('invalid', 'Name clinicians or nurses of this clinic only.', [{ path: 'allowedUserIds', message: 'Not a clinical user of this clinic' }]);
          }
        }
        const r = store.createRestriction({ clinicId: user.clinicId, patientId: input.patientId, category: input.category, allowedUserIds: allowed, request: input.request, createdBy: user.id });
        audit.record({ action: 'restriction.create', outcome: 'success', userId: user.id, target: `restricted:${input.patientId}`, ip: ctx.ip, detail: { restriction: r.id, category: r.category, allowed: allowed.length } });
        sendJson(ctx.res, 201, { restriction: { id: r.id, category: r.category, allowedUserIds: allowed } });
      }
    },
    {
      method: 'POST',
      path: '/api/restrictions/:id/end',
      handler(ctx) {
        const user = requireUser(ctx);
        const row = deps.db.prepare('SELECT patient_id AS patientId, allowed_user_ids AS allowed FROM patient_restrictions WHERE id = ? AND ended_at IS NULL').get(ctx.params.id) as
          | { patientId: string; allowed: string }
          | undefined;
        if (!row) throw new AppError('not-found', 'No such restriction in force.');
        requireClinicianOf(user, ctx.ip, row.patientId);
        if (!(JSON.parse(row.allowed) as string[]).includes(user.id)) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `restricted:${row.patientId}`, ip: ctx.ip, detail: { reason: 'restriction' } });
          throw new AppError('forbidden', 'Only a clinician the restriction names may end it.');
        }
        store.endRestriction(ctx.params.id);
        audit.record({ action: 'restriction.end', outcome: 'success', userId: user.id, target: `restricted:${row.patientId}`, ip: ctx.ip, detail: { restriction: ctx.params.id } });
        sendJson(ctx.res, 200, { ended: true });
      }
    }
  ];
}
