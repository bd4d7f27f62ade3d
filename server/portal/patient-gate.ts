import { AppError } from '../../src/lib/domain/errors';
import type { Role } from '../../src/lib/domain/roles';
import { WIPE_CONFIRM_PATH } from '../auth/auth-service';
import type { Route } from '../http/context';
import { PATIENT_PASSKEY_ROUTES } from '../http/routes/passkey-routes';
import type { Audit } from '../types';

/**
 * The server-wide rule for patient sessions: default deny. A request from a
 * session whose account holds the `patient` role reaches a route only if the
 * route is on the list below (or the portal's own list, portal-routes.ts);
 * every other route — patient list and search, sync, FHIR (bulk included),
 * admin, audit, schedule, telehealth staff side, and any route added later —
 * answers 403 before its handler runs, and the refusal is audited.
 *
 * The listed routes are the session's own business (signing in and out, its
 * second factor, its passkeys, the device's wipe confirmation) and routes any visitor may
 * call with a secret instead of a session (the video join page, a printed
 * transfer's health link), which a patient with a portal account must still
 * be able to use from the same browser.
 */
export const PATIENT_SESSION_ROUTES: readonly string[] = [
  'GET /healthz',
  'GET /api/config',
  'POST /api/auth/login',
  'POST /api/auth/login/second-factor',
  'POST /api/auth/login/enrol',
  'POST /api/auth/login/enrol/confirm',
  'GET /api/auth/second-factor',
  'POST /api/auth/second-factor/enrol',
  'POST /api/auth/second-factor/enrol/confirm',
  'POST /api/auth/second-factor/recovery-codes',
  'GET /api/auth/me',
  'POST /api/auth/logout',
  'POST /api/auth/logout-everywhere',
  ...PATIENT_PASSKEY_ROUTES,
  `POST ${WIPE_CONFIRM_PATH}`,
  'POST /api/telehealth/join/check',
  'POST /api/telehealth/join/enter',
  'POST /api/telehealth/join/poll',
  'GET /api/shl/:id'
];

/**
 * A patient session: any account holding the patient role is treated as
 * one, whatever else it holds, so a role added by mistake cannot widen it.
 */
export function isPatientSession(roles: readonly Role[]): boolean {
  return roles.includes('patient');
}

export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Wraps every route not on `allowed` so that a patient session is refused before its handler runs. */
export function guardPatientSessions(routes: readonly Route[], allowed: readonly string[], audit: Audit): Route[] {
  const open = new Set(allowed);
  return routes.map((route) => {
    const key = routeKey(route);
    if (open.has(key)) return route;
    return {
      ...route,
      handler(ctx) {
        if (ctx.user && isPatientSession(ctx.user.roles)) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: ctx.user.id, target: 'api', ip: ctx.ip, detail: { reason: 'patient-session', route: key } });
          throw new AppError('forbidden', 'Patient accounts cannot use this part of Outpost. Your own record is under “My health record”.');
        }
        return route.handler(ctx);
      }
    };
  });
}
