import { AppError } from '../../../src/lib/domain/errors';
import { docAccess } from '../../../src/lib/domain/doc-names';
import type { PatientProjection } from '../../store/patients';
import type { Audit } from '../../types';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

/** Parses `since` into the exact ISO form the projection stores, so string comparison is time order. */
export function parseSince(raw: string | null): string | undefined {
  if (raw === null || raw === '') return undefined;
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(t)) {
    throw new AppError('invalid', 'since must be an ISO date-time', [{ path: 'since', message: 'Not an ISO date-time' }]);
  }
  return new Date(t).toISOString();
}

export function patientRoutes(patients: PatientProjection, audit: Audit): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/patients',
      handler(ctx) {
        const user = requireUser(ctx);
        if (docAccess(user.roles, 'patient') === 'none') {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'patients', ip: ctx.ip });
          throw new AppError('forbidden', 'Your role does not give access to the patient list.');
        }
        const since = parseSince(ctx.url.searchParams.get('since'));
        // One millisecond early: a row changed later in this same millisecond is sent again next time rather than missed.
        const serverTime = new Date(Date.now() - 1).toISOString();
        const list = patients.list(user.clinicId, since);
        audit.record({
          action: 'patients.list',
          outcome: 'success',
          userId: user.id,
          target: 'patients',
          detail: { count: list.length, since: since ?? null },
          ip: ctx.ip
        });
        sendJson(ctx.res, 200, { patients: list, serverTime });
      }
    }
  ];
}
