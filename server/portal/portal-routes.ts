import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { portalRefusal } from '../../src/lib/domain/portal-refusals';
import { docAccess, isUuid } from '../../src/lib/domain/doc-names';
import { ACTIVATION_PATH, isCalendarDate, PROXY_KINDS, type PortalRelation } from '../../src/lib/domain/portal/portal-rules';
import { patientSummary } from '../../src/lib/fhir/export/patient-summary';
import { resultReleaseOf } from '../admin/result-release-store';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/password';
import { parseWith, readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import { sendFhir } from '../fhir/operation-outcome';
import { createUser, findUserByUsername, USERNAME_PATTERN } from '../store/users';
import { JoinThrottle } from '../telehealth/join-throttle';
import type { Audit, SessionUser, SyncService } from '../types';
import { patientAppointments, patientViewParts, recordView } from './patient-view';
import { isPatientSession } from './patient-gate';
import type { Invitation, InvitationProblem, PortalStore } from './portal-store';

/**
 * Patient accounts over HTTP.
 *
 * Staff with the front desk's or a clinical role (those who write `patient:`
 * documents): POST /api/portal/invitations (the patient's own, or a proxy's
 * "acting for" one), GET /api/portal/patients/:patientId/access,
 * POST /api/portal/invitations/:id/revoke, POST /api/portal/access/:id/revoke.
 *
 * No account yet: POST /api/portal/activate (the invitation's secret, the
 * patient's date of birth, a username and a password). Wrong dates count
 * against the invitation (burnt after MAX_BIRTH_DATE_FAILURES) and against
 * the address (JoinThrottle, as the video join page).
 *
 * Patient accounts: GET /api/portal/me, GET /api/portal/records/:patientId
 * (the server-made view, patient-view.ts), …/summary (the International
 * Patient Summary, the FHIR API's patient-summary.ts over the same filtered
 * resources) and …/everything (all of it as a FHIR Bundle); all three leave
 * out the results the clinic's release policy still holds. A record the
 * account holds no live grant to is 403, whether or not it exists.
 *
 * Every issue, revoke, activation, read and refusal is audited, never with
 * names, dates of birth or secrets.
 */
export interface PortalRouteDeps {
  db: Database.Database;
  store: PortalStore;
  audit: Audit;
  sync: Pick<SyncService, 'readState'>;
  patientInClinic(clinicId: string, patientId: string): boolean;
  birthDateOf(clinicId: string, patientId: string): Promise<string | null>;
  clinicName(clinicId: string): string | null;
  /** Ends every session of an account left with no record to read. */
  endSessionsOf(userId: string): void;
  now?: () => number;
}

/** Routes a patient session may call (the patient gate lets these through). */
export const PORTAL_PATIENT_ROUTES = [
  'POST /api/portal/activate',
  'GET /api/portal/me',
  'GET /api/portal/records/:patientId',
  'GET /api/portal/records/:patientId/summary',
  'GET /api/portal/records/:patientId/everything'
] as const;

const issueSchema = z
  .discriminatedUnion('relation', [
    z.object({ relation: z.literal('self'), patientId: z.string() }).strict(),
    z
      .object({
        relation: z.literal('proxy'),
        patientId: z.string(),
        proxyKind: z.enum(PROXY_KINDS, { error: `Say who acts for the patient: ${PROXY_KINDS.join(', ')}` }),
        proxyName: z.string().trim().min(1, 'Enter the name of the person who will act for the patient').max(120, 'The name is too long')
      })
      .strict()
  ]);

const activateSchema = z
  .object({
    secret: z.string().min(10, 'This invitation link is incomplete. Open the whole link, or scan the code again.').max(200),
    birthDate: z.string().refine(isCalendarDate, 'Enter the date of birth as a full date (year, month, day).'),
    username: z.string().trim().regex(USERNAME_PATTERN, 'Usernames are 2–64 letters, digits, dots, dashes or underscores'),
    password: z.string().min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters`).max(1024, 'The password is too long')
  })
  .strict();

const PROBLEM_MESSAGE: Record<InvitationProblem, string> = {
  unknown: 'This invitation link is not valid. Ask the clinic for a new one.',
  expired: 'This invitation has expired. Ask the clinic for a new one.',
  used: 'This invitation was already used. Sign in with the account it set up, or ask the clinic for a new one.',
  revoked: 'The clinic withdrew this invitation. Ask the clinic for a new one.',
  burnt: 'This invitation is locked after too many wrong dates of birth. Ask the clinic for a new one.'
};


function baseUrl(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}`;
}

function invitationState(inv: Invitation, problem: InvitationProblem | null): string {
  return problem ?? 'pending';
}

export function portalRoutes(deps: PortalRouteDeps): Route[] {
  const { store, audit } = deps;
  const now = deps.now ?? Date.now;
  const throttle = new JoinThrottle(now);

  /** Front desk and clinical staff of the patient's clinic; a patient account never, whatever else it holds. */
  function staff(ctx: RequestContext): SessionUser {
    const user = requireUser(ctx);
    if (isPatientSession(user.roles) || docAccess(user.roles, 'patient') !== 'write') {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal', ip: ctx.ip, detail: { reason: 'role' } });
      throw new AppError('forbidden', 'Only the front desk and clinical staff manage patient accounts.');
    }
    return user;
  }

  function patientOfClinic(user: SessionUser, patientId: string): void {
    if (!isUuid(patientId) || !deps.patientInClinic(user.clinicId, patientId)) throw new AppError('not-found', 'No such patient in this clinic.');
  }

  /** The signed-in account's live grant to this record; 403 (audited) otherwise. */
  function grantFor(ctx: RequestContext) {
    const user = requireUser(ctx);
    const patientId = ctx.params.patientId;
    const grant = isPatientSession(user.roles) && isUuid(patientId) ? store.grant(user.id, patientId) : null;
    if (!grant || grant.clinicId !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:record', ip: ctx.ip, detail: { reason: 'no-grant' } });
      throw portalRefusal('record.not-yours');
    }
    return { user, grant };
  }

  async function parts(ctx: RequestContext) {
    const { user, grant } = grantFor(ctx);
    const found = await patientViewParts(deps.sync, grant, resultReleaseOf(deps.db, grant.clinicId), new Date(now()));
    if (!found) throw portalRefusal('record.unavailable');
    return { user, grant, found };
  }

  function read(ctx: RequestContext, user: SessionUser, patientId: string, interaction: string, count: number, relation: PortalRelation): void {
    audit.record({ action: 'portal.record', outcome: 'success', userId: user.id, target: `chart:${patientId}`, ip: ctx.ip, detail: { interaction, count, relation } });
  }

  return [
    {
      method: 'POST',
      path: '/api/portal/invitations',
      async handler(ctx) {
        const user = staff(ctx);
        const body = parseWith(issueSchema, await readJson(ctx.req));
        patientOfClinic(user, body.patientId);
        if (body.relation === 'self') {
          if (store.accessOf(user.clinicId, body.patientId).some((a) => a.relation === 'self' && a.revokedAt === null)) {
            throw new AppError('conflict', 'This patient already has an account. Withdraw its access first to invite them again.');
          }
          // The newest invitation replaces any the patient has not used yet: one live link at a time.
          for (const old of store.invitationsOf(user.clinicId, body.patientId)) {
            if (old.relation === 'self' && store.problemOf(old) === null && store.revokeInvitation(old.id, user.id)) {
              audit.record({ action: 'portal.invite.revoke', outcome: 'success', userId: user.id, target: `patient:${body.patientId}`, ip: ctx.ip, detail: { invitation: old.id, reason: 'replaced' } });
            }
          }
        }
        const { invitation, secret } = store.issue({
          clinicId: user.clinicId,
          patientId: body.patientId,
          relation: body.relation,
          proxyKind: body.relation === 'proxy' ? body.proxyKind : null,
          proxyName: body.relation === 'proxy' ? body.proxyName : null,
          createdBy: user.id
        });
        audit.record({ action: 'portal.invite', outcome: 'success', userId: user.id, target: `patient:${body.patientId}`, ip: ctx.ip, detail: { invitation: invitation.id, relation: invitation.relation, ...(invitation.proxyKind ? { proxyKind: invitation.proxyKind } : {}) } });
        sendJson(ctx.res, 201, {
          id: invitation.id,
          relation: invitation.relation,
          expiresAt: new Date(invitation.expiresAt).toISOString(),
          // The secret goes in the fragment: never sent to a server, never in a log line.
          link: `${baseUrl(ctx)}${ACTIVATION_PATH}#${secret}`
        });
      }
    },
    {
      method: 'GET',
      path: '/api/portal/patients/:patientId/access',
      handler(ctx) {
        const user = staff(ctx);
        const patientId = ctx.params.patientId;
        patientOfClinic(user, patientId);
        const invitations = store
          .invitationsOf(user.clinicId, patientId)
          .map((i) => ({ id: i.id, relation: i.relation, proxyKind: i.proxyKind, proxyName: i.proxyName, createdAt: new Date(i.createdAt).toISOString(), expiresAt: new Date(i.expiresAt).toISOString(), state: invitationState(i, store.problemOf(i)) }));
        const accounts = store
          .accessOf(user.clinicId, patientId)
          .map((a) => ({ id: a.id, relation: a.relation, proxyKind: a.proxyKind, proxyName: a.proxyName, grantedAt: new Date(a.grantedAt).toISOString(), revokedAt: a.revokedAt === null ? null : new Date(a.revokedAt).toISOString() }));
        sendJson(ctx.res, 200, { invitations, accounts });
      }
    },
    {
      method: 'POST',
      path: '/api/portal/invitations/:id/revoke',
      handler(ctx) {
        const user = staff(ctx);
        const inv = isUuid(ctx.params.id) ? store.invitationById(ctx.params.id) : null;
        if (!inv || inv.clinicId !== user.clinicId) throw new AppError('not-found', 'No such invitation in this clinic.');
        if (!store.revokeInvitation(inv.id, user.id)) throw new AppError('conflict', 'This invitation was already used or withdrawn.');
        audit.record({ action: 'portal.invite.revoke', outcome: 'success', userId: user.id, target: `patient:${inv.patientId}`, ip: ctx.ip, detail: { invitation: inv.id } });
        sendJson(ctx.res, 200, { ok: true });
      }
    },
    {
      method: 'POST',
      path: '/api/portal/access/:id/revoke',
      handler(ctx) {
        const user = staff(ctx);
        const access = isUuid(ctx.params.id) ? store.accessById(ctx.params.id) : null;
        if (!access || access.clinicId !== user.clinicId) throw new AppError('not-found', 'No such account access in this clinic.');
        if (!store.revokeAccess(access.id, user.id)) throw new AppError('conflict', 'This access was already withdrawn.');
        const left = store.grantsOf(access.userId).length;
        if (left === 0) deps.endSessionsOf(access.userId);
        audit.record({ action: 'portal.access.revoke', outcome: 'success', userId: user.id, target: `patient:${access.patientId}`, ip: ctx.ip, detail: { access: access.id, relation: access.relation, account: access.userId, sessionsEnded: left === 0 } });
        sendJson(ctx.res, 200, { ok: true });
      }
    },
    {
      method: 'POST',
      path: '/api/portal/activate',
      async handler(ctx) {
        throttle.assertAllowed(ctx.ip);
        const body = parseWith(activateSchema, await readJson(ctx.req));
        const inv = store.bySecret(body.secret);
        const problem = inv ? store.problemOf(inv) : 'unknown';
        if (!inv || problem) {
          throttle.recordFailure(ctx.ip);
          audit.record({ action: 'portal.activate', outcome: 'failure', target: inv ? `patient:${inv.patientId}` : 'portal', ip: ctx.ip, detail: { reason: problem, ...(inv ? { invitation: inv.id } : {}) } });
          throw new AppError(problem === 'unknown' ? 'not-found' : 'forbidden', PROBLEM_MESSAGE[problem ?? 'unknown']);
        }
        const expected = await deps.birthDateOf(inv.clinicId, inv.patientId);
        if (!expected) throw new AppError('unavailable', 'We cannot confirm your details online. Please call the clinic.');
        if (expected !== body.birthDate) {
          const left = store.noteFailure(inv.id);
          throttle.recordFailure(ctx.ip);
          audit.record({ action: 'portal.activate', outcome: 'failure', target: `patient:${inv.patientId}`, ip: ctx.ip, detail: { reason: 'birth-date', invitation: inv.id, triesLeft: left } });
          throw new AppError(
            'forbidden',
            left > 0 ? `That date of birth does not match our records. ${left} ${left === 1 ? 'try' : 'tries'} left.` : PROBLEM_MESSAGE.burnt,
            [{ path: 'birthDate', message: 'Does not match' }]
          );
        }
        if (findUserByUsername(deps.db, body.username)) {
          throw new AppError('conflict', 'That username is taken. Choose another one.', [{ path: 'username', message: 'Taken' }]);
        }
        const passwordHash = await hashPassword(body.password);
        let userId: string | null;
        try {
          userId = store.redeem(inv, () =>
            // The account holds the patient role alone: every route and document checks it (patient-gate.ts, doc-names.ts).
            createUser(deps.db, { clinicId: inv.clinicId, username: body.username, name: inv.relation === 'proxy' ? (inv.proxyName ?? 'Proxy') : 'Patient', roles: ['patient'], passwordHash }).id
          );
        } catch (err) {
          // Two activations racing for one username: the unique index refuses the second.
          if (err instanceof Error && /UNIQUE/.test(err.message)) throw new AppError('conflict', 'That username is taken. Choose another one.', [{ path: 'username', message: 'Taken' }]);
          throw err;
        }
        if (!userId) throw new AppError('forbidden', PROBLEM_MESSAGE.used);
        audit.record({ action: 'portal.activate', outcome: 'success', userId, target: `patient:${inv.patientId}`, ip: ctx.ip, detail: { invitation: inv.id, relation: inv.relation } });
        sendJson(ctx.res, 201, { username: body.username, relation: inv.relation });
      }
    },
    {
      method: 'GET',
      path: '/api/portal/me',
      async handler(ctx) {
        const user = requireUser(ctx);
        if (!isPatientSession(user.roles)) throw new AppError('forbidden', 'This is for patient accounts.');
        const records = [];
        for (const g of store.grantsOf(user.id)) {
          if (g.clinicId !== user.clinicId) continue;
          const found = await patientViewParts(deps.sync, g, resultReleaseOf(deps.db, g.clinicId), new Date(now())).catch(() => null);
          records.push({ patientId: g.patientId, relation: g.relation, proxyKind: g.proxyKind, given: found?.name.given ?? '' });
        }
        sendJson(ctx.res, 200, { records });
      }
    },
    {
      method: 'GET',
      path: '/api/portal/records/:patientId',
      async handler(ctx) {
        const { user, grant, found } = await parts(ctx);
        const appointments = await patientAppointments(deps.sync, grant);
        const since = store.noteView(grant.id);
        const view = recordView(found, appointments, grant, deps.clinicName(grant.clinicId) ?? 'Clinic', since, new Date(now()));
        read(ctx, user, grant.patientId, 'view', view.resources.length, grant.relation);
        sendJson(ctx.res, 200, view);
      }
    },
    {
      method: 'GET',
      path: '/api/portal/records/:patientId/summary',
      async handler(ctx) {
        const { user, grant, found } = await parts(ctx);
        const bundle = patientSummary({
          patient: found.patient,
          chart: found.resources,
          organization: { id: grant.clinicId, name: deps.clinicName(grant.clinicId) ?? 'Clinic' },
          base: `${baseUrl(ctx)}/fhir/R4`,
          bundleId: randomUUID(),
          compositionId: randomUUID(),
          now: new Date(now())
        });
        read(ctx, user, grant.patientId, 'summary', (bundle.entry as unknown[]).length, grant.relation);
        ctx.res.setHeader('Content-Disposition', 'attachment; filename="patient-summary.json"');
        sendFhir(ctx.res, 200, bundle);
      }
    },
    {
      method: 'GET',
      path: '/api/portal/records/:patientId/everything',
      async handler(ctx) {
        const { user, grant, found } = await parts(ctx);
        const base = `${baseUrl(ctx)}/fhir/R4`;
        const entry = [found.patient, ...found.resources].map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r }));
        const bundle = { resourceType: 'Bundle', id: randomUUID(), type: 'collection', timestamp: new Date(now()).toISOString(), entry };
        read(ctx, user, grant.patientId, 'everything', entry.length, grant.relation);
        ctx.res.setHeader('Content-Disposition', 'attachment; filename="my-health-record.json"');
        sendFhir(ctx.res, 200, bundle);
      }
    }
  ];
}
