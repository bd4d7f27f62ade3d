import type { TLSSocket } from 'node:tls';
import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { readIntakeResponse, writeIntakeResponse } from '../../src/lib/chart/intake-doc';
import { docName, isUuid } from '../../src/lib/domain/doc-names';
import { portalRefusal } from '../../src/lib/domain/portal-refusals';
import { evaluateIntake, type IntakeResponse } from '../../src/lib/domain/intake/intake-response';
import { intakePrefill } from '../../src/lib/domain/intake/prefill';
import { allQuestionnaires, INTAKE_VERSION } from '../../src/lib/domain/intake/questionnaires';
import { resultReleaseOf } from '../admin/result-release-store';
import { KeyedQueue } from '../fhir/keyed-queue';
import { readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit, SyncService } from '../types';
import { raiseInboxItem } from './inbox';
import { PortalWriteLimiter } from './write-limiter';
import { isPatientSession } from './patient-gate';
import { patientAppointments, patientViewParts } from './patient-view';
import type { PortalStore } from './portal-store';

/**
 * Pre-visit intake forms from the patient portal.
 *
 * - GET /api/portal/records/:patientId/intake — the forms (FHIR Questionnaire
 *   resources, domain/intake/questionnaires.ts) and what the patient checks
 *   on them: the current medicines and allergies of the server-made view of
 *   their record, and their upcoming appointments.
 * - POST /api/portal/records/:patientId/intake — a completed form. Every
 *   answer is checked against the forms and the record the patient was
 *   shown (domain/intake/intake-response.ts); the scores, bands and the
 *   self-harm flag are computed here, and anything of the kind the client
 *   sent is not read. The response is written into the chart document
 *   (`intakeResponses`, 'system' origin, the account as author) and an
 *   inbox item (kind 'intake', for the clinicians, due today) is raised.
 *   The device's id makes it idempotent: the same id again is answered 200
 *   with what was kept the first time.
 *
 * Both need the account's live grant to the record (self or proxy); without
 * one it is 403, audited, and nothing is written. Audit entries hold ids
 * and counts only, never answers.
 */
export interface IntakeRouteDeps {
  db: Database.Database;
  store: Pick<PortalStore, 'grant'>;
  audit: Audit;
  sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>;
  now?: () => number;
  /** Bounds new writes per account (write-limiter.ts); one is made when not given. */
  limiter?: PortalWriteLimiter;
}

export const INTAKE_PATIENT_ROUTES = ['GET /api/portal/records/:patientId/intake', 'POST /api/portal/records/:patientId/intake'] as const;

/** A completed form is small; this leaves room for a long list of medicines. */
const BODY_LIMIT = 48 * 1024;

function fhirBase(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

/** What the patient is told after sending: never the scores (a clinician reads those). */
function receipt(r: IntakeResponse) {
  return { id: r.id, submittedAt: r.submittedAt, version: r.version };
}

export function intakeRoutes(deps: IntakeRouteDeps): Route[] {
  const { store, audit, sync } = deps;
  const now = deps.now ?? Date.now;
  const limiter = deps.limiter ?? new PortalWriteLimiter({ audit, now });
  const queue = new KeyedQueue();

  function grantFor(ctx: RequestContext) {
    const user = requireUser(ctx);
    const patientId = ctx.params.patientId;
    const grant = isPatientSession(user.roles) && isUuid(patientId) ? store.grant(user.id, patientId) : null;
    if (!grant || grant.clinicId !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:intake', ip: ctx.ip, detail: { reason: 'no-grant' } });
      throw portalRefusal('record.not-yours');
    }
    return { user, grant };
  }

  async function prefillFor(grant: NonNullable<ReturnType<PortalStore['grant']>>) {
    const at = new Date(now());
    const parts = await patientViewParts(sync, grant, resultReleaseOf(deps.db, grant.clinicId), at);
    if (!parts) throw portalRefusal('record.unavailable');
    return intakePrefill(parts.resources, await patientAppointments(sync, grant), at);
  }

  return [
    {
      method: 'GET',
      path: '/api/portal/records/:patientId/intake',
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const prefill = await prefillFor(grant);
        audit.record({ action: 'portal.intake', outcome: 'success', userId: user.id, target: `chart:${grant.patientId}`, ip: ctx.ip, detail: { interaction: 'open', relation: grant.relation } });
        sendJson(ctx.res, 200, { version: INTAKE_VERSION, questionnaires: allQuestionnaires(fhirBase(ctx)), prefill });
      }
    },
    {
      method: 'POST',
      path: '/api/portal/records/:patientId/intake',
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const body = await readJson(ctx.req, BODY_LIMIT);
        const name = docName('chart', grant.patientId);
        const result = await queue.run(grant.patientId, async () => {
          const doc = new Y.Doc();
          try {
            const state = await sync.readState(name, grant.clinicId);
            if (state) Y.applyUpdate(doc, state);
            const clientId = typeof (body as { id?: unknown })?.id === 'string' ? ((body as { id: string }).id).toLowerCase() : '';
            const kept = clientId ? readIntakeResponse(doc, clientId) : null;
            if (kept) {
              if (kept.submittedById !== user.id) throw portalRefusal('intake.other-account');
              return { status: 200, response: kept };
            }
            limiter.assertAllowed(ctx, user, 'intake', name);
            const content = evaluateIntake(body, await prefillFor(grant));
            const response: IntakeResponse = { ...content, submittedAt: new Date(now()).toISOString(), submittedBy: user.name, submittedById: user.id, relation: grant.relation };
            const before = Y.encodeStateVector(doc);
            if (!state) initChartDoc(doc, grant.patientId);
            writeIntakeResponse(doc, response);
            await sync.applyServerUpdate(name, grant.clinicId, Y.encodeStateAsUpdate(doc, before), user.id, 'system');
            limiter.record(user, 'intake');
            const urgent = response.flags.includes('self-harm');
            await raiseInboxItem(
              sync,
              {
                clinicId: grant.clinicId,
                patientId: grant.patientId,
                kind: 'intake',
                ref: response.id,
                label: urgent ? 'Pre-visit form: review today' : 'Pre-visit form',
                description: urgent ? 'Pre-visit form to review today (flagged answer)' : 'Pre-visit form completed',
                owner: { kind: 'role', role: 'clinician' },
                category: 'clinical',
                dueDate: new Date(now()).toISOString().slice(0, 10)
              },
              { userId: user.id, name: user.name },
              new Date(now())
            );
            return { status: 201, response };
          } finally {
            doc.destroy();
          }
        });
        audit.record({
          action: 'portal.intake',
          outcome: 'success',
          userId: user.id,
          target: `chart:${grant.patientId}`,
          ip: ctx.ip,
          detail: { interaction: 'submit', response: result.response.id, relation: grant.relation, repeat: result.status === 200 }
        });
        sendJson(ctx.res, result.status, receipt(result.response));
      }
    }
  ];
}
