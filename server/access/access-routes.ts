import type Database from 'better-sqlite3';
import { z } from 'zod';
import { isUuid } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { findUserById, listUsersOfClinic } from '../store/users';
import type { Audit, SessionUser } from '../types';
import { parseWith, readJson } from '../http/body';
import { requireUser, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { AccessStore, Grant, Restriction } from './access-store';
import { RESTRICTION_CATEGORIES } from '../../src/lib/domain/restriction-categories';

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
  /** A restriction was recorded or lifted: closes open connections to the restricted part it no longer opens to; how many. */
  revokeRestricted?(patientId: string): number;
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
  /** The day the patient asked (YYYY-MM-DD); today when left out. */
  requestedOn: z
    .string()
    .refine((d) => {
      const t = /^\d{4}-\d{2}-\d{2}$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : NaN;
      // 2026-02-31 is no day: it must read back as itself.
      return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
    }, 'A date (YYYY-MM-DD)')
    .optional(),
  /** Optional note: the patient's words, whom they want kept out. */
  request: z.string().trim().max(1000, 'Keep the note under 1000 characters').default('')
});

/** Shortest reason accepted for lifting a restriction: it is the patient's protection that ends. */
export const MIN_LIFT_REASON_LENGTH = 10;
const liftSchema = z.object({
  reason: z
    .string({ message: 'State why the restriction is lifted' })
    .trim()
    .min(MIN_LIFT_REASON_LENGTH, `State why the restriction is lifted (at least ${MIN_LIFT_REASON_LENGTH} characters)`)
    .max(MAX_REASON_LENGTH, `Keep the reason under ${MAX_REASON_LENGTH} characters`)
});

const isClinical = (roles: readonly string[]) => roles.includes('clinician') || roles.includes('nurse');

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
 * - `GET /api/restrictions?patient=<id>` — clinical staff and administrators
 *   of the patient's clinic: the restrictions in force (restrictionView:
 *   an unnamed user learns only that one exists), and the caller's running
 *   emergency access to the patient, if any.
 * - `GET /api/restrictions/care-team` — clinicians and administrators: the
 *   clinic's clinicians and nurses, to name in a restriction.
 * - `POST /api/restrictions` {patientId, category, allowedUserIds,
 *   requestedOn?, request?} — a clinician or an administrator of the
 *   patient's clinic records a patient's request; a clinician recording it
 *   is always among the named users, an administrator names at least one.
 *   Audited `restriction.create` (category and how many are named).
 * - `POST /api/restrictions/:id/end` {reason} — a clinician named by it, or
 *   an administrator of the clinic, lifts it with a reason (kept with it,
 *   audited `restriction.end`). Refusals are audited `authz.denied`.
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

  /**
   * A clinician or an administrator of the patient's clinic (restrictions
   * are the clinic's record). Nurses and the front desk are refused: a
   * restriction decides who sees a clinician's notes, and the front desk
   * has no chart access at all. With no patient yet (the care-team list, a
   * malformed body), the role alone is checked.
   */
  function requireRecorder(user: SessionUser, ip: string, patientId: string | null): void {
    const role = user.roles.includes('clinician') || user.roles.includes('admin');
    if (!role || (patientId !== null && deps.clinicOfPatient(patientId) !== user.clinicId)) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: patientId ? `restricted:${patientId}` : 'restrictions', ip, detail: { reason: 'restriction' } });
      throw new AppError('forbidden', "Only a clinician or an administrator of the patient's clinic may record or lift a restriction.");
    }
  }

  /**
   * What the chart shows of a restriction. A user it does not name (and
   * who holds no emergency access) learns only that part of the record is
   * restricted: not the category (that a patient restricted HIV care says
   * something about them), not who is named. Named users, a running grant
   * and the clinic's administrators (who record and lift them) see the
   * whole entry; never the restricted content, which lives in
   * `restricted:<patient>`.
   */
  function restrictionView(user: SessionUser, r: Restriction, granted: boolean) {
    const named = r.allowedUserIds.includes(user.id);
    if (!named && !granted && !user.roles.includes('admin')) return { id: r.id, named: false as const };
    const nameOf = (id: string) => findUserById(deps.db, id)?.name ?? '';
    return {
      id: r.id,
      named,
      category: r.category,
      allowed: r.allowedUserIds.map((id) => ({ id, name: nameOf(id) })),
      requestedOn: r.requestedOn,
      note: r.request,
      recordedBy: nameOf(r.createdBy),
      recordedAt: r.createdAt,
      // Whether this user may lift it (the server checks again).
      mayLift: user.roles.includes('admin') || (named && user.roles.includes('clinician'))
    };
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
        const staff = user.roles.includes('clinician') || user.roles.includes('nurse') || user.roles.includes('admin');
        if (!staff || deps.clinicOfPatient(patientId) !== user.clinicId) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `restricted:${patientId}`, ip: ctx.ip, detail: { reason: 'restriction' } });
          throw new AppError('forbidden', "Only clinical staff and administrators of the patient's clinic see its restrictions.");
        }
        const grant = store.activeGrant(user.id, patientId);
        const restrictions = store.restrictionsOf(patientId).map((r) => restrictionView(user, r, grant !== null));
        sendJson(ctx.res, 200, { restrictions, grantExpiresAt: grant?.expiresAt ?? null });
      }
    },
    {
      method: 'GET',
      path: '/api/restrictions/care-team',
      handler(ctx) {
        const user = requireUser(ctx);
        requireRecorder(user, ctx.ip, null);
        const people = listUsersOfClinic(deps.db, user.clinicId)
          .filter((u) => !u.disabled && isClinical(u.roles))
          .map((u) => ({ id: u.id, name: u.name, roles: u.roles.filter((r) => r === 'clinician' || r === 'nurse') }))
          .sort((a, b) => a.name.localeCompare(b.name));
        sendJson(ctx.res, 200, { people });
      }
    },
    {
      method: 'POST',
      path: '/api/restrictions',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = await readJson(ctx.req);
        const raw = body as { patientId?: unknown } | null;
        requireRecorder(user, ctx.ip, typeof raw?.patientId === 'string' && isUuid(raw.patientId) ? raw.patientId : null);
        const input = parseWith(restrictionSchema, body);
        requireRecorder(user, ctx.ip, input.patientId);
        if (input.requestedOn && input.requestedOn > new Date().toISOString().slice(0, 10)) {
          throw new AppError('invalid', 'The request cannot be dated in the future.', [{ path: 'requestedOn', message: 'A date not after today' }]);
        }
        // A clinician who records it keeps seeing what they record; an administrator (no chart access) names others only.
        const allowed = [...new Set([...(isClinical(user.roles) ? [user.id] : []), ...input.allowedUserIds])];
        if (allowed.length === 0) {
          throw new AppError('invalid', 'Name at least one clinician or nurse who may still see this part of the record.', [{ path: 'allowedUserIds', message: 'Name at least one person' }]);
        }
        for (const id of allowed) {
          const u = findUserById(deps.db, id);
          if (!u || u.disabled || !isClinical(u.roles) || u.clinicId !== user.clinicId) {
            throw new AppError('invalid', 'Name clinicians or nurses of this clinic only.', [{ path: 'allowedUserIds', message: 'Not a clinical user of this clinic' }]);
          }
        }
        const r = store.createRestriction({
          clinicId: user.clinicId,
          patientId: input.patientId,
          category: input.category,
          allowedUserIds: allowed,
          request: input.request,
          ...(input.requestedOn ? { requestedOn: input.requestedOn } : {}),
          createdBy: user.id
        });
        const closed = deps.revokeRestricted?.(input.patientId) ?? 0;
        audit.record({
          action: 'restriction.create',
          outcome: 'success',
          userId: user.id,
          target: `restricted:${input.patientId}`,
          ip: ctx.ip,
          detail: { restriction: r.id, category: r.category, allowed: allowed.length, ...(closed ? { connectionsClosed: closed } : {}) }
        });
        sendJson(ctx.res, 201, { restriction: restrictionView(user, r, false) });
      }
    },
    {
      method: 'POST',
      path: '/api/restrictions/:id/end',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = await readJson(ctx.req);
        const r = store.getRestriction(ctx.params.id);
        if (!r || r.endedAt !== null) throw new AppError('not-found', 'No such restriction in force.');
        requireRecorder(user, ctx.ip, r.patientId);
        // A clinician lifts only a restriction that names them (they saw what it keeps); an administrator of the clinic lifts any.
        if (!user.roles.includes('admin') && !r.allowedUserIds.includes(user.id)) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `restricted:${r.patientId}`, ip: ctx.ip, detail: { reason: 'restriction' } });
          throw new AppError('forbidden', 'Only a clinician the restriction names, or an administrator, may lift it.');
        }
        const { reason } = parseWith(liftSchema, body);
        if (!store.endRestriction(r.id, user.id, reason)) throw new AppError('not-found', 'No such restriction in force.');
        // Another restriction still in force may name other people.
        deps.revokeRestricted?.(r.patientId);
        audit.record({ action: 'restriction.end', outcome: 'success', userId: user.id, target: `restricted:${r.patientId}`, ip: ctx.ip, detail: { restriction: r.id, category: r.category, reason } });
        sendJson(ctx.res, 200, { ended: true });
      }
    }
  ];
}
