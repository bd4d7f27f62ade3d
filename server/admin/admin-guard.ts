import { AppError } from '../../src/lib/domain/errors';
import type { RequestContext } from '../http/context';
import { requireUser } from '../http/context';
import type { Audit, SessionUser } from '../types';

/**
 * Every admin route starts here: no session is a 401, any role but
 * `admin` a 403 that is audited (a refused attempt is what an access review
 * looks for). An administrator acts within their own clinic only: there is
 * no server-wide administrator. Making a new clinic (console or CLI) gives
 * its maker no access to it (admin-clinics-routes.ts).
 */
export function requireAdmin(ctx: RequestContext, audit: Audit): SessionUser {
  const user = requireUser(ctx);
  if (!user.roles.includes('admin')) {
    audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: `admin:${ctx.url.pathname}`, detail: { method: ctx.req.method }, ip: ctx.ip });
    throw new AppError('forbidden', 'Only an administrator can do this.');
  }
  return user;
}
