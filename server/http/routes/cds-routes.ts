import type { IncomingMessage } from 'node:http';
import { CdsHooksRequestError, cdsHooksOrderSign, cdsServicesDiscovery, ORDER_SIGN_SERVICE_ID } from '../../../src/lib/domain/drugs';
import { AppError } from '../../../src/lib/domain/errors';
import { hasClinicalRole } from '../../../src/lib/domain/roles';
import { checkCdsRequestSize, createCdsGate, createSerialRunner } from '../../cds/cds-limits';
import { checkOrderSignRequest } from '../../cds/cds-request';
import type { BearerResult } from '../../smart/smart-routes';
import type { Audit } from '../../types';
import { readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

/** Prefetched medication, allergy and lab bundles can be large; still bounded (and counted, see cds-limits.ts). */
export const CDS_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * CDS Hooks endpoints, answering with the same drug-check rules the browser
 * runs offline (src/lib/domain/drugs), so a card looks the same wherever it
 * was computed.
 *
 * Authentication, decided on purpose: the CDS Hooks spec has the calling EHR
 * sign a JWT that the service verifies against the EHR's published keys.
 * That is not implemented. Instead a service call needs a signed-in Outpost
 * session of a clinical role (clinician or nurse); an outside EHR without
 * one gets 401. Requests from loopback are not trusted on their own: behind a
 * reverse proxy on the same machine every request would look like loopback.
 * Discovery (`GET /cds-services`) is open, as the spec expects: it describes
 * the service and holds no patient data.
 *
 * An API client registered for SMART Backend Services may call the service
 * instead with `Authorization: Bearer <token>` (smart/smart-routes.ts): any
 * valid token of an enabled client will do, since the service reads nothing
 * from the clinic's records (the request carries what is checked). Each such
 * call is audited with the client id; an invalid token is 401.
 *
 * A signed-in user without a clinical role is refused 403 and audited. How
 * much one call may carry, and how many run at once, is in cds-limits.ts.
 *
 * Errors use the app's one JSON error shape (AppErrorBody).
 */
export function cdsRoutes(audit: Audit, gate = createCdsGate(), bearer?: (req: IncomingMessage) => BearerResult): Route[] {
  const discovery = cdsServicesDiscovery();
  const checks = createSerialRunner();
  return [
    {
      method: 'GET',
      path: '/cds-services',
      handler(ctx) {
        sendJson(ctx.res, 200, discovery);
      }
    },
    {
      method: 'POST',
      path: '/cds-services/:id',
      async handler(ctx) {
        if (ctx.params.id !== ORDER_SIGN_SERVICE_ID) throw new AppError('not-found', 'There is no CDS service with that id.');
        const viaToken = bearer?.(ctx.req) ?? { kind: 'none' };
        if (viaToken.kind === 'invalid') {
          ctx.res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
          throw new AppError('unauthenticated', 'The access token is not valid (unknown, expired or revoked).');
        }
        const clientId = viaToken.kind === 'client' ? viaToken.client.clientId : null;
        const user = clientId ? null : requireUser(ctx);
        if (user && !hasClinicalRole(user.roles)) {
          audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'cds-services', ip: ctx.ip, detail: { service: ORDER_SIGN_SERVICE_ID } });
          throw new AppError('forbidden', 'Drug checks are for clinicians and nurses.');
        }
        const release = gate.enter();
        if (!release) {
          ctx.req.resume();
          throw new AppError('unavailable', 'The drug-check service is busy; try again in a moment.');
        }
        try {
          const body = await readJson(ctx.req, CDS_BODY_LIMIT);
          checkOrderSignRequest(body);
          checkCdsRequestSize(body as Record<string, unknown>);
          const cards = await checks.run(() => cdsHooksOrderSign(body));
          if (clientId) audit.record({ action: 'cds.call', outcome: 'success', userId: null, target: 'cds-services', ip: ctx.ip, detail: { service: ORDER_SIGN_SERVICE_ID, clientId } });
          sendJson(ctx.res, 200, cards);
        } catch (err) {
          if (err instanceof CdsHooksRequestError) throw new AppError('invalid', 'The CDS Hooks request is not valid', err.issues.map((message) => ({ message })));
          throw err;
        } finally {
          release();
        }
      }
    }
  ];
}
