import { docAccess } from '../../../src/lib/domain/doc-names';
import { AppError } from '../../../src/lib/domain/errors';
import type { Role } from '../../../src/lib/domain/roles';
import { requireUser, type RequestContext } from '../../http/context';
import type { BearerResult } from '../../smart/smart-routes';
import { permits } from '../../smart/scopes';
import type { Audit, SessionUser } from '../../types';
import { OperationOutcomeError } from '../operation-outcome';

/**
 * Who reads through the FHIR API, and whether they may: a signed-in staff
 * member (their roles decide), or an API client holding a SMART Backend
 * Services token (its granted scopes decide). Shared by every FHIR read
 * route (fhir-read-routes.ts, measure-routes.ts) so one rule answers them
 * all. Refusals are audited as authz.denied.
 */
export interface Reader {
  clinicId: string;
  roles: Role[];
  userId: string | null;
  clientId?: string;
  scopes?: string[];
}

export type Interaction = 'read' | 'search';

export interface FhirReaderDeps {
  audit: Audit;
  /** Resolves `Authorization: Bearer` (smart-routes.ts); without it only sessions are accepted. */
  bearer?: (req: RequestContext['req']) => BearerResult;
}

export function fhirReader(deps: FhirReaderDeps) {
  const { audit } = deps;

  /** The staff member or API client behind the request; 401 without either, or with a bearer token not (or no longer) valid. */
  function reader(ctx: RequestContext): Reader {
    const bearer = deps.bearer?.(ctx.req) ?? { kind: 'none' };
    if (bearer.kind === 'invalid') {
      ctx.res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new OperationOutcomeError(401, [{ severity: 'error', code: 'login', diagnostics: 'The access token is not valid (unknown, expired or revoked)' }]);
    }
    if (bearer.kind === 'client') {
      const c = bearer.client;
      // Index catch-up only: reads are decided by the scopes (allows()).
      return { clinicId: c.clinicId, roles: ['clinician'], userId: null, clientId: c.clientId, scopes: c.scopes };
    }
    const user: SessionUser = requireUser(ctx);
    return { clinicId: user.clinicId, roles: user.roles, userId: user.id };
  }

  /** Whether a client's scopes allow this interaction on this type (staff: always; their roles are checked in authorize). */
  function allows(r: Reader, type: string, interaction: Interaction): boolean {
    return r.scopes === undefined || permits(r.scopes, type, interaction);
  }

  /** Audit fields naming who read: the user, or the client (by id, with no user). */
  function who(r: Reader): { userId: string | null; clientDetail: Record<string, string> } {
    return { userId: r.userId, clientDetail: r.clientId ? { clientId: r.clientId } : {} };
  }

  /** Signed in (or a client's token) with access to this type; refusals audited. */
  function authorize(
    ctx: RequestContext,
    type: string,
    interaction: Interaction,
    kind: 'patient' | 'chart' | 'tasks' = type === 'Patient' ? 'patient' : 'chart'
  ): Reader {
    const r = reader(ctx);
    if (r.scopes !== undefined) {
      if (!allows(r, type, interaction)) {
        audit.record({ action: 'authz.denied', outcome: 'failure', userId: null, target: `fhir:${type}`, ip: ctx.ip, detail: { reason: 'scope', resourceType: type, interaction, clientId: r.clientId } });
        throw new AppError('forbidden', `The granted scopes do not allow ${interaction === 'read' ? 'reading' : 'searching'} ${type} resources.`);
      }
      return r;
    }
    if (docAccess(r.roles, kind) === 'none') {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: r.userId, target: `fhir:${type}`, ip: ctx.ip, detail: { reason: 'role', resourceType: type } });
      throw new AppError(
        'forbidden',
        kind === 'patient' ? 'Your role does not give access to patient records.' : kind === 'tasks' ? "Your role does not give access to the clinic's tasks." : 'Only clinicians and nurses may read clinical records.'
      );
    }
    return r;
  }

  return { reader, allows, who, authorize };
}
